// Re-runs a read after the delay the pure policy (`core/polling.ts`) chooses, stops while the tab is hidden
// and reads at once when it becomes visible again. Exactly one timer per poller, cleared on disconnect.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface PollerOptions {
  /** Milliseconds to the next read, or null to pause. Consulted every time a read finishes. */
  delay: () => number | null;
  /** Starts a read. The host calls `scheduleNext()` when it finishes (success or error). */
  run: () => void;
}

export class Poller implements ReactiveController {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly options: PollerOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.onVisibilityChange);
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
    this.clear();
  }

  /** Call after each read finishes. */
  scheduleNext(): void {
    this.clear();
    const delay = this.options.delay();
    if (delay === null) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.options.run();
    }, delay);
  }

  /** Read now (user asked, or something changed) instead of waiting for the timer. */
  now(): void {
    this.clear();
    this.options.run();
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onVisibilityChange = (): void => {
    if (document.visibilityState === 'hidden') this.clear();
    else this.now();
  };
}
