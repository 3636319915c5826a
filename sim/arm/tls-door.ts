// TLS in front of a guarded HTTP server (devhost/http-guard.ts): a tls.Server terminates TLS and hands each
// decrypted socket to the HTTP server, so the HTTPS ports get the same hostile-input guard as the plain ones.
// It can be closed and opened again on the same port (a stopped AKS cluster's API server refuses connections).
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server as TlsServer, type TLSSocket } from 'node:tls';

/** As long as the guard gives a client for its headers: a slow handshake is not a way to hold a connection. */
const HANDSHAKE_TIMEOUT_MS = 5_000;

export class TlsDoor {
  private server: TlsServer | undefined;
  /** Every connection, TCP and (after the handshake) TLS, so close() can cut them all. */
  private readonly connections = new Set<Socket>();
  private readonly secured = new Set<TLSSocket>();

  constructor(
    private readonly inner: Server,
    private readonly creds: { key: string; cert: string },
    /** CA whose client certificates the door asks for (verified, but not required: tokens are the other way in). */
    private readonly clientCa?: string,
  ) {}

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  /** Listens on 127.0.0.1:`port` (0 picks a free one); resolves to the port. */
  open(port: number): Promise<number> {
    if (this.server) return Promise.resolve((this.server.address() as AddressInfo).port);
    const clientAuth = this.clientCa ? { requestCert: true, rejectUnauthorized: false, ca: this.clientCa } : {};
    const server = createServer(
      { ...this.creds, ...clientAuth, ALPNProtocols: ['http/1.1'], handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
      (socket: TLSSocket) => {
        this.secured.add(socket);
        socket.once('close', () => this.secured.delete(socket));
        socket.on('error', () => undefined);
        this.inner.emit('connection', socket);
      },
    );
    server.on('connection', (raw: Socket) => {
      this.connections.add(raw);
      raw.on('error', () => undefined);
      raw.once('close', () => this.connections.delete(raw));
    });
    // A client that fails the handshake (wrong CA, plain HTTP, garbage, too slow) loses only its own connection:
    // Node ends it after this event (ending it here as well would leave the TCP connection open).
    server.on('tlsClientError', () => undefined);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.server = server;
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops listening and cuts every open connection (watches included). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of [...this.secured, ...this.connections]) s.destroy();
    this.secured.clear();
    this.connections.clear();
    await closed;
  }
}
