// Replay tests of the wave (orchestrations/wave.orchestrator.ts) through the real durable-functions engine
// (replay-harness.ts). Each target's updateTarget sub-orchestration and the wave's activities are scripted per
// scenario — they are the boundary of the unit under test; what is tested is the wave's decisions: the order of
// groups, the soak on a durable timer, the health check after it, the halt (later groups untouched), the rollback
// of a target unhealthy after the soak, cancel and supersede, and the picture it publishes on the way.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../core/contract/policy';
import type { WaveView } from '../../core/contract/waves';
import type { UpdateTargetInput, UpdateTargetOutput } from '../../core/update-model';
import { WaveInput } from '../../core/waves';
import { updateWaveOrchestrator } from '../wave.orchestrator';
import { ActivityHandler, replay, ScenarioContext } from './replay-harness';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const WAVE = 'wave-bbbbbbbbbbbbbbbbbbbb';
const approve = { ...DEFAULT_POLICY, mode: 'approve' as const };

const input: WaveInput = {
  image: { tag: '3.5', digest: DIGEST },
  groups: [
    { name: 'canary', targets: ['canary'], soakSeconds: 60 },
    { name: 'prod', targets: ['prod-a', 'prod-b'], soakSeconds: 120 },
  ],
  policies: { canary: DEFAULT_POLICY, 'prod-a': approve, 'prod-b': DEFAULT_POLICY },
  offeredAt: '2026-01-01T00:00:00.000Z',
  trigger: 'push',
  supersedes: [],
  pollIntervalSeconds: 5,
  healthWatchSeconds: 20,
};

const output = (i: UpdateTargetInput, outcome: UpdateTargetOutput['outcome'], error: string | null = null) => ({
  target: i.target,
  image: i.image,
  outcome,
  deployId: outcome === 'succeeded' || outcome === 'rolled_back' || outcome === 'failed' ? `${i.target}-d1` : null,
  error: error ? { code: error, message: `${error} on ${i.target}` } : null,
  decision: null,
});
const updated: ActivityHandler = (i: UpdateTargetInput) => output(i, 'succeeded');
const healthy: ActivityHandler = () => ({ healthy: true, detail: '1/1 pods ready; healthz ok' });
const never = (what: string) => () => {
  throw new Error(`${what} must not be called in this scenario`);
};

function scenario(overrides: Record<string, ActivityHandler> = {}): Record<string, ActivityHandler> {
  return {
    updateTarget: updated,
    waveCheckHealth: healthy,
    waveRollback: never('waveRollback'),
    waveReadDeploy: never('waveReadDeploy'),
    waveEnded: never('waveEnded'),
    waveNotifyHalted: () => 1,
    waveStopWaiting: never('waveStopWaiting'),
    ...overrides,
  };
}

async function run(overrides: Record<string, ActivityHandler> = {}, wave: WaveInput = input) {
  const r = await replay(updateWaveOrchestrator, wave, scenario(overrides), { instanceId: WAVE });
  expect(r.runtimeStatus, r.error ?? '').toBe('Completed');
  return { r, view: r.output as WaveView };
}

const calls = (r: { calls: { name: string; input: unknown; at: number }[] }) =>
  r.calls.map((c) =>
    [c.name, (c.input as { target?: string }).target, `@${Math.round(c.at)}`].filter(Boolean).join(' '),
  );
/** Each group's state (as `group <name>`) and each target's. */
const states = (view: WaveView) =>
  Object.fromEntries(
    view.groups.flatMap((g) => [[`group ${g.name}`, g.state], ...g.targets.map((t) => [t.target, t.state])]),
  );

