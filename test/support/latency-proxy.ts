// A TCP proxy on 127.0.0.1 that holds every chunk a client sends for `delayMs` before passing it on, for tests that
// need a slow dependency the sim has no switch for (e.g. registry reads during a deploy's resolve). A test double
// of the network only: both ends are the real client and the real server.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startLatencyProxy(targetPort: number, port = 0): Promise<LatencyProxy> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    // Equal delays fire in order, so the byte stream stays intact.
    client.on('data', (chunk) => {
      const send = () => upstream.writable && upstream.write(chunk);
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
    upstream.on('data', (chunk) => client.writable && client.write(chunk));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return {
    port: (server.address() as { port: number }).port,
    setDelay(ms) {
      delayMs = ms;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}
