// The guard every connection passes before a handler sees it: headers must arrive within the headers timeout and
// the whole request within the client timeout; what Node's parser refuses (a malformed request line or header,
// headers over the size cap, a bad chunk, a timeout) is answered with JSON and a code instead of Node's empty
// 400/431/408; CONNECT is refused the same way. See docs/exec.md, Hostile input.
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';

import { writeSocketJson } from './http-answers';
import type { ExecErrorBody } from './protocol';

/**
 * Headers are small and a body moves steadily: a sender gets at most this long for its headers, and at most this
 * long between two pieces of its body, whatever the client timeout (which bounds the whole request).
 */
export const MAX_STALL_MS = 10_000;
/** Node's own request timer backs up the body deadline readBody() enforces with a clearer answer. */
const BACKSTOP_MS = 2_000;

export function guardServer(server: http.Server, clientTimeoutMs: number): void {
  server.headersTimeout = stallTimeoutMs(clientTimeoutMs);
  server.requestTimeout = clientTimeoutMs + BACKSTOP_MS;
  server.maxHeadersCount = 64;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = clientErrorAnswer(err);
    // Only answer when no response to this request has started; otherwise the bytes would corrupt it.
    const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (answer && socket.writable && !inFlight?.headersSent) writeSocketJson(socket, answer.status, answer.body);
    else socket.destroy();
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    writeSocketJson(socket, 405, { code: 'method_not_allowed', message: 'CONNECT is not served here' });
  });
  // `Expect:` other than 100-continue: Node would answer an empty 417.
  server.on('checkExpectation', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = JSON.stringify({ code: 'expectation_failed', message: 'only "Expect: 100-continue" is supported' });
    res.writeHead(417, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });
}

/**
 * Node answers an HTTP/1.1 request without Host with an empty 400 unless the server is created with
 * `requireHostHeader: false`; the server then asks this before routing, and answers the refusal as JSON.
 */
export function missingHost(req: http.IncomingMessage): ExecErrorBody | undefined {
  if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && !req.headers.host) {
    return { code: 'missing_host', message: 'HTTP/1.1 requests need a Host header' };
  }
  return undefined;
}

export function stallTimeoutMs(clientTimeoutMs: number): number {
  return Math.min(clientTimeoutMs, MAX_STALL_MS);
}

/** What to answer for an error Node's HTTP parser or timers raised, or undefined when the peer is gone. */
export function clientErrorAnswer(err: NodeJS.ErrnoException): { status: number; body: ExecErrorBody } | undefined {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, body: { code: 'request_timeout', message: 'the request did not arrive in time' } };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, body: { code: 'headers_too_large', message: 'the request headers are too large' } };
    default:
      return { status: 400, body: { code: 'malformed_request', message: 'the request is not valid HTTP/1.1' } };
  }
}
