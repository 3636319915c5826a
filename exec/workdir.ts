// Private per-request work dirs: created 0700 under a root only this server uses, removed when the request ends.
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';

import { isInside } from './policy';

export const WORK_DIR_PREFIX = 'req-';

/** Creates the root (0700) and removes work dirs a previous run left behind (for example after a crash). */
export async function prepareWorkRoot(root: string): Promise<string> {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  await fs.chmod(root, 0o700);
  const real = await fs.realpath(root);
  for (const entry of await fs.readdir(real)) {
    if (entry.startsWith(WORK_DIR_PREFIX)) await fs.rm(path.join(real, entry), { recursive: true, force: true });
  }
  return real;
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
