// Token check for every request but /healthz. Both sides are hashed first so the comparison is constant-time
// whatever the lengths, and a wrong length leaks nothing either.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const MIN_TOKEN_LENGTH = 32;
export const MAX_TOKEN_LENGTH = 4096;

export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-exec-token'];
  if (typeof header === 'string' && header) return header;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  return undefined;
}

export function tokenMatches(expectedDigest: Buffer, presented: string | undefined): boolean {
  if (!presented) return false;
  return timingSafeEqual(expectedDigest, digest(presented));
}

export function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
