/** An error the devhost reports to its caller with a machine-readable code (startup problems, bad requests). */
export class DevhostError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'DevhostError';
  }
}

/** Turns anything thrown into a one-line message that is safe to log (no stack, no newlines). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
