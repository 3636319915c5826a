// The devhost's keys, read where it keeps them in a stack's state dir, so tests can call what the Functions host
// guards (the Durable HTTP API and the Event Grid webhook need the system key, admin routes the master key).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevhostKeys {
  master?: string;
  system?: string;
  /** Why a key could not be read (missing file, unreadable shape); undefined when both were found. */
  problem?: string;
}

/** Where the devhost keeps its keys under the stack's state dir (`ELB_LOCAL_DIR`): docs/devhost.md, "Keys". */
export function devhostKeyFiles(localDir: string): { master: string; system: string } {
  return {
    master: join(localDir, 'devhost', 'keys', 'master.key'),
    system: join(localDir, 'devhost', 'keys', 'system.key'),
  };
}

export function readDevhostKeys(localDir: string): DevhostKeys {
  const files = devhostKeyFiles(localDir);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined);
  const master = read(files.master);
  const system = read(files.system);
  const missing = [!master && files.master, !system && files.system].filter(Boolean);
  return {
    master,
    system,
    problem: missing.length ? `the devhost keeps no key at ${missing.join(' and ')}` : undefined,
  };
}
