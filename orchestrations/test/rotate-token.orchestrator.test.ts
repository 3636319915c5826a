// Replay tests of the API token rotation through the real durable-functions engine (test/replay-harness.ts). The
// activities are scripted per scenario: what is under test is the orchestration's decisions — when it restores the
// old token, what it records, that a cancel is honoured at every step boundary and that no token passes through
// its history. The activities themselves run against the sim in functions/test/token-rotate.e2e.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeployInput, DeployOutput } from '../../core/deploy-model';
import type { ActivityName } from '../activities';
import { rotateApiTokenOrchestrator } from '../rotate-token.orchestrator';
import { ActivityHandler, TEST_REQUEST, replay, ScenarioContext } from './replay-harness';

const IMAGE = `127.0.0.1:5001/elb-openapi@sha256:${'a'.repeat(64)}`;
const INSTANCE = 'test-instance';

const input: DeployInput = {
  target: 'local',
  reason: 'rotate_token',
  tag: null,
  digest: null,
  ...TEST_REQUEST,
};

const ok = (value: unknown) => ({ ok: true, value });
const fail = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  ok: false,
  error: { code, message, ...extra },
});
const applied = (mode: string) =>
  ok({
    image: mode === 'settle' ? null : IMAGE,
    tag: mode === 'settle' ? null : '3.4',
    namespace: 'elb-openapi',
    generation: mode === 'settle' ? 0 : 3,
    swapped: true,
    apply_output: 'secret/elb-openapi-token serverside-applied',
  });
const ready = ok({ state: 'ready', detail: '1/1 pods ready', ready_replicas: 1, desired_replicas: 1 });
const verified = ok({ state: 'verified', detail: 'GET /v1/jobs: the token in use accepted, the other refused' });

const neverInARotation = (): never => {
  throw new Error('a rotation never calls the deploy-only activities');
};

type Overrides = Partial<Record<ActivityName, ActivityHandler>>;

function scenario(overrides: Overrides = {}): Record<ActivityName, ActivityHandler> {
  const base: Record<ActivityName, ActivityHandler> = {
    deployResolveImage: neverInARotation,
    deploySetupWorkloadIdentity: neverInARotation,
    deployApplyManifests: neverInARotation,
    deployCheckExternalIp: neverInARotation,
    deployVerifyService: neverInARotation,
    buildSchedule: neverInARotation,
    buildCheck: neverInARotation,
    buildCancel: neverInARotation,
    clusterStart: neverInARotation,
    clusterStartCheck: neverInARotation,
    deployCheckRollout: () => ready,
    deployInspectCluster: () => ok({ deployment_image: IMAGE, pod_images: [IMAGE], ready_replicas: 1 }),
    rotateTokenApply: (i: { mode: string }) => applied(i.mode),
    rotateTokenCheck: () => verified,
    deployFinish: () => ({ follow_up_instance_id: null }),
  };
  return { ...base, ...overrides };
}

async function run(overrides: Overrides = {}) {
  const r = await replay(rotateApiTokenOrchestrator, input, scenario(overrides));
  // Pinned like the deploy's history (docs/deploy.md, "Changing the orchestrator"): a rotation in flight during an
  // upgrade replays only if the new code makes the same decisions.
  const statuses = createHash('sha256').update(JSON.stringify(r.statuses)).digest('hex');
  expect({ trace: r.trace, statuses }).toMatchSnapshot('history');
  return { r, out: r.output as DeployOutput };
}

type Calls = { calls: { name: string; input: unknown }[] };
/** The calls as `name` or `name:mode`, in order. */
const steps = (r: Calls) =>
  r.calls.map((c) => (c.name === 'rotateTokenApply' ? `apply:${(c.input as { mode: string }).mode}` : c.name));
const phases = (out: DeployOutput) => Object.fromEntries(out.timeline.map((e) => [e.name, e.status]));

/** The apply's scripted answer, raising a cancel first (`when` as ScenarioContext.raise takes it) for `mode`. */
const cancelInApply =
  (mode: string, when: 'during' | 'with' | 'after') => (i: { mode: string }, ctx: ScenarioContext) => {
    if (i.mode === mode) ctx.raise('cancel', { requester: 'tester' }, when);
    return applied(i.mode);
  };

