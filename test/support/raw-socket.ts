// HTTP/1.1 over a bare TCP socket, for tests that must send what a normal client refuses to (malformed
// request-targets, lying Content-Length, forged Host, header floods) and see exactly what comes back — or that the
// server stayed silent or hung up.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawOutcome {
  /** The first final (non-1xx) response, when one arrived complete. */
  response?: RawResponse;
  /** Set when no complete response arrived: `timeout`, `closed`, or a socket error code. */
  error?: string;
  /** The server closed the connection (before or after answering). */
  closed: boolean;
  /** From connect to the response (or to the error). */
  ms: number;
}

export interface RawRequest {
  method: string;
  /** Sent verbatim: whatever the test wants on the request line. */
  target: string;
  /** In order; a header may repeat. No Host unless given (use `standardHeaders`). */
  headers: Array<[string, string]>;
  body?: Buffer | string;
  /** Leave out the Content-Length a body would get (to send a lying one in `headers`). */
  noContentLength?: boolean;
}

/** Builds the bytes of a request. Content-Length follows the body unless `noContentLength`. */
export function requestBytes(req: RawRequest): Buffer {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const lines = [`${req.method} ${req.target} HTTP/1.1`];
  for (const [name, value] of req.headers) lines.push(`${name}: ${value}`);
  if (body && !req.noContentLength && !req.headers.some(([n]) => n.toLowerCase() === 'content-length'))
    lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** Host (loopback, the port) and Connection: close, which most cases want; extra headers follow. */
export function standardHeaders(port: number, extra: Array<[string, string]> = []): Array<[string, string]> {
  return [['Host', `127.0.0.1:${port}`], ['Connection', 'close'], ...extra];
}

export interface ExchangeOptions {
  timeoutMs?: number;
  /** Written after `bytes`, each after its delay (slow senders). */
  later?: Array<{ afterMs: number; bytes: Buffer }>;
  /** Whether the request was HEAD (its response has no body whatever its headers say). */
  head?: boolean;
}

/**
 * Sends `bytes` to 127.0.0.1:`port` and reads one response. Resolves as soon as a complete response is in (by
 * Content-Length, chunked framing, or the close of the connection), on close, on error, or at the timeout.
 */
export function rawExchange(port: number, bytes: Buffer, options: ExchangeOptions = {}): Promise<RawOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timers: NodeJS.Timeout[] = [];
    let buffer = Buffer.alloc(0);
    let closed = false;
    let socketError: string | undefined;
    let done = false;
    const finish = (outcome: Omit<RawOutcome, 'ms' | 'closed'>) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve({ ...outcome, closed, ms: Date.now() - started });
    };
    const tryParse = (atEnd: boolean) => {
      const parsed = parseResponse(buffer, atEnd, options.head === true);
      if (parsed) finish({ response: parsed });
      else if (atEnd) finish({ error: socketError ?? (buffer.length === 0 ? 'closed' : 'incomplete_response') });
    };
    timers.push(setTimeout(() => finish({ error: 'timeout' }), options.timeoutMs ?? 10_000));
    socket.on('connect', () => {
      void writeUntilAnswered(socket, bytes, () => buffer.length > 0 || done);
      for (const step of options.later ?? []) {
        timers.push(
          setTimeout(() => {
            if (!socket.destroyed && socket.writable && buffer.length === 0) socket.write(step.bytes);
          }, step.afterMs),
        );
      }
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      tryParse(false);
    });
    socket.on('end', () => {
      closed = true;
      tryParse(true);
    });
    // An error (EPIPE, ECONNRESET) is followed by 'close': what was read by then is still the answer.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      socketError = err.code ?? err.message;
    });
    socket.on('close', () => {
      closed = true;
      tryParse(true);
    });
  });
}

/**
 * Writes `bytes` in slices, waiting for the socket to drain, and stops once the server has started answering:
 * a server that refuses an oversize body early is then read, not raced.
 */
async function writeUntilAnswered(socket: Socket, bytes: Buffer, answered: () => boolean): Promise<void> {
  const slice = 64 * 1024;
  for (let offset = 0; offset < bytes.length; offset += slice) {
    if (answered() || socket.destroyed || !socket.writable) return;
    const ok = socket.write(bytes.subarray(offset, offset + slice));
    if (!ok)
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
  }
}

/** One final response from the start of `data`, or undefined while it is incomplete. 1xx responses are skipped. */
export function parseResponse(data: Buffer, atEnd: boolean, head: boolean): RawResponse | undefined {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return undefined;
    const lines = data.subarray(offset, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
    if (!m) return atEnd ? { status: 0, headers: {}, body: data.subarray(offset) } : undefined;
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = end + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const body = dechunk(data.subarray(bodyStart));
      return body ? { status, headers, body } : atEnd ? { status, headers, body: data.subarray(bodyStart) } : undefined;
    }
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (data.length - bodyStart >= length)
        return { status, headers, body: data.subarray(bodyStart, bodyStart + length) };
      return atEnd ? { status, headers, body: data.subarray(bodyStart) } : undefined;
    }
    return atEnd ? { status, headers, body: data.subarray(bodyStart) } : undefined;
  }
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}
