// The one guarded path every request to a local server (the devhost, the sim's ports) takes: the request-target,
// headers and body are checked before a handler sees them, slow clients are timed out, and whatever goes wrong is
// answered as JSON with a `code` — never an exception that ends the process. Dependency-free on purpose: it sits in
// front of everything else. Limits and answers are documented in docs/devhost.md ("Hostile requests").
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** An error a handler throws to answer with a status and a machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface GuardOptions {
  /** Largest body a handler may read; a larger Content-Length is refused with 413 before any byte is read. */
  maxBodyBytes: number;
  /** Largest request line + headers (Node's maxHeaderSize); more → 431. */
  maxHeaderBytes?: number;
  /** Time a client has to send the request line and headers; slower → 408 and the connection is closed. */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included; slower → 408 and the connection is closed. */
  requestTimeoutMs?: number;
  /** The server's own origin (`http://127.0.0.1:7071`), so handlers see URLs as the client addressed them. */
  origin?: () => string;
  /** One line per unexpected handler failure (never the request's headers or query: they may carry keys). */
  log?: (line: string) => void;
}

export type GuardedHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown;

export const GUARD_DEFAULTS = {
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
};

/** The part of a thrown value the guard answers with: HttpError, or anything shaped like it (code + status). */
function codedError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const e = err as { code?: unknown; status?: unknown; message?: unknown } | null;
  if (
    e &&
    typeof e === 'object' &&
    typeof e.code === 'string' &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 600
  ) {
    return new HttpError(e.code, typeof e.message === 'string' ? e.message : e.code, e.status);
  }
  return undefined;
}

/**
 * Reads the request-target as a URL. Origin-form (`/path?query`, including `//`) is taken literally — never resolved
 * against a base, which is what made `GET //` throw; absolute-form (`http://host/path`) must parse; anything else, and
 * a path whose percent-encoding does not decode, is a 400.
 */
export function parseTarget(target: string | undefined, origin = 'http://localhost'): URL {
  const raw = target ?? '';
  let url: URL;
  if (raw.startsWith('/')) {
    try {
      url = new URL(`${origin}${raw}`);
    } catch {
      throw new HttpError('bad_request_target', 'The request-target is not a valid path.', 400);
    }
  } else if (/^https?:\/\//i.test(raw)) {
    try {
      // Only the path and query count: the host named in an absolute-form target is not trusted for anything.
      const absolute = new URL(raw);
      url = new URL(`${origin}${absolute.pathname}${absolute.search}`);
    } catch {
      throw new HttpError('bad_request_target', 'The request-target is not a valid URL.', 400);
    }
  } else {
    throw new HttpError('bad_request_target', 'The request-target must be a path starting with "/".', 400);
  }
  try {
    decodeURIComponent(url.pathname);
  } catch {
    throw new HttpError('bad_path_encoding', 'The path has an invalid percent-encoding.', 400);
  }
  return url;
}

/** Reads the whole body, refusing more than `limit` bytes with 413. Slow senders are ended by the server's timeout. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit)
      // The rest of the body is not read: close the connection rather than leave it to be drained.
      throw new HttpError('body_too_large', `The request body is larger than ${limit} bytes.`, 413, {
        connection: 'close',
      });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Sends a JSON answer unless the response is already gone or started (then the connection is cut). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Answers a thrown value: its own status and code when it has them, else 500 internal_error (logged, no details). */
export function sendThrown(res: ServerResponse, err: unknown, log?: (line: string) => void, what = ''): void {
  const coded = codedError(err);
  if (coded) {
    sendJson(res, coded.status, { code: coded.code, message: coded.message }, coded.headers);
    return;
  }
  log?.(`${what}failed: ${oneLine(err)}`);
  sendJson(res, 500, { code: 'internal_error', message: 'The server could not handle this request.' });
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A raw HTTP/1.1 answer written straight to a socket the HTTP layer gave up on (Node's own answers have no body). */
function rawAnswer(socket: Duplex, status: number, code: string, message: string): void {
  const text = JSON.stringify({ code, message });
  const reason = http.STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
  // end() lets the answer drain; a client that never reads it must not keep the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** What Node's HTTP parser and timers report, as the answer a client gets. */
function clientErrorAnswer(err: NodeJS.ErrnoException): [number, string, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'The request line and headers are too large.'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'The request was not received in time.'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'chunk_extensions_too_large', 'The chunk extensions are too large.'];
    default:
      return [400, 'bad_request', 'The request is not valid HTTP/1.1.'];
  }
}

/**
 * An HTTP server whose every request goes through the guard before `handler`, and whose protocol-level failures
 * (unparsable requests, oversize headers, timeouts) are answered as JSON instead of Node's empty answers.
 */
export function createGuardedServer(handler: GuardedHandler, options: GuardOptions): http.Server {
  const headersTimeout = options.headersTimeoutMs ?? GUARD_DEFAULTS.headersTimeoutMs;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? GUARD_DEFAULTS.requestTimeoutMs, headersTimeout);
  // The response in flight on each socket, so a timeout that ends a half-received request knows whether it may
  // still answer (nothing written yet) or must only cut the connection.
  const inFlight = new WeakMap<Duplex, ServerResponse>();
  const server = http.createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? GUARD_DEFAULTS.maxHeaderBytes,
      headersTimeout,
      requestTimeout,
      // Node checks the two timeouts on this interval (30 s by default), which would let a slow client linger.
      connectionsCheckingInterval: 500,
      // Node's own check answers an empty 400; the guard answers a missing Host itself, as JSON.
      requireHostHeader: false,
    },
    (req, res) => {
      inFlight.set(req.socket, res);
      res.once('finish', () => {
        if (inFlight.get(req.socket) === res) inFlight.delete(req.socket);
      });
      // A client that goes away mid-request must not turn into an unhandled 'error' event.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      void guard(req, res);
    },
  );

  async function guard(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // For the log line: the method and path only (keys travel in the query or a header, never in the path).
    let where = `${req.method ?? '?'} request`;
    try {
      const url = parseTarget(req.url, options.origin?.());
      where = `${req.method ?? '?'} ${url.pathname.slice(0, 200)}`;
      if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && !req.headers.host)
        throw new HttpError('missing_host', 'HTTP/1.1 requests need a Host header.', 400);
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > options.maxBodyBytes) {
        // The body is not read: close the connection rather than leave it to be drained.
        throw new HttpError('body_too_large', `The request body is larger than ${options.maxBodyBytes} bytes.`, 413, {
          connection: 'close',
        });
      }
      await handler(req, res, url);
    } catch (err) {
      sendThrown(res, err, options.log, `${where} `);
    }
  }

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const res = inFlight.get(socket);
    if (err.code === 'ECONNRESET' || !socket.writable || (res && res.headersSent)) {
      socket.destroy();
      return;
    }
    const [status, code, message] = clientErrorAnswer(err);
    rawAnswer(socket, status, code, message);
  });
  // `Expect:` other than 100-continue: Node would answer an empty 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('connection', 'close');
    sendJson(res, 417, { code: 'expectation_failed', message: 'Only "Expect: 100-continue" is supported.' });
  });
  // CONNECT has no handler here; without this listener Node would drop the socket without a word.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    rawAnswer(socket, 405, 'method_not_allowed', 'CONNECT is not supported.');
  });
  return server;
}

/** Allowed methods for a path as a 405 with the Allow header. */
export function methodNotAllowed(allowed: Iterable<string>): HttpError {
  const list = [...new Set(allowed)].sort().join(', ');
  return new HttpError('method_not_allowed', `This route accepts ${list}.`, 405, { allow: list });
}
