// The host keys, as the Functions host has them: a master key (admin routes, and every other level) and a system key
// (the Durable HTTP API and the Event Grid webhook). Generated once per state dir, kept in 0600 files; see
// docs/devhost.md ("Keys").
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { DevhostError } from './errors.js';

export interface HostKeys {
  master: string;
  system: string;
  /** Where the key files live (STATE/keys). */
  dir: string;
}

/** What a route asks for: none, the system key (or the master key), or the master key alone. */
export type KeyLevel = 'anonymous' | 'function' | 'system' | 'admin';

const KEY_SHAPE = /^[A-Za-z0-9_-]{32,256}$/;

/** Reads STATE/keys/{master,system}.key, creating what is missing (random 256-bit keys, files 0600, dir 0700). */
export function loadOrCreateKeys(stateDir: string, write: (line: string) => void = () => undefined): HostKeys {
  const dir = path.join(stateDir, 'keys');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, write);
  return {
    master: keyFile(path.join(dir, 'master.key'), write),
    system: keyFile(path.join(dir, 'system.key'), write),
    dir,
  };
}

function keyFile(file: string, write: (line: string) => void): string {
  try {
    // wx: two hosts starting on one state dir at once both end up with the key the first one wrote.
    fs.writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  tighten(file, 0o600, write);
  const key = fs.readFileSync(file, 'utf8').trim();
  if (!KEY_SHAPE.test(key))
    throw new DevhostError(
      'bad_key_file',
      `${file} does not hold a key (32-256 characters of A-Z a-z 0-9 _ -). Delete it to have a new one generated.`,
    );
  return key;
}

/** Keys must not be readable by other users; an older or hand-made file is narrowed, and that is said once. */
function tighten(file: string, mode: number, write: (line: string) => void): void {
  const current = fs.statSync(file).mode & 0o777;
  if ((current & 0o077) !== 0) {
    fs.chmodSync(file, mode);
    write(`devhost: ${file} was readable by others (mode ${current.toString(8)}); set to ${mode.toString(8)}`);
  }
}

/** The key a request presents: the `x-functions-key` header, else the `code` query parameter (as in Azure). */
export function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value ?? url.searchParams.get('code') ?? undefined;
}

function sameKey(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Throws 401 unless the request carries a key that opens `level`. The master key opens every level. */
export function requireKey(keys: HostKeys, level: KeyLevel, req: IncomingMessage, url: URL): void {
  if (level === 'anonymous') return;
  const given = presentedKey(req, url);
  if (given !== undefined && sameKey(given, keys.master)) return;
  if (given !== undefined && level === 'system' && sameKey(given, keys.system)) return;
  const which = level === 'system' ? 'the system key' : 'the master key';
  throw new DevhostError(
    'unauthorized',
    `This route needs ${which} (x-functions-key header or code= query); see docs/devhost.md "Keys".`,
    401,
  );
}
