// How the wave view words a wave (docs/policies.md "Waves"): state labels and tones, the soak countdown, the headline.
// Pure, so it is unit-tested without a browser.
import type { WaveGroupView, WaveTarget, WaveView } from '../../../core/contract/waves.js';

export type Tone = '' | 'accent' | 'ok' | 'warn' | 'danger';

const TARGET: Record<WaveTarget['state'], [string, Tone]> = {
  waiting: ['waiting', ''],
  updating: ['updating', 'accent'],
  succeeded: ['succeeded', 'ok'],
  failed: ['failed', 'danger'],
  rolled_back: ['rolled back', 'danger'],
  skipped: ['skipped', 'warn'],
};

const GROUP: Record<WaveGroupView['state'], [string, Tone]> = {
  waiting: ['waiting', ''],
  updating: ['updating', 'accent'],
  soaking: ['soaking', 'accent'],
  checking: ['checking health', 'accent'],
  succeeded: ['succeeded', 'ok'],
  halted: ['halted', 'danger'],
  skipped: ['not started', 'warn'],
};

const WAVE: Record<WaveView['state'], [string, Tone]> = {
  queued: ['waiting for the previous wave', 'accent'],
  running: ['running', 'accent'],
  succeeded: ['succeeded', 'ok'],
  halted: ['halted', 'danger'],
  cancelled: ['cancelled', 'warn'],
  superseded: ['superseded', 'warn'],
};

export const targetLabel = (t: WaveTarget) => {
  const [label, tone] = TARGET[t.state];
  return { label, tone };
};
export const groupLabel = (g: WaveGroupView) => {
  const [label, tone] = GROUP[g.state];
  return { label, tone };
};
export const waveLabel = (w: WaveView) => {
  const [label, tone] = WAVE[w.state];
  return { label, tone };
};

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

/** "Wave 3.5 (sha256:abcd1234…)". */
export function waveTitle(w: WaveView): string {
  return `Wave ${w.image.tag} (${w.image.digest.slice(0, 19)}…)`;
}

/** Whether the page must tick every second: a group soaks. */
export function countsDown(w: WaveView | null): boolean {
  return w !== null && w.finished_at === null && w.groups.some((g) => g.state === 'soaking');
}
