import { HttpError } from './http-guard.js';

/** An error the devhost reports to its caller with a machine-readable code (startup problems, bad requests). */
export class DevhostError extends HttpError {
  constructor(code: string, message: string, status = 400, headers: Record<string, string> = {}) {
    super(code, message, status, headers);
    this.name = 'DevhostError';
  }
}

/** Turns anything thrown into a one-line message that is safe to log (no stack, no newlines). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
