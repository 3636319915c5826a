// The words the page uses for a target's update policy and the update waiting on it (docs/policies.md): "Update to
// 3.5 waiting for approval (expires in 23 h)", "waiting for the window Sat 02:00–05:00 Europe/Stockholm". Pure, so the
// wording is unit-tested without a browser.
import type { TargetSummary } from '../api/types.js';

type Policy = NonNullable<TargetSummary['policy']>;
type Pending = NonNullable<TargetSummary['pending_update']>;

/** "23 h", "45 min", "less than a minute": how long until `iso`, from `nowMs`. */
export function timeUntil(iso: string, nowMs: number): string {
  const ms = Date.parse(iso) - nowMs;
  if (!Number.isFinite(ms) || ms < 60_000) return 'less than a minute';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

/** The headline of the waiting update. */
export function pendingHeadline(p: Pending, nowMs: number): string {
  switch (p.state) {
    case 'waiting_for_approval':
      return p.expires_at
        ? `Update to ${p.tag} waiting for approval (expires in ${timeUntil(p.expires_at, nowMs)})`
        : `Update to ${p.tag} waiting for approval`;
    case 'waiting_for_window':
      return `Update to ${p.tag} waiting for the window ${p.window ?? ''}`.trim();
    case 'deploying':
      return `Update to ${p.tag} is deploying`;
  }
}

/** "opens in 2 d" under a window wait; null otherwise. */
export function windowOpensText(p: Pending, nowMs: number): string | null {
  return p.state === 'waiting_for_window' && p.window_opens_at
    ? `opens in ${timeUntil(p.window_opens_at, nowMs)}`
    : null;
}

const MODES: Record<Policy['policy']['mode'], string> = {
  auto: 'automatic',
  approve: 'approval required',
  manual: 'manual',
};

/** "approval required · follows ~3.4 · window Sat 02:00–05:00 Europe/Stockholm (closed)" */
export function policyText(policy: Policy, pinnedTag: string): string {
  const track = 'range' in policy.policy.track ? policy.policy.track.range : (policy.policy.track.tag ?? pinnedTag);
  const window = policy.window
    ? `window ${policy.window.text} (${policy.window.open ? 'open' : 'closed'})`
    : 'any time';
  return `${MODES[policy.policy.mode]} · follows ${track} · ${window}`;
}
