// How the exec server answers: every answer but the NDJSON stream is JSON, and every refusal carries a `code`.
// Also the raw-socket form, for the moments Node has no response object (its own parser errors and timeouts).
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import type { Outcome } from './audit';
import type { ExecErrorBody } from './protocol';

/** A refusal: the status, the body's code and message, how the audit line records it, and extra headers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly outcome: Outcome,
    readonly extra: Omit<ExecErrorBody, 'code' | 'message'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed || res.socket?.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { code: err.code, message: err.message, ...err.extra }, err.headers);
}

export const UNAUTHORIZED = (): HttpError =>
  new HttpError(
    401,
    'unauthorized',
    'missing or invalid exec token',
    'unauthorized',
    {},
    { 'www-authenticate': 'Bearer' },
  );

/** Writes a whole JSON answer straight to a socket, then closes it once the bytes are out. */
export function writeSocketJson(socket: Duplex, status: number, body: ExecErrorBody): void {
  const text = JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(text)}`,
    'cache-control: no-store',
    'connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${text}`, () => socket.destroy());
  // A peer that never reads must not keep the socket either.
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** Drops a response nobody collects within `ms` (a stuck reader), so its connection does not linger. */
export function armStuckClientTimer(res: ServerResponse, ms: number): void {
  if (res.writableFinished) return;
  const timer = setTimeout(() => res.destroy(), ms);
  res.once('finish', () => clearTimeout(timer));
  res.once('close', () => clearTimeout(timer));
}