describe('rotateApiToken orchestration (replayed by durable-functions)', () => {
  it('rotates: apply, rollout, check, then leaves only the new token in the Secret; recorded like a deploy', async () => {
    const { r, out } = await run();
    expect(r.runtimeStatus).toBe('Completed');
    expect(steps(r)).toEqual([
      'apply:rotate',
      'deployCheckRollout',
      'rotateTokenCheck',
      'apply:settle',
      'deployFinish',
    ]);
    expect(out).toMatchObject({
      status: 'succeeded',
      reason: 'rotate_token',
      requester: 'tester',
      namespace: 'elb-openapi',
      error: null,
      rollback: null,
      cluster_state: `running ${IMAGE} with the new token`,
      openapi_deploy: { status: 'deployed', image: IMAGE, tag: '3.4', digest: `sha256:${'a'.repeat(64)}` },
    });
    expect(phases(out)).toEqual({ applying_token: 'done', waiting_for_rollout: 'done', verifying_token: 'done' });
    // The rollout is checked on the image the pods already run (a rotation changes no image).
    expect(r.calls[1]!.input).toMatchObject({ target: 'local', image: IMAGE });
    // Every change names its rotation, so a retried step finds its own new token again.
    for (const c of r.calls.filter((c) => c.name === 'rotateTokenApply'))
      expect(c.input).toMatchObject({ target: 'local', rotationId: INSTANCE });
    const seen = r.statuses.map((s) => (s as { phase: string }).phase);
    expect(seen).toEqual(expect.arrayContaining(['applying_token', 'waiting_for_rollout', 'verifying_token']));
    expect(seen.at(-1)).toBe('completed');
  });

  it('never carries a token through its history: activity inputs hold only names, ids, mode and waits', async () => {
    const { r } = await run();
    const keys = new Set(r.calls.flatMap((c) => Object.keys(c.input as object)));
    expect([...keys].sort()).toEqual(
      [
        'deploy',
        'deployId',
        'image',
        'mode',
        'output',
        'requester',
        'retrySeconds',
        'rotationId',
        'target',
        'watchSeconds',
      ].sort(),
    );
  });

  it('a check that fails restores the old token, checks it the same way, and ends rolled_back', async () => {
    const { r, out } = await run({
      rotateTokenCheck: (_i, ctx) =>
        ctx.callIndex === 0 ? fail('rotation_state_lost', 'the token Secret no longer holds both tokens') : verified,
    });
    expect(steps(r)).toEqual([
      'apply:rotate',
      'deployCheckRollout',
      'rotateTokenCheck',
      'apply:restore',
      'deployCheckRollout',
      'rotateTokenCheck',
      'apply:settle',
      'deployFinish',
    ]);
    expect(out).toMatchObject({
      status: 'rolled_back',
      error: { code: 'rotation_state_lost' },
      rollback: { status: 'succeeded', image: IMAGE },
      cluster_state: `running ${IMAGE} with the previous token`,
    });
    expect(phases(out)).toMatchObject({ verifying_token: 'failed', restoring_token: 'done' });
    expect(r.customStatus).toMatchObject({ phase: 'rolled_back' });
  });

  it('a service that never refuses the old token times out as token_not_verified, then restores', async () => {
    let restoring = false;
    const { r, out } = await run({
      rotateTokenCheck: (i: { watchSeconds: number }, ctx) => {
        if (restoring) return verified;
        ctx.advance(i.watchSeconds);
        return ok({ state: 'pending', detail: 'GET /v1/jobs with the replaced token answered 200 (check 1)' });
      },
      rotateTokenApply: (i: { mode: string }) => {
        if (i.mode === 'restore') restoring = true;
        return applied(i.mode);
      },
    });
    expect(out.status).toBe('rolled_back');
    expect(out.error).toMatchObject({ code: 'token_not_verified' });
    expect(out.error!.message).toMatch(/within 120s \(GET \/v1\/jobs with the replaced token answered 200/);
    expect(steps(r)).toContain('apply:restore');
  });

  it('a rollout that fails (crash loop) restores the old token', async () => {
    const { r, out } = await run({
      deployCheckRollout: (_i, ctx) =>
        ctx.callIndex === 0
          ? ok({
              state: 'failed',
              detail: 'pod x: CrashLoopBackOff',
              error: { code: 'crash_loop', message: 'pod x: CrashLoopBackOff after 3 restarts' },
            })
          : ready,
    });
    expect(out).toMatchObject({ status: 'rolled_back', error: { code: 'crash_loop' } });
    expect(phases(out)).toMatchObject({ waiting_for_rollout: 'failed', restoring_token: 'done' });
    expect(steps(r).filter((s) => s === 'rotateTokenCheck')).toHaveLength(1);
  });

  it('an apply the exec server certainly did not run ends failed with nothing to restore', async () => {
    const { r, out } = await run({
      rotateTokenApply: () => fail('exec_unavailable', 'the exec server is unreachable', { not_applied: true }),
    });
    expect(steps(r)).toEqual(['apply:rotate', 'deployFinish']);
    expect(out).toMatchObject({
      status: 'failed',
      rollback: null,
      cluster_state: 'unchanged: the token was not changed',
    });
  });

  it('an apply that failed part-way restores (it may have changed the Secret)', async () => {
    const { r, out } = await run({
      rotateTokenApply: (i: { mode: string }) =>
        i.mode === 'rotate' ? fail('apply_failed', 'kubectl apply exited 1') : applied(i.mode),
    });
    expect(steps(r)).toEqual([
      'apply:rotate',
      'apply:restore',
      'deployCheckRollout',
      'rotateTokenCheck',
      'apply:settle',
      'deployFinish',
    ]);
    expect(out.status).toBe('rolled_back');
  });

  it('a restore that fails says what the cluster runs, read back, and leaves the Secret alone', async () => {
    const { r, out } = await run({
      rotateTokenCheck: () => fail('rotation_state_lost', 'lost'),
      rotateTokenApply: (i: { mode: string }) =>
        i.mode === 'restore' ? fail('cluster_unavailable', 'the cluster API did not answer for 30s') : applied(i.mode),
    });
    expect(steps(r)).toEqual([
      'apply:rotate',
      'deployCheckRollout',
      'rotateTokenCheck',
      'apply:restore',
      'deployInspectCluster',
      'deployFinish',
    ]);
    expect(out).toMatchObject({
      status: 'failed',
      rollback: { status: 'failed', error: { code: 'cluster_unavailable' } },
    });
    expect(out.cluster_state).toMatch(
      /^runs .* \(read back from the cluster; pods run .*the token Secret may hold either token/,
    );
    expect(phases(out)).toMatchObject({ restoring_token: 'failed' });
  });

  it('a Secret that could not be settled does not undo a checked rotation; the record says so', async () => {
    const { out } = await run({
      rotateTokenApply: (i: { mode: string }) =>
        i.mode === 'settle' ? fail('exec_unavailable', 'down') : applied(i.mode),
    });
    expect(out.status).toBe('succeeded');
    expect(out.cluster_state).toBe(
      `running ${IMAGE} with the new token; the Secret still holds the other token (exec_unavailable), until the next deploy or rotation`,
    );
  });

  describe('cancel at every step boundary (never succeeded with a cancel requested)', () => {
    it('during the apply: the apply finishes, then the old token is restored', async () => {
      const { r, out } = await run({ rotateTokenApply: cancelInApply('rotate', 'during') });
      expect(out).toMatchObject({ status: 'cancelled', cancel_requested: true, rollback: { status: 'succeeded' } });
      expect(out.error!.message).toBe('cancelled on request during the token change');
      expect(steps(r)).toEqual([
        'apply:rotate',
        'apply:restore',
        'deployCheckRollout',
        'rotateTokenCheck',
        'apply:settle',
        'deployFinish',
      ]);
      expect(phases(out)).toMatchObject({ applying_token: 'done', restoring_token: 'done' });
    });

    it('with the apply result: seen by the next step (the rollout check, abandoned), restored', async () => {
      const { r, out } = await run({ rotateTokenApply: cancelInApply('rotate', 'with') });
      expect(out.status).toBe('cancelled');
      expect(steps(r).slice(0, 3)).toEqual(['apply:rotate', 'deployCheckRollout', 'apply:restore']);
      expect(phases(out)).toMatchObject({ applying_token: 'done', waiting_for_rollout: 'failed' });
    });

    it('during the rollout wait: abandoned at once, restored', async () => {
      const { r, out } = await run({
        deployCheckRollout: (i: { watchSeconds: number }, ctx) => {
          if (ctx.callIndex > 0) return ready;
          ctx.advance(i.watchSeconds);
          ctx.raise('cancel', null, 'after');
          return ok({ state: 'progressing', detail: '0/1 replicas updated' });
        },
      });
      expect(out.status).toBe('cancelled');
      expect(out.error!.message).toBe('cancelled on request during the rollout');
      expect(steps(r).slice(0, 3)).toEqual(['apply:rotate', 'deployCheckRollout', 'apply:restore']);
    });

    it('with the last check: never succeeded, restored', async () => {
      const { r, out } = await run({
        rotateTokenCheck: (_i, ctx) => {
          if (ctx.callIndex === 0) ctx.raise('cancel', null, 'with');
          return verified;
        },
      });
      expect(out.status).toBe('cancelled');
      expect(out.cancel_requested).toBe(true);
      expect(steps(r)).toContain('apply:restore');
    });

    it('during the restore: ignored, the restore finishes', async () => {
      const { r, out } = await run({
        rotateTokenCheck: (_i, ctx) => (ctx.callIndex === 0 ? fail('rotation_state_lost', 'lost') : verified),
        rotateTokenApply: cancelInApply('restore', 'during'),
      });
      expect(out).toMatchObject({ status: 'rolled_back', rollback: { status: 'succeeded' } });
      expect(steps(r).slice(-4)).toEqual(['deployCheckRollout', 'rotateTokenCheck', 'apply:settle', 'deployFinish']);
    });
  });
});
