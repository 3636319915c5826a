import type { IncomingMessage, ServerResponse } from 'node:http';
import { DevhostError } from './errors.js';

/** Largest request body the devhost accepts (the Functions host's default limit is 100 MB). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new DevhostError('body_too_large', `The request body is larger than ${limit} bytes.`, 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof DevhostError) {
    sendJson(res, err.status, { code: err.code, message: err.message });
    return;
  }
  // Never a stack trace in a response; the log line carries the details.
  sendJson(res, 500, { code: 'internal_error', message: 'The devhost could not handle this request.' });
}

/** Flattens Node's header object to the single-valued record HttpRequest expects. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Parses a JSON body; empty means undefined, anything unparsable is a 400 with a code. */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new DevhostError('bad_json', 'The request body is not valid JSON.', 400);
  }
}
