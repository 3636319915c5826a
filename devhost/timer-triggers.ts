import { resolveSettingRefs } from './config.js';
import type { Invoker } from './invoke.js';
import { nextOccurrence, parseSchedule, type Schedule } from './ncrontab.js';
import type { RegisteredFunction, Registry } from './registry.js';

const MAX_TIMEOUT_MS = 2_147_483_647;
/** An occurrence that starts this late counts as past due (the host uses a similar tolerance). */
const PAST_DUE_MS = 1000;

interface Scheduled {
  fn: RegisteredFunction;
  schedule: Schedule;
  handle?: NodeJS.Timeout;
  last?: Date;
}

/**
 * Timer triggers: each function fires on its schedule (UTC), one invocation at a time per function, with the
 * trigger value the worker passes ({schedule, scheduleStatus, isPastDue}). runOnStartup fires once at start.
 */
export class TimerTriggers {
  private readonly entries: Scheduled[];
  private stopped = false;

  constructor(
    registry: Registry,
    settings: NodeJS.ProcessEnv,
    private readonly invoker: Invoker,
  ) {
    this.entries = registry.byTriggerType('timerTrigger').map((fn) => ({
      fn,
      schedule: parseSchedule(resolveSettingRefs(String(fn.trigger.schedule ?? ''), settings)),
    }));
  }

  describe(): { name: string; schedule: string }[] {
    return this.entries.map((e) => ({ name: e.fn.name, schedule: e.schedule.text }));
  }

  start(): void {
    for (const entry of this.entries) {
      if (entry.fn.trigger.runOnStartup === true) void this.fire(entry, new Date(), false);
      else this.arm(entry, new Date());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries) if (entry.handle) clearTimeout(entry.handle);
  }

  private arm(entry: Scheduled, after: Date): void {
    if (this.stopped) return;
    const due = nextOccurrence(entry.schedule, after);
    const wait = (): void => {
      const remaining = due.getTime() - Date.now();
      if (remaining > 0) {
        entry.handle = setTimeout(wait, Math.min(remaining, MAX_TIMEOUT_MS));
        return;
      }
      void this.fire(entry, due, Date.now() - due.getTime() > PAST_DUE_MS);
    };
    wait();
  }

  private async fire(entry: Scheduled, due: Date, isPastDue: boolean): Promise<void> {
    if (this.stopped) return;
    const next = nextOccurrence(entry.schedule, new Date(Math.max(Date.now(), due.getTime())));
    const value = {
      schedule: { adjustForDST: entry.schedule.kind === 'cron' },
      scheduleStatus: {
        last: (entry.last ?? new Date(0)).toISOString(),
        next: next.toISOString(),
        lastUpdated: new Date().toISOString(),
      },
      isPastDue,
    };
    entry.last = due;
    await this.invoker.invoke(entry.fn, value);
    // The next occurrence is computed after the run, so a slow function never overlaps itself.
    this.arm(entry, new Date(Math.max(Date.now(), due.getTime())));
  }
}
