// Runs the controllers: promptly after any change (coalesced), and on a steady tick for time-based transitions
// (readiness delays, back-offs, LoadBalancer delays).
import type { Controller } from './context';

export class ControllerRunner {
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private burst = 0;

  constructor(
    private readonly controllers: Controller[],
    private readonly tickMs: number,
    private readonly onError: (controller: string, err: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.burst = 0;
      this.runOnce();
    }, this.tickMs);
    this.timer.unref();
    this.trigger();
  }

  /** Asks for a reconcile soon; many triggers in one turn of the event loop make one pass. */
  trigger(): void {
    if (this.scheduled || this.stopped) return;
    // A pass that keeps causing changes is left to the tick rather than spinning the event loop.
    if (this.burst > 50) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.burst++;
      this.runOnce();
    });
  }

  runOnce(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const c of this.controllers) {
      try {
        c.reconcile(now);
      } catch (err) {
        this.onError(c.name, err);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
