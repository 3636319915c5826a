// Replay tests of Start cluster (reason `start_cluster`, phase starting_cluster before the deploy's phases) through
// the real durable-functions engine (test/replay-harness.ts). The activities are scripted: what is under test is the
// orchestration's decisions — the start asked for once and never waited on through its operation URL, the bounded
// checks on durable timers, the timeout, a failed start, and a cancel, which cannot undo a start and skips the deploy.
// The activities themselves run against the sim in test/e2e/start-cluster.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeployInput, DeployOutput } from '../../core/deploy-model';
import type { ActivityName } from '../activities';
import { deployOpenApiOrchestrator } from '../deploy.orchestrator';
import { ActivityHandler, replay } from './replay-harness';

const DIGEST = 'sha256:' + 'c'.repeat(64);
const IMAGE = `127.0.0.1:5001/elb-openapi@${DIGEST}`;
const OLD_IMAGE = `127.0.0.1:5001/elb-openapi@sha256:${'d'.repeat(64)}`;

const input: DeployInput = {
  target: 'local',
  reason: 'start_cluster',
  tag: null,
  digest: null,
  requester: 'tester',
  requestedAt: '2026-01-01T00:00:00.000Z',
  timings: {
    pollIntervalSeconds: 5,
    watchSeconds: 30,
    rolloutTimeoutSeconds: 600,
    externalIpTimeoutSeconds: 300,
    verifyTimeoutSeconds: 120,
    dependencyRetrySeconds: 30,
  },
};

const ok = (value: unknown) => ({ ok: true, value });
const never = (): never => {
  throw new Error('Start cluster never builds or rotates');
};
const START_TIMEOUT = 120;

type Overrides = Partial<Record<ActivityName, ActivityHandler>>;

/** A start that reads Starting `startingLooks` times (each look watching its full time), then Running. */
function scenario(overrides: Overrides = {}, startingLooks = 2): Record<ActivityName, ActivityHandler> {
  const base: Record<ActivityName, ActivityHandler> = {
    clusterStart: () =>
      ok({ detail: 'start requested: power Stopped, provisioning Starting', timeout_seconds: START_TIMEOUT }),
    clusterStartCheck: (i: { watchSeconds: number }, ctx) => {
      if (ctx.callIndex < startingLooks) {
        ctx.advance(i.watchSeconds);
        return ok({ state: 'starting', detail: 'power Stopped, provisioning Starting' });
      }
      return ok({ state: 'running', detail: 'running; its API answers' });
    },
    deployResolveImage: () =>
      ok({
        kind: 'kubeconfig',
        namespace: 'elb-openapi',
        tag: '3.4',
        digest: DIGEST,
        image: IMAGE,
        previous: { tag: '3.4', digest: 'sha256:' + 'd'.repeat(64), image: OLD_IMAGE },
        canRollBack: true,
      }),
    deploySetupWorkloadIdentity: never,
    deployApplyManifests: () =>
      ok({
        apply_output: 'deployment.apps/elb-openapi serverside-applied',
        image: IMAGE,
        generation: 3,
        template_hash: 'h',
      }),
    deployCheckRollout: () => ok({ state: 'ready', detail: '1/1 pods ready', ready_replicas: 1, desired_replicas: 1 }),
    deployCheckExternalIp: () => ok({ external_ip: '127.0.0.2', detail: 'address 127.0.0.2' }),
    deployVerifyService: () =>
      ok({ healthy: true, detail: 'healthz ok', api_version: '3.4.0', base_url: 'http://127.0.0.2:8080' }),
    deployInspectCluster: never,
    deployFinish: () => ({ follow_up_instance_id: null }),
    rotateTokenApply: never,
    rotateTokenCheck: never,
    buildSchedule: never,
    buildCheck: never,
    buildCancel: never,
  };
  return { ...base, ...overrides };
}

async function run(overrides: Overrides = {}, startingLooks = 2) {
  const r = await replay(deployOpenApiOrchestrator, input, scenario(overrides, startingLooks));
  // Pins the history of every path (docs/deploy.md, "Changing the orchestrator").
  const statuses = createHash('sha256').update(JSON.stringify(r.statuses)).digest('hex');
  expect({ trace: r.trace, statuses }).toMatchSnapshot('history');
  return { r, out: r.output as DeployOutput };
}

const phases = (out: DeployOutput) => Object.fromEntries(out.timeline.map((e) => [e.name, e.status]));
const detailOf = (out: DeployOutput, name: string) => out.timeline.find((e) => e.name === name)?.detail;
const names = (r: { calls: { name: string }[] }) => r.calls.map((c) => c.name);
/** The durable timers the orchestration set before the deploy phases began (the start's own waits). */
const startTimers = (r: { trace: string[][] }) => {
  const actions = r.trace.flat();
  const deployAt = actions.findIndex((a) => a.includes('deployResolveImage'));
  return actions.slice(0, deployAt < 0 ? undefined : deployAt).filter((a) => /timer \+/.test(a));
};

/** The scenario's `activity`, with a cancel raised at its first call (`when` as ScenarioContext.raise takes it). */
function cancelIn(activity: ActivityName, when?: 'after' | 'during' | 'with'): Overrides {
  return {
    [activity]: ((i, ctx) => {
      if (ctx.callIndex === 0) ctx.raise('cancel', { requester: 'tester' }, when);
      return scenario()[activity](i, ctx);
    }) as ActivityHandler,
  };
}

