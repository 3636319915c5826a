// Re-renders the host once a second for elapsed-time displays (the host reads `Date.now()` when rendering), ticking only while the host says it is needed and the tab
// is visible, so an idle page does no work.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class Clock implements ReactiveController {
  private interval: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly needed: () => boolean,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.sync);
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.sync);
    this.stop();
  }

  hostUpdated(): void {
    this.sync();
  }

  private readonly sync = (): void => {
    const shouldTick = this.needed() && document.visibilityState !== 'hidden';
    if (shouldTick && this.interval === undefined) {
      this.interval = setInterval(() => this.host.requestUpdate(), 1000);
    } else if (!shouldTick) {
      this.stop();
    }
  };

  private stop(): void {
    if (this.interval !== undefined) clearInterval(this.interval);
    this.interval = undefined;
  }
}