describe('updateWave orchestration (replayed by durable-functions)', () => {
  it('updates group by group: canary, its soak and health check, then both prod targets at once', async () => {
    const { r, view } = await run();
    expect(calls(r)).toEqual([
      'updateTarget canary @0',
      'waveCheckHealth canary @60',
      'updateTarget prod-a @60',
      'updateTarget prod-b @60',
      'waveCheckHealth prod-a @180',
      'waveCheckHealth prod-b @180',
    ]);
    expect(view).toMatchObject({ wave_id: WAVE, state: 'succeeded', halted_because: null, current_group: null });
    expect(states(view)).toEqual({
      canary: 'succeeded',
      'prod-a': 'succeeded',
      'prod-b': 'succeeded',
      'group prod': 'succeeded',
      'group canary': 'succeeded',
    });
    // Each target is updated under its own policy, as part of this wave, on exactly the offered digest, under an
    // id derived from the wave (so a replay addresses the same instance).
    const sub = r.calls.filter((c) => c.name === 'updateTarget').map((c) => c.input as UpdateTargetInput);
    expect(sub[1]).toEqual({
      target: 'prod-a',
      image: { tag: '3.5', digest: DIGEST },
      trigger: 'wave',
      policy: approve,
      offeredAt: input.offeredAt,
      waveId: WAVE,
    });
    expect(view.groups[1]!.targets.map((t) => [t.update_id, t.deploy_id])).toEqual([
      [`${WAVE}-prod-a`, 'prod-a-d1'],
      [`${WAVE}-prod-b`, 'prod-b-d1'],
    ]);
    const subIds = r.trace
      .flat()
      .flatMap((a) => [...a.matchAll(/suborchestration updateTarget (\S+)/g)].map((m) => m[1]));
    expect(subIds).toEqual([`${WAVE}-canary`, `${WAVE}-prod-a`, `${WAVE}-prod-b`]);
    // The soaks are durable timers of the groups' soakSeconds, from the moment their group was updated.
    expect(r.trace.flat().filter((a) => a.includes('timer'))).toEqual([
      'any[timer +60s | wait event cancel | wait event superseded]',
      'any[timer +180s | wait event cancel | wait event superseded]',
    ]);
    // The picture on the way: canary soaking with its end, prod waiting; then prod updating.
    const seen = r.statuses as WaveView[];
    const soaking = seen.find((s) => s.groups[0]!.state === 'soaking')!;
    expect(soaking.groups[0]!.soak_ends_at).toBe('2026-01-01T00:01:00.050Z');
    expect(soaking.current_group).toBe(0);
    expect(states(soaking)).toMatchObject({ 'group prod': 'waiting', 'prod-a': 'waiting', 'prod-b': 'waiting' });
    expect(seen.some((s) => s.groups[1]!.targets.every((t) => t.state === 'updating'))).toBe(true);
  });

  it('halts on a target that did not succeed: its deploy rolled it back; later groups untouched', async () => {
    const { r, view } = await run({
      updateTarget: (i: UpdateTargetInput) =>
        i.target === 'canary' ? output(i, 'rolled_back', 'crash_loop') : never('prod update')(),
    });
    expect(calls(r)).toEqual(['updateTarget canary @0', 'waveNotifyHalted canary @0']);
    expect(view.state).toBe('halted');
    expect(states(view)).toEqual({
      'group canary': 'halted',
      canary: 'rolled_back',
      'prod-a': 'skipped',
      'prod-b': 'skipped',
      'group prod': 'skipped',
    });
    // …the group's own target keeps its outcome under its name (rolled_back by its deploy).
    expect(view.groups[0]!.targets[0]).toMatchObject({
      state: 'rolled_back',
      outcome: 'rolled_back',
      deploy_id: 'canary-d1',
      detail: 'crash_loop: crash_loop on canary',
    });
    expect(view.halted_because).toBe('group canary: canary rolled_back (crash_loop: crash_loop on canary)');
    // wave_halted, once, about the target that stopped it.
    expect(r.calls.filter((c) => c.name === 'waveNotifyHalted').map((c) => c.input)).toEqual([
      {
        waveId: WAVE,
        target: 'canary',
        tag: '3.5',
        digest: DIGEST,
        deployId: 'canary-d1',
        outcome: 'rolled_back',
        error: { code: 'wave_halted', message: view.halted_because },
      },
    ]);
    expect(view.finished_at).not.toBeNull();
    // No soak was started for a group that failed.
    expect(r.trace.flat().some((a) => a.includes('timer'))).toBe(false);
  });

  it('a group halts when one of its targets fails, after waiting for the others to end', async () => {
    const { view } = await run({
      updateTarget: (i: UpdateTargetInput) => (i.target === 'prod-b' ? output(i, 'expired') : output(i, 'succeeded')),
    });
    expect(view.state).toBe('halted');
    expect(view.groups[1]!.targets.map((t) => [t.target, t.state, t.outcome])).toEqual([
      ['prod-a', 'succeeded', 'succeeded'],
      ['prod-b', 'skipped', 'expired'],
    ]);
    expect(view.halted_because).toBe('group prod: prod-b expired');
  });

  it('a sub-orchestration that broke counts as failed and halts the wave', async () => {
    const { view } = await run({
      updateTarget: () => {
        throw new Error('updateTarget crashed');
      },
    });
    expect(view.state).toBe('halted');
    expect(view.groups[0]!.targets[0]).toMatchObject({ state: 'failed', outcome: 'failed' });
    expect(view.groups[0]!.targets[0]!.detail).toContain('updateTarget crashed');
  });

  it('a target unhealthy after the soak is rolled back by the wave through the lease service, and the wave halts', async () => {
    const { r, view } = await run({
      waveCheckHealth: () => ({ healthy: false, detail: 'the service: /healthz answered 500' }),
      waveRollback: (i: { target: string; waveId: string }) => {
        expect(i).toEqual({ target: 'canary', waveId: WAVE });
        return { ok: true, value: { started: true, deployId: 'canary-rb1' } };
      },
      waveReadDeploy: (_i, ctx: ScenarioContext) =>
        ctx.callIndex === 0
          ? { finished: false, status: 'running', detail: null }
          : { finished: true, status: 'succeeded', detail: null },
    });
    expect(calls(r)).toEqual([
      'updateTarget canary @0',
      'waveCheckHealth canary @60',
      'waveRollback canary @60',
      'waveReadDeploy canary @65',
      'waveReadDeploy canary @70',
      'waveNotifyHalted canary @70',
    ]);
    expect(view.state).toBe('halted');
    expect(view.groups[0]!.targets[0]).toMatchObject({
      state: 'rolled_back',
      outcome: 'unhealthy',
      rollback_deploy_id: 'canary-rb1',
    });
    expect(view.groups[0]!.targets[0]!.detail).toBe(
      'the service: /healthz answered 500; rolling back (canary-rb1); rolled back to the previous image',
    );
    expect(states(view)).toMatchObject({ 'group canary': 'halted', 'group prod': 'skipped', 'prod-a': 'skipped' });
    expect(view.halted_because).toContain('canary unhealthy');
  });

  it('a rollback that cannot start (the lease is held) or fails is recorded; the target stays failed', async () => {
    const held = await run({
      waveCheckHealth: () => ({ healthy: false, detail: 'crash_loop: back-off restarting' }),
      waveRollback: () => ({ ok: true, value: { started: false, detail: 'deploy canary-x holds the target' } }),
    });
    expect(held.view.groups[0]!.targets[0]).toMatchObject({ state: 'failed', rollback_deploy_id: null });
    expect(held.view.groups[0]!.targets[0]!.detail).toContain('the rollback could not start: deploy canary-x holds');
    const failed = await run({
      waveCheckHealth: () => ({ healthy: false, detail: 'unhealthy' }),
      waveRollback: () => ({ ok: true, value: { started: true, deployId: 'canary-rb1' } }),
      waveReadDeploy: () => ({ finished: true, status: 'failed', detail: 'rollout_timeout: too slow' }),
    });
    expect(failed.view.groups[0]!.targets[0]).toMatchObject({ state: 'failed', rollback_deploy_id: 'canary-rb1' });
    expect(failed.view.groups[0]!.targets[0]!.detail).toContain(
      'the rollback ended failed (rollout_timeout: too slow)',
    );
    expect(failed.view.state).toBe('halted');
  });

  it('a cancel during the soak stops the wave before the next group: the timer is cancelled, prod untouched', async () => {
    const { r, view } = await run({
      updateTarget: (i: UpdateTargetInput, ctx: ScenarioContext) => {
        ctx.raise('cancel', { requester: 'alice' });
        return output(i, 'succeeded');
      },
    });
    expect(calls(r)).toEqual(['updateTarget canary @0']);
    expect(view.state).toBe('cancelled');
    expect(view.halted_because).toBe('cancelled by alice during the soak of group canary');
    expect(states(view)).toEqual({
      'group canary': 'halted',
      canary: 'succeeded',
      'prod-a': 'skipped',
      'prod-b': 'skipped',
      'group prod': 'skipped',
    });
    expect(r.trace.flat()).toContain('cancel timer 1');
  });

  it('a cancel while a group updates ends its waiting updates, lets started deploys finish, and stops there', async () => {
    const stopped: unknown[] = [];
    const { r, view } = await run({
      updateTarget: (i: UpdateTargetInput, ctx: ScenarioContext) => {
        if (i.target === 'canary') ctx.raise('cancel', { requester: 'bob' }, 'during');
        return output(i, 'succeeded');
      },
      waveStopWaiting: (i: { updateIds: string[]; waveId: string }) => {
        stopped.push(i);
        return 1;
      },
    });
    expect(calls(r)).toEqual(['updateTarget canary @0', 'waveStopWaiting @0']);
    expect(stopped).toEqual([{ waveId: WAVE, updateIds: [`${WAVE}-canary`] }]);
    expect(view).toMatchObject({ state: 'cancelled', cancel_requested: true });
    expect(view.halted_because).toBe('cancelled by bob while group canary updated');
    // The update ran to its end (its deploy had started): the cancel never cuts a deploy off.
    expect(view.groups[0]!.targets[0]).toMatchObject({ state: 'succeeded', deploy_id: 'canary-d1' });
    expect(states(view)).toMatchObject({ 'group canary': 'halted', 'group prod': 'skipped', 'prod-a': 'skipped' });
    // No soak, no health check, no notification for a cancel.
    expect(r.trace.flat().some((a) => a.includes('timer'))).toBe(false);
  });

  it('a newer image supersedes a running wave between groups; the newer wave starts once this one stopped', async () => {
    const old = await run({
      updateTarget: (i: UpdateTargetInput, ctx: ScenarioContext) => {
        ctx.raise('superseded', { by: 'wave-cccccccccccccccccccc' });
        return output(i, 'succeeded');
      },
    });
    expect(calls(old.r)).toEqual(['updateTarget canary @0']);
    expect(old.view.state).toBe('superseded');
    expect(old.view.halted_because).toBe('superseded by wave-cccccccccccccccccccc during the soak of group canary');
    expect(states(old.view)).toMatchObject({ canary: 'succeeded', 'group prod': 'skipped', 'prod-a': 'skipped' });

    const newer = await run(
      { waveEnded: (_i, ctx: ScenarioContext) => ctx.callIndex >= 2 },
      { ...input, supersedes: [WAVE.replace(/b/g, 'a')] },
    );
    expect(calls(newer.r).slice(0, 4)).toEqual([
      'waveEnded @0',
      'waveEnded @5',
      'waveEnded @10',
      'updateTarget canary @10',
    ]);
    expect((newer.r.calls[0]!.input as { waveId: string }).waveId).toBe('wave-aaaaaaaaaaaaaaaaaaaa');
    expect((newer.r.statuses as WaveView[])[0]).toMatchObject({
      state: 'queued',
      supersedes: ['wave-aaaaaaaaaaaaaaaaaaaa'],
    });
    expect(newer.view.state).toBe('succeeded');
  });

  it('a zero-second soak still checks health before the next group', async () => {
    const zero = { ...input, groups: input.groups.map((g) => ({ ...g, soakSeconds: 0 })) };
    const { r, view } = await run({}, zero);
    expect(calls(r).map((c) => c.replace(/ @\d+$/, ''))).toEqual([
      'updateTarget canary',
      'waveCheckHealth canary',
      'updateTarget prod-a',
      'updateTarget prod-b',
      'waveCheckHealth prod-a',
      'waveCheckHealth prod-b',
    ]);
    expect(view.state).toBe('succeeded');
  });

  it('a target that already runs the digest counts as updated (soaked and checked like the others)', async () => {
    const { r, view } = await run({
      updateTarget: (i: UpdateTargetInput) =>
        i.target === 'canary' ? { ...output(i, 'skipped', 'already_deployed') } : output(i, 'succeeded'),
    });
    expect(view.state).toBe('succeeded');
    expect(view.groups[0]!.targets[0]).toMatchObject({ state: 'succeeded', outcome: 'skipped' });
    expect(calls(r)).toContain('waveCheckHealth canary @60');
    const other = await run({
      updateTarget: (i: UpdateTargetInput) => output(i, 'skipped', 'digest_failed_before'),
    });
    expect(other.view.state).toBe('halted');
    expect(other.view.groups[0]!.targets[0]!.state).toBe('skipped');
  });
});
