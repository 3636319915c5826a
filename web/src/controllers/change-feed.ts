// Polls the server's cheap change feed (`…/activity`) every second while the tab is visible and tells the page
// when its `change_token` moves, so a deploy started anywhere (another tab, the API, a registry push) and every
// deploy that ends show within about a second, without re-reading the expensive summary every second.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { nextActivityDelay } from '../core/polling.js';
import { Poller } from './poller.js';

export interface ChangeFeedOptions<T> {
  /** Reads the feed once; null when the page cannot read it yet (no target chosen). */
  read: (signal: AbortSignal) => Promise<T> | null;
  /** The answer's change token (for several targets: their tokens together). */
  token: (value: T) => string;
  /** Called when the token differs from the last one seen; `first` is true for the first answer after a reset. */
  onChange: (value: T, first: boolean) => void;
}

export class ChangeFeed<T> implements ReactiveController {
  private token: string | null = null;
  private failures = 0;
  private inFlight: AbortController | null = null;
  private readonly poller: Poller;

  constructor(
    host: ReactiveControllerHost,
    private readonly options: ChangeFeedOptions<T>,
  ) {
    host.addController(this);
    this.poller = new Poller(host, {
      run: () => void this.read(),
      delay: () =>
        nextActivityDelay({ consecutiveErrors: this.failures, hidden: document.visibilityState === 'hidden' }),
    });
  }

  hostConnected(): void {
    this.poller.now();
  }

  hostDisconnected(): void {
    this.inFlight?.abort();
    this.inFlight = null;
  }

  /** Forget the last token (the page now shows another target); the next answer counts as the first. */
  reset(): void {
    this.token = null;
    this.failures = 0;
    this.poller.now();
  }

  private async read(): Promise<void> {
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const pending = this.options.read(controller.signal);
      if (pending !== null) {
        const value = await pending;
        if (controller.signal.aborted) return;
        this.failures = 0;
        const token = this.options.token(value);
        if (token !== this.token) {
          const first = this.token === null;
          this.token = token;
          this.options.onChange(value, first);
        }
      }
    } catch {
      if (controller.signal.aborted) return;
      // The feed is only a shortcut: the pages' own slower reads still run, so a failure here just backs off.
      this.failures++;
    }
    if (this.inFlight === controller) {
      this.inFlight = null;
      this.poller.scheduleNext();
    }
  }
}
