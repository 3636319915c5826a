// The kubectl cache dirs: one per cluster identity (cluster-identity.ts), kept across requests so kubectl does not
// repeat API discovery for every command, in this server's instance dir, each 0700 and this user's — checked on every
// use, and removed and made again when it is not — and together at most EXEC_KUBECTL_CACHE_MAX_BYTES, the least
// recently used dirs going first. Why this is safe: docs/exec.md (The kubectl cache) and docs/security.md.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { promises as fs, renameSync } from 'node:fs';
import * as path from 'node:path';

import { canonicalJson, type ClusterIdentity } from './cluster-identity';

export const CACHE_ROOT_NAME = 'kubectl-cache';
/** A file an identity names (a certificate, a token file) larger than this is not a credential: no shared cache. */
const MAX_IDENTITY_FILE_BYTES = 1024 * 1024;

export interface CacheLease {
  /** The cluster's cache dir, for `--cache-dir`. */
  dir: string;
  /** The command has ended: the dir may be measured and, once unused, evicted. */
  release(): void;
}

interface Entry {
  inUse: number;
  lastUsed: number;
  bytes: number;
}

export type CacheLog = (fields: Record<string, unknown>) => void;

export class KubectlCaches {
  /** Dir name → what is known of it. Only this server writes into its instance dir, so this is the whole truth. */
  private readonly entries = new Map<string, Entry>();
  /** Measuring and evicting run one at a time, after commands, never in a request's way. */
  private upkeep: Promise<void> = Promise.resolve();
  private readonly uid = process.getuid?.();

  /**
   * @param root  the dir the cluster dirs go in (made 0700 when missing)
   * @param key   the key dir names are made with; it never leaves this process, so a name tells nothing of what it
   *              stands for (docs/security.md)
   */
  constructor(
    readonly root: string,
    readonly maxBytes: number,
    private readonly log: CacheLog,
    private readonly key: Buffer = randomBytes(32),
  ) {}

  /** The dir name for an identity: a keyed hash of the server, the credential and the files they name. */
  async nameFor(identity: ClusterIdentity): Promise<string | undefined> {
    const files: string[] = [];
    for (const file of identity.files) {
      const digest = await fileDigest(file);
      if (digest === undefined) return undefined;
      files.push(digest);
    }
    let material: string;
    try {
      material = canonicalJson({ v: 1, server: identity.server, settings: identity.settings, files });
    } catch {
      return undefined; // an alias bomb, not a credential
    }
    return createHmac('sha256', this.key).update(material).digest('hex').slice(0, 32);
  }

  /**
   * A checked cache dir for this identity, held until `release`; undefined when there is none to give (a file the
   * identity names is unreadable, or the dir cannot be made safe) — the command then runs with its own empty cache.
   */
  async acquire(identity: ClusterIdentity): Promise<CacheLease | undefined> {
    const name = await this.nameFor(identity);
    if (name === undefined) return undefined;
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { inUse: 0, lastUsed: Date.now(), bytes: 0 };
      this.entries.set(name, entry);
    }
    // Counted before anything awaits, so eviction never takes a dir a command is about to use.
    entry.inUse++;
    const held = entry;
    const dir = path.join(this.root, name);
    try {
      await this.ensurePrivateDir(this.root, 'root');
      await this.ensurePrivateDir(dir, 'cluster');
    } catch (err) {
      held.inUse--;
      this.log({ event: 'exec_kubectl_cache_unusable', reason: (err as Error).message });
      return undefined;
    }
    let released = false;
    return {
      dir,
      release: () => {
        if (released) return;
        released = true;
        held.inUse--;
        held.lastUsed = Date.now();
        this.upkeep = this.upkeep.then(() => this.measureAndEvict(name)).catch(() => undefined);
      },
    };
  }

  /** Resolves once the measuring and evicting queued so far are done (for tests and for a clean stop). */
  settled(): Promise<void> {
    return this.upkeep;
  }

  /** Total bytes of the cluster dirs as last measured. */
  get bytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.bytes;
    return total;
  }

  /**
   * Makes sure `dir` is a directory of this user, mode 0700, not a symlink. One that is not — another user's, more
   * open, a link — may hold planted discovery documents: it is removed whole and made again. If it cannot be
   * removed (another user's dir where this user may not delete), this throws and the cache is not used.
   */
  private async ensurePrivateDir(dir: string, what: 'root' | 'cluster'): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const st = await fs.lstat(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!st) {
        try {
          await fs.mkdir(dir, { mode: 0o700 });
          await fs.chmod(dir, 0o700); // whatever the umask took away
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        continue; // check what is there now, whoever made it
      }
      const owned = this.uid === undefined || st.uid === this.uid;
      if (st.isDirectory() && owned && (st.mode & 0o7777) === 0o700) return;
      this.log({
        event: 'exec_kubectl_cache_replaced',
        dir: what,
        reason: !st.isDirectory() ? 'not_a_directory' : !owned ? 'owner' : 'mode',
      });
      await fs.rm(dir, { recursive: true, force: true });
      for (const [name, e] of this.entries) if (what === 'root' || name === path.basename(dir)) e.bytes = 0;
    }
    throw new Error(`the ${what} cache dir could not be made private`);
  }

  private async measureAndEvict(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry) entry.bytes = await dirBytes(path.join(this.root, name));
    let total = this.bytes;
    while (total > this.maxBytes) {
      const victim = [...this.entries]
        .filter(([, e]) => e.inUse === 0)
        .sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
      if (!victim) return; // everything over the bound is in use; the next release tries again
      const [victimName, victimEntry] = victim;
      this.entries.delete(victimName);
      total -= victimEntry.bytes;
      // Renamed away synchronously, before anything can acquire it again, then deleted at leisure: a command that
      // asks for this identity from now on gets a fresh dir, never one half deleted.
      const doomed = path.join(this.root, `.evicted-${randomBytes(6).toString('hex')}`);
      try {
        renameSync(path.join(this.root, victimName), doomed);
      } catch {
        continue; // already gone
      }
      this.log({ event: 'exec_kubectl_cache_evicted', bytes: victimEntry.bytes, total_bytes: total });
      await fs.rm(doomed, { recursive: true, force: true });
    }
  }
}

/** SHA-256 of a file an identity names, or undefined when it is missing, not a file or too large. */
async function fileDigest(file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size > MAX_IDENTITY_FILE_BYTES) return undefined;
    return createHash('sha256')
      .update(await fs.readFile(file))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** Bytes of the regular files under `dir` (symlinks not followed). */
async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(full);
    else if (e.isFile())
      total += await fs.lstat(full).then(
        (st) => st.size,
        () => 0,
      );
  }
  return total;
}
