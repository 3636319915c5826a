// Work dirs. The work root (EXEC_WORK_ROOT) may be shared by several servers of one user on one host, so each server
// claims an instance dir `srv-<random>` in it, records its owner there, and keeps its request dirs `req-<random>`
// (0700, the commands' cwd and HOME) and its process-group records inside. At start a server sweeps only instance
// dirs whose owner is gone: it kills their recorded process groups and removes them. See docs/exec.md, Work dirs.
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsc, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { isInside } from './policy';
import { GROUP_FILE_PREFIX } from './process-groups';
import { environStartsWith, hasProcfs, processesInGroup, processStartTime } from './procfs';

export const WORK_DIR_PREFIX = 'req-';
export const INSTANCE_PREFIX = 'srv-';
const OWNER_FILE = 'owner.json';
/** An instance dir younger than this without an owner record may be a server still creating it. */
const CLAIM_GRACE_MS = 60_000;

interface Owner {
  pid: number;
  /** processStartTime(pid) when it claimed the dir; absent where there is no /proc. */
  start: string | null;
  host: string;
}

export interface SweepReport {
  instances: number;
  groups: number;
}

export interface ClaimedRoot {
  root: string;
  /** This server's instance dir: request dirs and process-group records go here. */
  dir: string;
  swept: SweepReport;
}

/**
 * Creates the root (0700, owned by this user), sweeps what dead servers left in it, and claims an instance dir.
 * Refuses a root another user owns: the sweep must never act on someone else's files.
 */
export async function claimWorkRoot(root: string): Promise<ClaimedRoot> {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const real = await fs.realpath(root);
  const st = await fs.stat(real);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw Object.assign(new Error('EXEC_WORK_ROOT belongs to another user'), { code: 'work_root_not_owned' });
  }
  await fs.chmod(real, 0o700);
  const swept = await sweepWorkRoot(real);
  const dir = path.join(real, `${INSTANCE_PREFIX}${randomBytes(8).toString('hex')}`);
  await fs.mkdir(dir, { mode: 0o700 });
  const owner: Owner = { pid: process.pid, start: processStartTime(process.pid) ?? null, host: os.hostname() };
  await fs.writeFile(path.join(dir, OWNER_FILE), JSON.stringify(owner), { mode: 0o600 });
  return { root: real, dir, swept };
}

/** Removes the instance dirs of servers that are gone, after killing the process groups they recorded. */
export async function sweepWorkRoot(root: string): Promise<SweepReport> {
  const report: SweepReport = { instances: 0, groups: 0 };
  for (const entry of await fs.readdir(root)) {
    if (!entry.startsWith(INSTANCE_PREFIX)) continue;
    const dir = path.join(root, entry);
    if (!(await ownerIsGone(dir))) continue;
    report.groups += await reapInstanceDir(dir);
    report.instances++;
  }
  return report;
}

async function ownerIsGone(dir: string): Promise<boolean> {
  let owner: Owner;
  try {
    owner = JSON.parse(await fs.readFile(path.join(dir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    // No record yet: a server may be between mkdir and writing it. Old enough, it never will.
    const st = await fs.stat(dir).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > CLAIM_GRACE_MS;
  }
  // Another host's server (a shared volume) cannot be checked from here: leave it alone.
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return false;
  if (owner.start !== null && hasProcfs()) return processStartTime(owner.pid) !== owner.start;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Ends what a dead server left in its instance dir: kills each recorded process group that still exists and is still
 * that server's — one of its processes has HOME inside the dir (every command's HOME is its request dir), so a reused
 * group id is never hit — then removes the dir with every request dir in it. Returns the number of groups killed.
 */
export async function reapInstanceDir(dir: string): Promise<number> {
  let killed = 0;
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(GROUP_FILE_PREFIX)) continue;
    const pgid = Number(entry.slice(GROUP_FILE_PREFIX.length));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    const members = processesInGroup(pgid);
    if (!members.some((pid) => environStartsWith(pid, 'HOME', `${dir}/`))) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile
    }
  }
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
  return killed;
}

/** Synchronous, for the process 'exit' hook: the instance dir and every request dir (and credential) in it. */
export function removeInstanceDirSync(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export async function createWorkDir(root: string): Promise<string> {
  const dir = path.join(root, `${WORK_DIR_PREFIX}${randomBytes(8).toString('hex')}`);
  await fs.mkdir(dir, { mode: 0o700 });
  return dir;
}

/** Writes a request's files (0600, never following or replacing an existing entry). */
export async function writeFiles(dir: string, files: Array<{ name: string; content: string }>): Promise<void> {
  for (const file of files) {
    const handle = await fs.open(
      path.join(dir, file.name),
      fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(file.content, 'utf8');
    } finally {
      await handle.close();
    }
  }
}

export async function removeWorkDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Resolves a path argument as the child will see it and checks it stays inside the allowed directories after
 * symlinks are followed (a previous step may have created one). Missing tails are fine: they are resolved
 * lexically under their deepest existing parent.
 */
export async function realPathInside(
  cwd: string,
  value: string,
  roots: readonly string[],
): Promise<{ ok: boolean; resolved: string }> {
  const absolute = path.resolve(cwd, value);
  let existing = absolute;
  const tail: string[] = [];
  for (;;) {
    try {
      const real = await fs.realpath(existing);
      const resolved = path.join(real, ...tail.reverse());
      return { ok: roots.some((root) => isInside(root, resolved)), resolved };
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return { ok: false, resolved: absolute };
      tail.push(path.basename(existing));
      existing = parent;
    }
  }
}
