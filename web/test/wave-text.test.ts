// How the wave view words a group's soak and a duration (web/src/core/wave-text.ts).
import { describe, expect, it } from 'vitest';
import type { WaveGroupView } from '../../core/contract/waves.js';
import { countsDown, soakText, stateBadge } from '../src/core/wave-text.js';

const group = (patch: Partial<WaveGroupView>): WaveGroupView => ({
  name: 'canary',
  state: 'waiting',
  soak_seconds: 300,
  soak_ends_at: null,
  targets: [],
  ...patch,
});

describe('wave text', () => {
  it('counts a soak down, then says it ended; a group not soaked yet shows its length', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const soaking = group({ state: 'soaking', soak_ends_at: '2026-01-01T00:01:30Z' });
    expect(soakText(soaking, now)).toBe('soaking: 1 min 30 s left');
    expect(soakText(soaking, now + 90_000)).toBe('soak ending…');
    expect(soakText(group({}), now)).toBe('soak 5 min 00 s');
    expect(soakText(group({ soak_seconds: 0 }), now)).toBe('no soak');
    expect(soakText(group({ state: 'succeeded', soak_ends_at: '2026-01-01T00:01:30Z' }), now)).toBe(
      'soaked 5 min 00 s',
    );
    expect(soakText(group({ state: 'halted', soak_ends_at: '2026-01-01T00:01:30Z' }), now)).toBe('soak 5 min 00 s');
  });

  it('words states, with a tone each', () => {
    expect(stateBadge('rolled_back')).toEqual({ label: 'rolled back', tone: 'danger' });
    expect(stateBadge('skipped')).toEqual({ label: 'skipped', tone: 'warn' });
    expect(stateBadge('skipped', true)).toEqual({ label: 'not started', tone: 'warn' });
    expect(stateBadge('waiting')).toEqual({ label: 'waiting', tone: '' });
    expect(stateBadge('queued').label).toBe('waiting for the previous wave');
  });

  it('ticks only while a running wave soaks', () => {
    const base = { finished_at: null, groups: [group({ state: 'soaking' })] };
    expect(countsDown(base as never)).toBe(true);
    expect(countsDown({ ...base, finished_at: '2026-01-01T00:00:00Z' } as never)).toBe(false);
    expect(countsDown({ ...base, groups: [group({ state: 'updating' })] } as never)).toBe(false);
    expect(countsDown(null)).toBe(false);
  });
});
