// How long to wait before the next read. Pure, so the back-off policy is unit-tested without timers.

export interface PollInput {
  /** A deploy is running on the page's target: poll briskly. */
  deployActive: boolean;
  /** How long the active deploy has been watched; long deploys are polled less often. */
  activeForMs: number;
  /** Failed reads in a row (network, 5xx); each one doubles the wait. */
  consecutiveErrors: number;
  /** The tab is hidden: do not poll at all until it is visible again. */
  hidden: boolean;
  /** A part is down (the summary lists dependencies): read sooner, so its recovery shows soon. */
  degraded?: boolean;
}

export const POLL = {
  deployFastMs: 2_000,
  deploySlowMs: 5_000,
  /** After this long a deploy is polled at the slow rate. */
  deploySlowAfterMs: 60_000,
  idleMs: 15_000,
  /** Nothing runs but a part is down: the change token does not move when it comes back, so look more often. */
  degradedMs: 5_000,
  maxErrorBackoffMs: 60_000,
} as const;

/** Milliseconds until the next read, or null to pause (hidden tab). */
export function nextPollDelay(input: PollInput): number | null {
  if (input.hidden) return null;
  const base = input.deployActive
    ? input.activeForMs >= POLL.deploySlowAfterMs
      ? POLL.deploySlowMs
      : POLL.deployFastMs
    : input.degraded
      ? POLL.degradedMs
      : POLL.idleMs;
  if (input.consecutiveErrors <= 0) return base;
  const backedOff = base * 2 ** Math.min(input.consecutiveErrors, 10);
  return Math.min(backedOff, Math.max(base, POLL.maxErrorBackoffMs));
}

/** The change feed (`…/activity`): cheap for the server, so read every second while the tab is visible. */
export const ACTIVITY_POLL = { everyMs: 1_000, maxErrorBackoffMs: 30_000 } as const;

/** Milliseconds until the next change-feed read, or null to pause (hidden tab); failures back off ×2 each. */
export function nextActivityDelay(input: { consecutiveErrors: number; hidden: boolean }): number | null {
  if (input.hidden) return null;
  const errors = Math.max(0, Math.min(input.consecutiveErrors, 10));
  return Math.min(ACTIVITY_POLL.everyMs * 2 ** errors, ACTIVITY_POLL.maxErrorBackoffMs);
}
