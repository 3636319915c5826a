// Reads a request body: at most `max` bytes (413 by Content-Length before reading, or as soon as a chunked body
// passes it), all of it before `deadline`, and never `idleMs` without a byte (408 either way), so neither a stalled
// nor a trickling sender can hold a connection. Refusals close the connection: the rest of the body is not wanted.
import type * as http from 'node:http';

import { HttpError } from './http-answers';

const CLOSE = { connection: 'close' };

export function readBody(req: http.IncomingMessage, max: number, deadline: number, idleMs: number): Promise<Buffer> {
  const tooLarge = (): HttpError =>
    new HttpError(413, 'body_too_large', `the request body is larger than ${max} bytes`, 'too_large', {}, CLOSE);
  const late = (): HttpError =>
    new HttpError(408, 'request_timeout', 'the request body did not arrive in time', 'bad_request', {}, CLOSE);
  const incomplete = (): HttpError =>
    new HttpError(400, 'body_incomplete', 'the request body ended early', 'bad_request');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    req.resume(); // discard what the client still sends; the connection closes after the answer
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: HttpError | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(whole);
      clearTimeout(idle);
      if (err) {
        chunks.length = 0;
        req.resume(); // keep draining (and dropping) so the answer can go out
        reject(err);
      } else resolve(body as Buffer);
    };
    const whole = setTimeout(() => settle(late()), Math.max(0, deadline - Date.now()));
    const idle = setTimeout(() => settle(late()), idleMs);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      idle.refresh();
      size += chunk.length;
      if (size > max) return settle(tooLarge());
      chunks.push(chunk);
    });
    req.once('end', () => settle(undefined, Buffer.concat(chunks)));
    req.once('error', () => settle(incomplete()));
    req.once('close', () => {
      if (!req.complete) settle(incomplete());
    });
  });
}
