// Which target a page shows: the one named in the URL, else the first the server lists. It reads the target list
// once and tells the page when the shown target changes, so nothing of one cluster's state leaks into another's.
import { Task, TaskStatus } from '@lit/task';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { api, describeError } from '../api/client.js';

export class TargetSelection implements ReactiveController {
  private readonly list: Task<readonly [], Awaited<ReturnType<typeof api.targets>>>;
  private shown: string | null = null;

  /**
   * Create it before the page's other reads: it checks for a switch at the start of each update, before their
   * tasks look at the new target.
   */
  constructor(
    host: ReactiveControllerHost,
    private readonly named: () => string | null,
    private readonly onSwitch: () => void,
  ) {
    host.addController(this);
    this.list = new Task(host, { task: (_args, { signal }) => api.targets(signal), args: () => [] as const });
  }

  /**
   * The target to show, or null while the list is loading or when there is none. A named target is used before
   * the list has answered (so a shared link loads at once), and dropped once the list shows it does not exist.
   */
  get current(): string | null {
    const named = this.named();
    if (named === null) return this.list.value?.[0]?.target ?? null;
    return this.unknown(named) ? null : named;
  }

  private unknown(named: string): boolean {
    const list = this.list.value;
    return list !== undefined && !list.some((summary) => summary.target === named);
  }

  /** Every target the server lists, for the picker. */
  get names(): string[] {
    return this.list.value?.map((summary) => summary.target) ?? [];
  }

  /** Why no target can be shown: the list could not be read, or the server has none. */
  get problem(): { code: string; message: string } | null {
    if (this.current !== null) return null;
    const named = this.named();
    if (named !== null && this.unknown(named)) {
      return { code: 'unknown_target', message: `The server has no target named "${named}".` };
    }
    if (this.list.status === TaskStatus.ERROR) return describeError(this.list.error);
    if (this.list.status === TaskStatus.COMPLETE) {
      return { code: 'no_targets', message: 'The server has no targets configured (ELB_TARGETS).' };
    }
    return null;
  }

  /** Reads the target list again. */
  retry(): void {
    void this.list.run();
  }

  hostUpdate(): void {
    const current = this.current;
    if (current !== this.shown) {
      this.shown = current;
      this.onSwitch();
    }
  }
}
