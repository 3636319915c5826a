import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InstanceRecord } from './history.js';

/**
 * Durable state: one JSON document per instance under STATE_DIR/<hub>/instances. Every change is written to a temp
 * file, fsynced, and renamed over the old one (then the directory is fsynced), so after `kill -9` at any moment each
 * instance is either in its previous or its new state, never torn.
 */
export class InstanceStore {
  readonly dir: string;

  constructor(stateDir: string, hubName: string) {
    this.dir = path.join(stateDir, hubName, 'instances');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Loads every saved instance; leftover temp files from a crash are removed, unreadable files are set aside. */
  loadAll(warn: (message: string) => void): InstanceRecord[] {
    const records: InstanceRecord[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const full = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        fs.rmSync(full, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(fs.readFileSync(full, 'utf8')) as InstanceRecord;
        if (typeof record.instanceId !== 'string' || !Array.isArray(record.history))
          throw new Error('not an instance record');
        records.push(record);
      } catch (err) {
        const aside = `${full}.unreadable`;
        fs.renameSync(full, aside);
        warn(`instance file ${name} could not be read (${(err as Error).message}); moved to ${path.basename(aside)}`);
      }
    }
    return records;
  }

  save(record: InstanceRecord): void {
    const target = this.fileFor(record.instanceId);
    const temp = `${target}.${process.pid}.tmp`;
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(record));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
    this.syncDir();
  }

  delete(instanceId: string): void {
    fs.rmSync(this.fileFor(instanceId), { force: true });
    this.syncDir();
  }

  /** Instance ids may hold characters that are not safe in file names, so files are named by a hash of the id. */
  private fileFor(instanceId: string): string {
    return path.join(this.dir, `${createHash('sha256').update(instanceId).digest('hex').slice(0, 40)}.json`);
  }

  private syncDir(): void {
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
