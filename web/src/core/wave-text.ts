// How the wave view words a wave (docs/policies.md "Waves"): state labels and tones, the soak countdown. Pure, so it
// is unit-tested without a browser.
import type { WaveGroupView, WaveView } from '../../../core/contract/waves.js';
import { formatDuration } from './format.js';

const seconds = (s: number) => formatDuration(Math.max(1, Math.round(s)) * 1000);

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

/** The group's soak in words: "soak 5 min 00 s", "soaking: 42 s left", "soaked 5 min 00 s". */
export function soakText(group: WaveGroupView, now: number): string {
  if (group.state === 'soaking' && group.soak_ends_at) {
    const left = (Date.parse(group.soak_ends_at) - now) / 1000;
    return left > 0 ? `soaking: ${seconds(left)} left` : 'soak ending…';
  }
  if (group.soak_seconds === 0) return 'no soak';
  if (group.soak_ends_at && group.state !== 'halted') return `soaked ${seconds(group.soak_seconds)}`;
  return `soak ${seconds(group.soak_seconds)}`;
}

/** Whether the page must tick every second: a group soaks. */
export function countsDown(w: WaveView | null | undefined): boolean {
  return !!w && w.finished_at === null && w.groups.some((g) => g.state === 'soaking');
}
