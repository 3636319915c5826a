// Children die with the server. Every command runs in its own process group; the group is recorded here — in memory,
// and as an empty file `pg-<pgid>` in the server's instance dir — from spawn until it is killed. Any way the server
// exits kills what is still recorded (killAll, from the process 'exit' hook), and a server that could not (kill -9)
// leaves the files behind for the next start's sweep (workdir.ts).
import { unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const GROUP_FILE_PREFIX = 'pg-';

export interface GroupHooks {
  started(pgid: number): void;
  ended(pgid: number): void;
}

export class ProcessGroups implements GroupHooks {
  private readonly live = new Set<number>();

  constructor(private readonly instanceDir: string) {}

  get size(): number {
    return this.live.size;
  }

  started(pgid: number): void {
    this.live.add(pgid);
    try {
      writeFileSync(path.join(this.instanceDir, `${GROUP_FILE_PREFIX}${pgid}`), '', { mode: 0o600 });
    } catch {
      // The in-memory record still covers every exit this process lives to see.
    }
  }

  ended(pgid: number): void {
    this.live.delete(pgid);
    try {
      unlinkSync(path.join(this.instanceDir, `${GROUP_FILE_PREFIX}${pgid}`));
    } catch {
      // already gone
    }
  }

  /** Synchronous, so it can run in the process 'exit' hook. */
  killAll(): void {
    for (const pgid of this.live) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone
      }
    }
    this.live.clear();
  }
}
