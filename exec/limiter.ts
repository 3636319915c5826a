// Concurrency gate: at most `max` commands run at once; up to `maxQueue` more wait (in order) for a slot.
// A full queue, or a wait longer than the deadline, is answered "busy" so callers retry later.

export class BusyError extends Error {
  readonly code = 'busy';
}

export class CancelledWhileQueued extends Error {
  readonly code = 'cancelled';
}

interface Waiter {
  grant: (release: () => void) => void;
  reject: (err: Error) => void;
}

export class ConcurrencyGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  acquire(waitMs: number, signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.max && this.queue.length === 0) return Promise.resolve(this.grant());
    if (this.queue.length >= this.maxQueue || waitMs <= 0) {
      return Promise.reject(new BusyError('all exec slots are busy and the wait queue is full'));
    }
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: (release) => {
          leave();
          resolve(release);
        },
        reject: (err) => {
          leave();
          reject(err);
        },
      };
      const timer = setTimeout(() => waiter.reject(new BusyError('no exec slot became free in time')), waitMs);
      const onAbort = (): void => waiter.reject(new CancelledWhileQueued('cancelled while waiting for a slot'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private grant(): () => void {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const next = this.queue[0];
      if (next && this.running < this.max) next.grant(this.grant());
    };
  }
}
