import type { IncomingMessage, ServerResponse } from 'node:http';
import { DevhostError } from './errors.js';
import { readBody as readLimited, sendJson, sendThrown } from './http-guard.js';

/** Largest request body the devhost accepts (the Functions host's default limit is 100 MB). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return readLimited(req, limit);
}

export { sendJson };

/** Answers a thrown value: a DevhostError with its status and code, anything else as 500 internal_error. */
export function sendError(res: ServerResponse, err: unknown): void {
  sendThrown(res, err);
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
