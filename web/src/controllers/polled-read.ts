// A server read a page repeats: a @lit/task Task re-run by a Poller. It keeps the last good answer while later
// reads fail (a Task forgets its value on error) and counts failures in a row, which the page's back-off and its
// "showing the last answer" notice both need.
import { Task, initialState } from '@lit/task';
import type { ReactiveControllerHost } from 'lit';
import { describeError } from '../api/client.js';
import { emptyRead, type ReadState } from '../core/page-state.js';
import { Poller } from './poller.js';

export interface PolledReadOptions<T, A extends readonly unknown[]> {
  /** The read's inputs; when they change a new read starts at once. */
  args: () => A;
  /** Reads once. `initialState` means the inputs are not ready: nothing is read and nothing is scheduled. */
  read: (args: A, signal: AbortSignal) => Promise<T> | typeof initialState;
  /** Milliseconds to the next read, or null to pause; asked after every read, with the state it left. */
  delay: (state: ReadState<T>) => number | null;
  /** Called with every good answer, before the next read is scheduled. */
  onValue?: (value: T) => void;
}

export class PolledRead<T, A extends readonly unknown[]> {
  /** What the reads have said so far. */
  state: ReadState<T> = emptyRead();
  private readonly poller: Poller;

  constructor(host: ReactiveControllerHost, options: PolledReadOptions<T, A>) {
    const task = new Task<A, T>(host, {
      task: (args, { signal }) => options.read(args, signal),
      args: options.args,
      onComplete: (value) => {
        this.state = { value, error: null, consecutiveErrors: 0 };
        options.onValue?.(value);
        this.poller.scheduleNext();
      },
      onError: (error) => {
        const { value, consecutiveErrors } = this.state;
        this.state = { value, error: describeError(error), consecutiveErrors: consecutiveErrors + 1 };
        this.poller.scheduleNext();
      },
    });
    this.poller = new Poller(host, { run: () => void task.run(), delay: () => options.delay(this.state) });
  }

  /** Read now (the user asked, or something changed) instead of waiting for the timer. */
  now(): void {
    this.poller.now();
  }

  /** Forget every answer, e.g. when the page switches to another target. */
  reset(): void {
    this.state = emptyRead();
  }
}
