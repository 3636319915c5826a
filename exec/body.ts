// Reads a request body: at most `max` bytes (413 by Content-Length before reading, or as soon as a chunked body
// passes it), and all of it before `deadline` (408), so a slow or stalled sender cannot hold a connection.
import type * as http from 'node:http';

import { HttpError } from './http-answers';

export function readBody(req: http.IncomingMessage, max: number, deadline: number): Promise<Buffer> {
  const tooLarge = (): HttpError =>
    new HttpError(
      413,
      'body_too_large',
      `the request body is larger than ${max} bytes`,
      'too_large',
      {},
      {
        connection: 'close',
      },
    );
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
      clearTimeout(timer);
      if (err) {
        chunks.length = 0;
        req.resume(); // keep draining (and dropping) so the answer can go out
        reject(err);
      } else resolve(body as Buffer);
    };
    const timer = setTimeout(
      () =>
        settle(
          new HttpError(
            408,
            'request_timeout',
            'the request body did not arrive in time',
            'bad_request',
            {},
            {
              connection: 'close',
            },
          ),
        ),
      Math.max(0, deadline - Date.now()),
    );
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > max) return settle(tooLarge());
      chunks.push(chunk);
    });
    req.once('end', () => settle(undefined, Buffer.concat(chunks)));
    req.once('error', () =>
      settle(new HttpError(400, 'body_incomplete', 'the request body ended early', 'bad_request')),
    );
    req.once('close', () => {
      if (!req.complete) settle(new HttpError(400, 'body_incomplete', 'the request body ended early', 'bad_request'));
    });
  });
}