describe('Start cluster (starting_cluster, then the deploy phases)', () => {
  it('asks for the start once, waits on durable timers until the cluster runs, then deploys the desired image', async () => {
    const { r, out } = await run();
    expect(r.runtimeStatus).toBe('Completed');
    expect(out.status).toBe('succeeded');
    expect(out.reason).toBe('start_cluster');
    expect(out.openapi_deploy).toMatchObject({ status: 'deployed', image: IMAGE, digest: DIGEST });
    expect(out.timeline.map((e) => e.name)[0]).toBe('starting_cluster');
    expect(phases(out)).toMatchObject({
      starting_cluster: 'done',
      resolving_image: 'done',
      applying_manifests: 'done',
      verifying_service: 'done',
    });
    expect(detailOf(out, 'starting_cluster')).toBe('the cluster runs and its API answers');
    expect(names(r)).toEqual([
      'clusterStart',
      'clusterStartCheck',
      'clusterStartCheck',
      'clusterStartCheck',
      'deployResolveImage',
      'deployApplyManifests',
      'deployCheckRollout',
      'deployCheckExternalIp',
      'deployVerifyService',
      'deployFinish',
    ]);
    // The deploy converges on the desired tag: no tag or digest of its own.
    expect(r.calls.find((c) => c.name === 'deployResolveImage')!.input).toMatchObject({ tag: null, digest: null });
    // Between two looks a durable timer of the poll interval (5 s), never a wait inside an activity.
    expect(startTimers(r)).toHaveLength(2);
    // The checks watch at most the watch time, and the phase published while it ran.
    for (const c of r.calls.filter((c) => c.name === 'clusterStartCheck'))
      expect((c.input as { watchSeconds: number }).watchSeconds).toBeLessThanOrEqual(30);
    expect(r.statuses.map((s) => (s as { phase: string }).phase)).toContain('starting_cluster');
  });

  it('an already running cluster at the first look goes straight to the deploy (zero delay)', async () => {
    const { r, out } = await run({}, 0);
    expect(out.status).toBe('succeeded');
    expect(names(r).slice(0, 3)).toEqual(['clusterStart', 'clusterStartCheck', 'deployResolveImage']);
    expect(startTimers(r)).toEqual([]);
  });

  it('fails with cluster_start_timeout when the cluster does not run in time, and deploys nothing', async () => {
    const { r, out } = await run({}, 1000);
    expect(out.status).toBe('failed');
    expect(out.error).toMatchObject({ code: 'cluster_start_timeout' });
    expect(out.error!.message).toContain(`${START_TIMEOUT}s`);
    expect(phases(out).starting_cluster).toBe('failed');
    expect(names(r)).not.toContain('deployResolveImage');
    expect(names(r)).not.toContain('deployApplyManifests');
    expect(out.cluster_state).toBe('unchanged: nothing was applied');
    // Bounded: it gave up at the timeout (plus at most one poll), not later.
    expect(out.elapsed_seconds).toBeGreaterThanOrEqual(START_TIMEOUT);
    expect(out.elapsed_seconds).toBeLessThanOrEqual(START_TIMEOUT + 5);
  });

  it('a start Azure reports Failed ends the operation with cluster_start_failed and its diagnostics', async () => {
    const failed = {
      state: 'failed',
      detail: 'the cluster did not start (power Stopped, provisioning Failed)',
      error: {
        code: 'cluster_start_failed',
        message: 'the cluster did not start (power Stopped, provisioning Failed)',
        diagnostics: { likely_cause: 'quota', what_to_do: 'look' },
      },
    };
    const { r, out } = await run({ clusterStartCheck: () => ok(failed) });
    expect(out.status).toBe('failed');
    expect(out.error).toMatchObject({ code: 'cluster_start_failed', diagnostics: { likely_cause: 'quota' } });
    expect(names(r)).toEqual(['clusterStart', 'clusterStartCheck', 'deployFinish']);
  });

  it('a refused start request (the role, or ARM down) fails at once with its code; nothing is waited on', async () => {
    const refused = {
      ok: false,
      error: { code: 'cluster_forbidden', message: 'not allowed to start cluster x (HTTP 403)' },
    };
    const { r, out } = await run({ clusterStart: () => refused });
    expect(out.status).toBe('failed');
    expect(out.error).toMatchObject({ code: 'cluster_forbidden' });
    expect(names(r)).toEqual(['clusterStart', 'deployFinish']);
  });

  it('a cancel while the start is requested lets the request finish, then stops: the start cannot be undone', async () => {
    const { r, out } = await run(cancelIn('clusterStart', 'during'));
    expect(out.status).toBe('cancelled');
    expect(out.cancel_requested).toBe(true);
    expect(names(r)).toEqual(['clusterStart', 'deployFinish']);
    expect(phases(out).starting_cluster).toBe('failed');
    expect(detailOf(out, 'starting_cluster')).toMatch(/cannot be undone/);
    expect(out.error).toMatchObject({ code: 'cancelled' });
    // The deploy phases are skipped: nothing applied, nothing rolled back.
    expect(out.rollback).toBeNull();
    expect(out.cluster_state).toBe('unchanged: nothing was applied');
  });

  it('a cancel during the wait abandons the look at once and skips the deploy phases', async () => {
    const { r, out } = await run(cancelIn('clusterStartCheck', 'during'));
    expect(out.status).toBe('cancelled');
    expect(names(r)).toEqual(['clusterStart', 'clusterStartCheck', 'deployFinish']);
    expect(detailOf(out, 'starting_cluster')).toMatch(/cannot be undone: the cluster keeps starting/);
    expect(phases(out)).toMatchObject({ starting_cluster: 'failed', resolving_image: 'pending' });
  });

  it('a cancel between two looks ends the timer and stops (no further look)', async () => {
    const { r, out } = await run(cancelIn('clusterStartCheck', 'after'));
    expect(out.status).toBe('cancelled');
    expect(names(r).filter((n) => n === 'clusterStartCheck')).toHaveLength(1);
    expect(names(r)).not.toContain('deployResolveImage');
  });
});
