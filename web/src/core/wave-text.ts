// How the wave view words a wave (docs/policies.md "Waves"): state labels and tones, the soak countdown. Pure, so it
// is unit-tested without a browser.
import type { WaveGroupView, WaveView } from '../../../core/contract/waves.js';

/** The words for a state, where they differ from its name. */
const LABELS: Record<string, string> = {
  rolled_back: 'rolled back',
  checking: 'checking health',
  queued: 'waiting for the previous wave',
};

const TONES: Record<string, string> = {
  updating: 'accent',
  soaking: 'accent',
  checking: 'accent',
  queued: 'accent',
  running: 'accent',
  succeeded: 'ok',
  failed: 'danger',
  rolled_back: 'danger',
  halted: 'danger',
  skipped: 'warn',
  cancelled: 'warn',
  superseded: 'warn',
};

/** A state's badge: its words and tone. A group that never started reads "not started". */
export function stateBadge(state: string, group = false): { label: string; tone: string } {
  const label = group && state === 'skipped' ? 'not started' : (LABELS[state] ?? state);
  return { label, tone: TONES[state] ?? '' };
}

/** `1 m 05 s`, `42 s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** The group's soak in words: "soak 5 m 00 s", "soaking: 42 s left", "soaked 5 m 00 s". */
export function soakText(group: WaveGroupView, now: number): string {
  if (group.state === 'soaking' && group.soak_ends_at) {
    const left = (Date.parse(group.soak_ends_at) - now) / 1000;
    return left > 0 ? `soaking: ${duration(left)} left` : 'soak ending…';
  }
  if (group.soak_ends_at && group.state !== 'halted') return `soaked ${duration(group.soak_seconds)}`;
  return `soak ${duration(group.soak_seconds)}`;
}

/** Whether the page must tick every second: a group soaks. */
export function countsDown(w: WaveView | null | undefined): boolean {
  return !!w && w.finished_at === null && w.groups.some((g) => g.state === 'soaking');
}
