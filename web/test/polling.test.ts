import { describe, expect, it } from 'vitest';
import { nextPollDelay, POLL } from '../src/core/polling.js';

const base = { deployActive: false, activeForMs: 0, consecutiveErrors: 0, hidden: false };

describe('nextPollDelay', () => {
  it('pauses while the tab is hidden', () => {
    expect(nextPollDelay({ ...base, hidden: true })).toBeNull();
    expect(nextPollDelay({ ...base, deployActive: true, hidden: true })).toBeNull();
  });

  it('polls briskly during a deploy, slower once it runs long, and slowly when idle', () => {
    expect(nextPollDelay({ ...base, deployActive: true })).toBe(POLL.deployFastMs);
    expect(nextPollDelay({ ...base, deployActive: true, activeForMs: POLL.deploySlowAfterMs })).toBe(POLL.deploySlowMs);
    expect(nextPollDelay(base)).toBe(POLL.idleMs);
  });

  it('doubles the wait per consecutive error up to a cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 20].map((n) =>
      nextPollDelay({ ...base, deployActive: true, consecutiveErrors: n }),
    );
    expect(delays.slice(0, 5)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(delays[5]).toBe(POLL.maxErrorBackoffMs);
    expect(delays[6]).toBe(POLL.maxErrorBackoffMs);
    expect(nextPollDelay({ ...base, consecutiveErrors: 3 })).toBe(POLL.maxErrorBackoffMs);
  });
});
