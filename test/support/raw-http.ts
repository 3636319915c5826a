// Raw HTTP/1.1 over a socket, for the hostile-input tests: request-targets and headers that fetch() refuses to send,
// bodies that stop half-way, and a record of when the server closed the connection.
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Milliseconds from sending to the server closing the connection (undefined: still open when we gave up). */
  closedAfterMs: number | undefined;
}

/**
 * Sends `text` as is and reads until the server closes the connection or `waitMs` passes. `status` 0 means no
 * answer at all.
 */
export function rawRequest(port: number, text: string | Buffer, waitMs = 3_000): Promise<RawAnswer> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let data = Buffer.alloc(0);
    let closedAfterMs: number | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      ok(parse(data.toString('latin1'), closedAfterMs));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedAfterMs = Date.now() - started;
      finish();
    });
    socket.write(text);
  });
}

function parse(raw: string, closedAfterMs: number | undefined): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? '' : raw.slice(end + 4);
  const length = headers['content-length'];
  if (length !== undefined) body = body.slice(0, Number(length));
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers, body, json, closedAfterMs };
}

/** A minimal GET/POST request text with the given target and extra header lines. */
export function requestText(method: string, target: string, headers: string[] = [], body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers];
  if (body !== '' && !headers.some((h) => /^content-length:/i.test(h))) lines.push(`Content-Length: ${body.length}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
