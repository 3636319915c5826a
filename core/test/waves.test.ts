// The wave's pure rules (core/waves.ts): its id, which update outcomes let a group go on, how the picture reads a
// finished update, skipping the rest, and how a listed instance becomes a wave (also one the host ended).
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../contract/policy';
import type { UpdateTargetOutput } from '../update-model';
import {
  haltText,
  initialWave,
  outcomeDetail,
  passed,
  skipRest,
  targetStateOf,
  updateIdOf,
  waveIdOf,
  WaveInput,
  waveOf,
  withTarget,
} from '../waves';

const DIGEST = `sha256:${'c0ffee'.repeat(10)}abcd`;
const input: WaveInput = {
  image: { tag: '3.5', digest: DIGEST },
  groups: [
    { name: 'canary', targets: ['c1'], soakSeconds: 60 },
    { name: 'prod', targets: ['p1', 'p2'], soakSeconds: 0 },
  ],
  policies: { c1: DEFAULT_POLICY, p1: DEFAULT_POLICY, p2: DEFAULT_POLICY },
  offeredAt: '2026-01-01T00:00:00.000Z',
  trigger: 'reconcile',
  supersedes: [],
  pollIntervalSeconds: 5,
  healthWatchSeconds: 30,
};
const out = (outcome: UpdateTargetOutput['outcome'], error: string | null = null): UpdateTargetOutput => ({
  target: 'c1',
  image: input.image,
  outcome,
  deployId: null,
  error: error ? { code: error, message: 'why' } : null,
  decision: null,
});

describe('waves (pure rules)', () => {
  it('names one wave per digest and one update per target in it', () => {
    expect(waveIdOf(DIGEST)).toBe('wave-c0ffeec0ffeec0ffeec0');
    expect(waveIdOf(DIGEST)).toMatch(/^wave-[a-f0-9]{20}$/);
    expect(updateIdOf('wave-c0ffeec0ffeec0ffeec0', 'prod-west')).toBe('wave-c0ffeec0ffeec0ffeec0-prod-west');
  });

  it('lets a group go on only on success, or when the digest was already deployed', () => {
    expect(passed(out('succeeded'))).toBe(true);
    expect(passed(out('skipped', 'already_deployed'))).toBe(true);
    for (const o of ['failed', 'rolled_back', 'rejected', 'expired', 'superseded', 'cancelled'] as const)
      expect(passed(out(o)), o).toBe(false);
    expect(passed(out('skipped', 'digest_failed_before'))).toBe(false);
    expect(passed(out('skipped', 'cluster_stopped'))).toBe(false);
  });

  it('reads a finished update as a target state and one line', () => {
    expect(targetStateOf(out('rolled_back', 'crash_loop'))).toBe('rolled_back');
    expect(targetStateOf(out('failed', 'x'))).toBe('failed');
    expect(targetStateOf(out('expired', 'expired'))).toBe('skipped');
    expect(targetStateOf(out('skipped', 'already_deployed'))).toBe('succeeded');
    expect(outcomeDetail(out('skipped', 'already_deployed'))).toBe('already deployed');
    expect(outcomeDetail(out('failed', 'crash_loop'))).toBe('crash_loop: why');
    expect(
      outcomeDetail({
        ...out('rejected'),
        decision: { decision: 'reject', by: 'alice', at: '2026-01-01T00:00:00Z', comment: 'not today' },
      }),
    ).toBe('rejected by alice: not today');
    expect(outcomeDetail(out('succeeded'))).toBeNull();
  });

  it('starts queued when it supersedes a wave, and skips what had not started when it ends', () => {
    expect(initialWave('wave-x', { ...input, supersedes: ['wave-y'] }, 't').state).toBe('queued');
    let view = initialWave('wave-x', input, '2026-01-01T00:00:01.000Z');
    expect(view).toMatchObject({ state: 'running', trigger: 'reconcile', current_group: null, finished_at: null });
    view = withTarget(view, 0, 'c1', { state: 'rolled_back', outcome: 'rolled_back', detail: 'crash_loop: why' });
    view = skipRest(view, 1);
    expect(view.groups.map((g) => [g.state, g.targets.map((t) => t.state)])).toEqual([
      ['waiting', ['rolled_back']],
      ['skipped', ['skipped', 'skipped']],
    ]);
    expect(haltText(view.groups[0]!)).toBe('group canary: c1 rolled_back (crash_loop: why)');
  });

  it('reads a listed instance: its output, its live status, or a wave the host ended without its own end', () => {
    const view = initialWave('wave-x', input, '2026-01-01T00:00:01.000Z');
    const done = { ...view, state: 'succeeded' as const, finished_at: '2026-01-01T00:10:00.000Z' };
    const at = '2026-01-01T00:05:00.000Z';
    expect(waveOf({ runtimeStatus: 'Completed', output: done, customStatus: view, lastUpdatedTime: at })).toEqual(done);
    expect(waveOf({ runtimeStatus: 'Running', output: null, customStatus: view, lastUpdatedTime: at })).toEqual(view);
    expect(
      waveOf({ runtimeStatus: 'Terminated', output: 'by hand', customStatus: view, lastUpdatedTime: at }),
    ).toMatchObject({
      state: 'halted',
      finished_at: at,
      halted_because: 'the wave orchestration ended as Terminated',
    });
    expect(waveOf({ runtimeStatus: 'Pending', output: null, customStatus: null, lastUpdatedTime: at })).toBeNull();
    expect(
      waveOf({ runtimeStatus: 'Running', output: null, customStatus: { groups: 'no' }, lastUpdatedTime: at }),
    ).toBeNull();
  });
});
