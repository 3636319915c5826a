// Replay tests of the deploy orchestration through the real durable-functions engine (see test/replay-harness.ts).
// The activities are scripted per scenario: the orchestration's decisions are what is under test here; the
// activities themselves are tested against the sim, Azurite and the exec server.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeployInput, DeployOutput } from '../../core/deploy-model';
import type { ActivityName } from '../activities';
import { deployOpenApiOrchestrator } from '../deploy.orchestrator';
import { ActivityHandler, TEST_REQUEST, replay, ReplayResult } from './replay-harness';

const DIGEST = 'sha256:' + 'a'.repeat(64);
const OLD_DIGEST = 'sha256:' + 'b'.repeat(64);
const IMAGE = `127.0.0.1:5001/elb-openapi@${DIGEST}`;
const OLD_IMAGE = `127.0.0.1:5001/elb-openapi@${OLD_DIGEST}`;

const input: DeployInput = {
  target: 'local',
  reason: 'update',
  tag: null,
  digest: null,
  ...TEST_REQUEST,
};

const ok = (value: unknown) => ({ ok: true, value });

const notInADeploy = (): never => {
  throw new Error('a deploy of an existing image never calls the rotation or build activities');
};

type Overrides = Partial<Record<ActivityName, ActivityHandler>>;
interface ScenarioOptions {
  kind?: 'aks' | 'kubeconfig';
  canRollBack?: boolean;
}

function scenario(overrides: Overrides = {}, opts: ScenarioOptions = {}) {
  const base: Record<ActivityName, ActivityHandler> = {
    deployResolveImage: () =>
      ok({
        kind: opts.kind ?? 'kubeconfig',
        namespace: 'elb-openapi',
        tag: '3.4',
        digest: DIGEST,
        image: IMAGE,
        previous: opts.canRollBack === false ? null : { tag: '3.3', digest: OLD_DIGEST, image: OLD_IMAGE },
        canRollBack: opts.canRollBack ?? true,
      }),
    deploySetupWorkloadIdentity: () =>
      ok({
        status: 'configured',
        identity_name: 'id-elb-openapi-x',
        client_id: '11111111-1111-1111-1111-111111111111',
      }),
    deployApplyManifests: (i: { mode: string }) =>
      ok({
        apply_output: 'deployment.apps/elb-openapi serverside-applied',
        image: i.mode === 'rollback' ? OLD_IMAGE : IMAGE,
        generation: 2,
        template_hash: 'h',
      }),
    deployCheckRollout: () => ready(),
    deployCheckExternalIp: () => ok({ external_ip: '127.0.0.2', detail: 'address 127.0.0.2' }),
    deployVerifyService: () =>
      ok({
        healthy: true,
        detail: 'healthz ok, openapi 3.4.0',
        api_version: '3.4.0',
        base_url: 'http://127.0.0.2:8080',
      }),
    deployInspectCluster: () => ok({ deployment_image: IMAGE, pod_images: [IMAGE, OLD_IMAGE], ready_replicas: 1 }),
    deployFinish: () => ({ follow_up_instance_id: null }),
    rotateTokenApply: notInADeploy,
    rotateTokenCheck: notInADeploy,
    buildSchedule: notInADeploy,
    buildCheck: notInADeploy,
    buildCancel: notInADeploy,
    clusterStart: notInADeploy,
    clusterStartCheck: notInADeploy,
  };
  return { ...base, ...overrides } as Record<ActivityName, ActivityHandler>;
}

function phases(output: DeployOutput) {
  return Object.fromEntries(output.timeline.map((e) => [e.name, e.status]));
}

/**
 * Appends a path's recorded history to `file` (JSON lines), for the in-flight fixture of in-flight.test.ts: run
 * this file with ELB_RECORD_IN_FLIGHT=<file> on the version that is deployed, before changing the orchestrator.
 */
function recordInFlight(file: string, deployInput: DeployInput, r: ReplayResult) {
  const path = expect.getState().currentTestName ?? 'unnamed';
  appendFileSync(file, JSON.stringify({ path, input: deployInput, history: r.history, trace: r.trace }) + '\n');
}

/** Replays the orchestration (on `input` unless given) with the scenario's activities, `overrides` replacing some. */
async function run(overrides: Overrides = {}, opts: ScenarioOptions & { input?: DeployInput } = {}) {
  const r = await replay(deployOpenApiOrchestrator, opts.input ?? input, scenario(overrides, opts));
  if (process.env.ELB_RECORD_IN_FLIGHT) recordInFlight(process.env.ELB_RECORD_IN_FLIGHT, opts.input ?? input, r);
  // Pins the history on every path (docs/deploy.md, "Changing the orchestrator"): a deploy in flight during an
  // upgrade replays only if the new code makes the same decisions from the same history. The output is in the
  // finish activity's input; the published statuses (not history, but what the dashboard shows) as a digest.
  const statuses = createHash('sha256').update(JSON.stringify(r.statuses)).digest('hex');
  expect({ trace: r.trace, statuses }).toMatchSnapshot('history');
  return { r, out: r.output as DeployOutput };
}

/**
 * The scenario's own `activity`, raising a cancel first (`data` and `when` as `ScenarioContext.raise` takes them) —
 * at every call, or at those whose input `onlyIf` picks.
 */
function cancelIn(
  activity: ActivityName,
  when?: 'after' | 'during' | 'with',
  data?: unknown,
  onlyIf: (activityInput: Parameters<ActivityHandler>[0]) => boolean = () => true,
): Overrides {
  const handler: ActivityHandler = (i, ctx) => {
    if (onlyIf(i)) ctx.raise('cancel', data, when);
    return scenario()[activity](i, ctx);
  };
  return { [activity]: handler };
}
const deployApplyOnly = (i: { mode: string }) => i.mode === 'deploy';

const ready = (detail = '1/1 pods ready') => ok({ state: 'ready', detail, ready_replicas: 1, desired_replicas: 1 });
const progressing = (detail: string) => ok({ state: 'progressing', detail });

type Calls = { calls: { name: string; input: unknown }[] };
/** The modes of the applies that ran, in order. */
const applyModes = (r: Calls) =>
  r.calls.filter((c) => c.name === 'deployApplyManifests').map((c) => (c.input as { mode: string }).mode);
/** The images whose rollout was checked, in order. */
const checkedImages = (r: Calls) =>
  r.calls.filter((c) => c.name === 'deployCheckRollout').map((c) => (c.input as { image: string }).image);

describe('deployOpenApi orchestration (replayed by durable-functions)', () => {
  it('deploys through every phase, skips workload identity for a kubeconfig target, and reports the seed shape', async () => {
    const { r, out } = await run();
    expect(r.runtimeStatus).toBe('Completed');
    expect(out.status).toBe('succeeded');
    expect(out.openapi_deploy).toMatchObject({
      status: 'deployed',
      image: IMAGE,
      digest: DIGEST,
      external_ip: '127.0.0.2',
      apply_output: 'deployment.apps/elb-openapi serverside-applied',
      api_version: '3.4.0',
    });
    expect(out.workload_identity).toMatchObject({ status: 'skipped' });
    expect(out.previous_image).toBe(OLD_IMAGE);
    expect(out.error).toBeNull();
    expect(typeof out.elapsed_seconds).toBe('number');
    expect(phases(out)).toEqual({
      resolving_image: 'done',
      setup_workload_identity: 'skipped',
      applying_manifests: 'done',
      waiting_for_rollout: 'done',
      waiting_for_external_ip: 'done',
      verifying_service: 'done',
    });
    expect(r.calls.map((c) => c.name)).toEqual([
      'deployResolveImage',
      'deployApplyManifests',
      'deployCheckRollout',
      'deployCheckExternalIp',
      'deployVerifyService',
      'deployFinish',
    ]);
    expect(r.calls[1]!.input).toMatchObject({ mode: 'deploy', image: IMAGE, workloadIdentityClientId: null });
    expect(r.customStatus).toMatchObject({ phase: 'completed', target: 'local', image: IMAGE });
    // The phases were published as they ran.
    const seen = r.statuses.map((s) => (s as { phase: string }).phase);
    expect(seen).toContain('waiting_for_rollout');
    expect(seen.at(-1)).toBe('completed');
  });

  it('sets up workload identity on an AKS target and passes its client id to the apply', async () => {
    const { r, out } = await run({}, { input: { ...input, target: 'prod' }, kind: 'aks' });
    expect(out.status).toBe('succeeded');
    expect(phases(out).setup_workload_identity).toBe('done');
    const apply = r.calls.find((c) => c.name === 'deployApplyManifests')!;
    expect(apply.input).toMatchObject({ workloadIdentityClientId: '11111111-1111-1111-1111-111111111111' });
  });

  it('fails fast with image_not_found and leaves the cluster untouched', async () => {
    const { r, out } = await run(
      {
        deployResolveImage: () => ({
          ok: false,
          error: { code: 'image_not_found', message: 'tag 9.9 is not in elb-openapi' },
        }),
      },
      { input: { ...input, tag: '9.9' } },
    );
    expect(out.status).toBe('failed');
    expect(out.error).toMatchObject({ code: 'image_not_found' });
    expect(out.cluster_state).toMatch(/unchanged/);
    expect(out.rollback).toBeNull();
    expect(r.calls.map((c) => c.name)).toEqual(['deployResolveImage', 'deployFinish']);
    expect(phases(out).resolving_image).toBe('failed');
    expect(phases(out).applying_manifests).toBe('pending');
  });

  for (const [code, reason] of [
    ['image_pull_failed', 'ImagePullBackOff'],
    ['crash_loop', 'CrashLoopBackOff'],
  ] as const) {
    it(`rolls back to the previous manifest on ${code} and verifies the rollback`, async () => {
      const { r, out } = await run({
        deployCheckRollout: (i: { image: string }) =>
          i.image === IMAGE
            ? ok({
                state: 'failed',
                detail: reason,
                error: {
                  code,
                  message: `pod x: ${reason}`,
                  diagnostics: { likely_cause: 'c', what_to_do: 'w', events: [] },
                },
              })
            : ready(),
      });
      expect(out.status).toBe('rolled_back');
      expect(out.error).toMatchObject({ code, diagnostics: { likely_cause: 'c', what_to_do: 'w' } });
      expect(out.rollback).toEqual({ status: 'succeeded', image: OLD_IMAGE });
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      expect(phases(out)).toMatchObject({
        waiting_for_rollout: 'failed',
        rolling_back: 'done',
        waiting_for_external_ip: 'pending',
      });
      expect(applyModes(r)).toEqual(['deploy', 'rollback']);
      expect(checkedImages(r)).toEqual([IMAGE, OLD_IMAGE]);
    });
  }

  it('reports a failed rollback with both errors', async () => {
    const { r, out } = await run({
      deployCheckRollout: () =>
        ok({ state: 'failed', detail: 'x', error: { code: 'crash_loop', message: 'crashing' } }),
    });
    expect(out.status).toBe('failed');
    expect(out.error?.code).toBe('crash_loop');
    expect(out.rollback).toMatchObject({ status: 'failed', image: OLD_IMAGE, error: { code: 'crash_loop' } });
    // Not "unknown": what the cluster runs is read back from it.
    expect(out.cluster_state).toBe(
      `runs ${IMAGE} (read back from the cluster; pods run ${IMAGE}, ${OLD_IMAGE}, 1 ready)`,
    );
    expect(r.calls.at(-2)!.name).toBe('deployInspectCluster');
  });

  it('says "unknown" only when a rollback did not verify and the cluster cannot be read at all', async () => {
    const { out } = await run({
      deployCheckRollout: () =>
        ok({ state: 'failed', detail: 'x', error: { code: 'crash_loop', message: 'crashing' } }),
      deployInspectCluster: () => ({
        ok: false,
        error: { code: 'cluster_unavailable', message: 'the cluster API did not answer for 30s' },
      }),
    });
    expect(out.status).toBe('failed');
    expect(out.cluster_state).toBe(
      'unknown: the cluster cannot be read (cluster_unavailable: the cluster API did not answer for 30s)',
    );
  });

  it('does not pretend to roll back a first install', async () => {
    const { r, out } = await run(
      {
        deployCheckRollout: () =>
          ok({ state: 'failed', detail: 'x', error: { code: 'image_pull_failed', message: 'pull' } }),
      },
      { input: { ...input, reason: 'install' }, canRollBack: false },
    );
    expect(out.status).toBe('failed');
    expect(out.rollback).toMatchObject({ status: 'skipped' });
    expect(r.calls.filter((c) => c.name === 'deployApplyManifests')).toHaveLength(1);
  });

  it('fails with external_ip_timeout when the LoadBalancer never gets an address, then rolls back', async () => {
    const { r, out } = await run({
      deployCheckExternalIp: (i: { watchSeconds: number }, ctx) => {
        ctx.advance(i.watchSeconds);
        return ok({ external_ip: null, detail: 'no ingress address yet' });
      },
    });
    expect(out.status).toBe('rolled_back');
    expect(out.error).toMatchObject({ code: 'external_ip_timeout' });
    expect(out.openapi_deploy.external_ip).toBeNull();
    expect(phases(out).waiting_for_external_ip).toBe('failed');
    // It waited for the configured timeout (300 s) and no longer.
    const checks = r.calls.filter((c) => c.name === 'deployCheckExternalIp');
    const last = checks.at(-1)!;
    expect(last.at).toBeLessThan(300);
    expect(checks.length).toBeGreaterThan(1);
  });

  it('honours cancel between waits during the rollout: ends cancelled and restores the previous image', async () => {
    const { r, out } = await run({
      deployCheckRollout: (i: { image: string; watchSeconds: number }, ctx) => {
        if (i.image === OLD_IMAGE) return ready('restored');
        ctx.advance(i.watchSeconds);
        if (ctx.callIndex === 1) ctx.raise('cancel', { requester: 'tester' });
        return progressing('0/1 replicas ready');
      },
    });
    expect(out.status).toBe('cancelled');
    expect(out.error?.code).toBe('cancelled');
    expect(out.rollback).toMatchObject({ status: 'succeeded', image: OLD_IMAGE });
    expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
    expect(r.customStatus).toMatchObject({ phase: 'cancelled', cancel_requested: true });
    // Exactly two checks of the new image ran: the cancel was seen at the next wait.
    expect(checkedImages(r).filter((image) => image === IMAGE)).toHaveLength(2);
  });

  it('cancel before the apply leaves the cluster unchanged', async () => {
    const { r, out } = await run(cancelIn('deployResolveImage'));
    expect(out.status).toBe('cancelled');
    expect(out.cluster_state).toMatch(/unchanged/);
    expect(r.calls.some((c) => c.name === 'deployApplyManifests')).toBe(false);
  });

  describe('cancel at every boundary (never succeeded with a cancel requested)', () => {
    it('during resolve: the resolve finishes (it writes the record), nothing is applied, cluster unchanged', async () => {
      const { r, out } = await run(cancelIn('deployResolveImage', 'during', { requester: 'tester' }));
      expect(out).toMatchObject({ status: 'cancelled', cancel_requested: true, rollback: null });
      expect(out.error).toEqual({ code: 'cancelled', message: 'cancelled on request during resolving the image' });
      expect(out.cluster_state).toBe('unchanged: nothing was applied');
      expect(applyModes(r)).toEqual([]);
      expect(phases(out)).toMatchObject({ resolving_image: 'done', applying_manifests: 'pending' });
    });

    it('arriving in the same batch as the resolve result: the checkpoint before the apply sees it', async () => {
      const { r, out } = await run(cancelIn('deployResolveImage', 'with', null));
      expect(out.status).toBe('cancelled');
      expect(out.cluster_state).toBe('unchanged: nothing was applied');
      expect(applyModes(r)).toEqual([]);
    });

    it('during the apply: the apply is finished first, then the previous deployment is restored and verified', async () => {
      const { r, out } = await run(cancelIn('deployApplyManifests', 'during', null, deployApplyOnly));
      expect(out).toMatchObject({ status: 'cancelled', rollback: { status: 'succeeded', image: OLD_IMAGE } });
      expect(out.error!.message).toBe('cancelled on request during the apply');
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      expect(applyModes(r)).toEqual(['deploy', 'rollback']);
      // No rollout check of the new image ran: the cancel was honoured right after the apply.
      const checked = r.calls.filter((c) => c.name === 'deployCheckRollout').map((c) => c.input);
      expect(checked).toEqual([expect.objectContaining({ image: OLD_IMAGE })]);
      expect(phases(out)).toMatchObject({ applying_manifests: 'done', rolling_back: 'done' });
    });

    it('right after the apply (same batch as its result): restored, no check of the new image', async () => {
      const { r, out } = await run(cancelIn('deployApplyManifests', 'with', null, deployApplyOnly));
      expect(out.status).toBe('cancelled');
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      // The abandoned race is visible as at most one check of the new image, never a success.
      expect(checkedImages(r).filter((image) => image === IMAGE).length).toBeLessThanOrEqual(1);
    });

    it('during a rollout that is Ready at once: never succeeded, restored', async () => {
      const { r, out } = await run({
        deployCheckRollout: (i: { image: string }, ctx) => {
          if (i.image === IMAGE) ctx.raise('cancel', null, 'with');
          return ready();
        },
      });
      expect(out.status).toBe('cancelled');
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      expect(r.calls.some((c) => c.name === 'deployVerifyService')).toBe(false);
    });

    it('inside a long bounded watch: the check is abandoned at once, not waited out', async () => {
      const { out } = await run({
        deployCheckRollout: (i: { image: string; watchSeconds: number }, ctx) => {
          if (i.image === OLD_IMAGE) return ready('restored');
          ctx.raise('cancel', null, 'during');
          ctx.advance(i.watchSeconds);
          return progressing('0/1 replicas ready');
        },
      });
      expect(out.status).toBe('cancelled');
      expect(out.error!.message).toBe('cancelled on request during the rollout');
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      expect(phases(out)).toMatchObject({ waiting_for_rollout: 'failed', rolling_back: 'done' });
    });

    it('while waiting for an address that never comes: cancelled within one poll interval, restored', async () => {
      let cancelAt = -1;
      const { r, out } = await run({
        deployCheckExternalIp: (i: { watchSeconds: number }, ctx) => {
          ctx.advance(Math.min(i.watchSeconds, 2));
          if (ctx.callIndex === 2) {
            cancelAt = ctx.elapsedSeconds;
            ctx.raise('cancel', null, 'after');
          }
          return ok({ external_ip: null, detail: 'the LoadBalancer has no address yet' });
        },
      });
      expect(out.status).toBe('cancelled');
      expect(out.error!.message).toBe('cancelled on request during the wait for a LoadBalancer address');
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      const rollbackApply = r.calls.find(
        (c) => c.name === 'deployApplyManifests' && (c.input as { mode: string }).mode === 'rollback',
      )!;
      expect(rollbackApply.at - cancelAt).toBeLessThanOrEqual(input.timings.pollIntervalSeconds + 2);
      expect(r.calls.filter((c) => c.name === 'deployCheckExternalIp')).toHaveLength(3);
    });

    it('with the verify result: the deploy ends cancelled and restored, not succeeded', async () => {
      const { out } = await run({
        deployVerifyService: (_i, ctx) => {
          ctx.raise('cancel', null, 'with');
          return ok({ healthy: true, detail: 'ok', api_version: '3.4.0', base_url: 'http://127.0.0.2:8080' });
        },
      });
      expect(out).toMatchObject({ status: 'cancelled', cancel_requested: true });
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
      expect(phases(out).verifying_service).toBe('done');
    });

    it('a first install cancelled after the apply is left as applied (documented choice)', async () => {
      const { r, out } = await run(cancelIn('deployApplyManifests', 'during', null), {
        input: { ...input, reason: 'install' },
        canRollBack: false,
      });
      expect(out).toMatchObject({ status: 'cancelled', rollback: { status: 'skipped' } });
      expect(out.cluster_state).toBe(`left as applied (${IMAGE}); the service is not verified`);
      expect(applyModes(r)).toEqual(['deploy']);
    });

    it('a cancel does not interrupt the rollback it started: the rollback waits until the restore is Ready', async () => {
      const { r, out } = await run({
        deployCheckRollout: (i: { image: string }, ctx) => {
          if (i.image === IMAGE) {
            ctx.raise('cancel', null, 'during');
            return progressing('0/1');
          }
          return ctx.callIndex < 3 ? progressing('restoring') : ready('restored');
        },
      });
      expect(out).toMatchObject({ status: 'cancelled', rollback: { status: 'succeeded', image: OLD_IMAGE } });
      expect(r.calls.filter((c) => c.name === 'deployCheckRollout')).toHaveLength(4);
    });
  });

  describe('honest cluster state', () => {
    it('an apply the exec server certainly did not run: unchanged, no rollback attempted', async () => {
      const { r, out } = await run({
        deployApplyManifests: () => ({
          ok: false,
          error: { code: 'exec_unavailable', message: 'exec server: unreachable: ECONNREFUSED', not_applied: true },
        }),
      });
      expect(out).toMatchObject({ status: 'failed', rollback: null, error: { code: 'exec_unavailable' } });
      expect(out.cluster_state).toBe('unchanged: the exec server did not run the apply');
      expect(r.calls.filter((c) => c.name === 'deployApplyManifests')).toHaveLength(1);
    });

    it('an apply that may have run (connection lost mid-request) is rolled back', async () => {
      const { out } = await run({
        deployApplyManifests: (i: { mode: string }, ctx) =>
          i.mode === 'deploy'
            ? { ok: false, error: { code: 'exec_unavailable', message: 'exec server: the connection broke' } }
            : scenario().deployApplyManifests!(i, ctx),
      });
      expect(out).toMatchObject({ status: 'rolled_back', rollback: { status: 'succeeded' } });
      expect(out.cluster_state).toBe(`restored to ${OLD_IMAGE}`);
    });

    it('a cluster that stops answering during the rollout fails the phase with cluster_unavailable', async () => {
      const { r, out } = await run({
        deployCheckRollout: (i: { image: string; retrySeconds: number }, ctx) => {
          ctx.advance(i.retrySeconds);
          return {
            ok: false,
            error: { code: 'cluster_unavailable', message: 'the cluster API did not answer for 30s' },
          };
        },
        deployInspectCluster: () => ({ ok: false, error: { code: 'cluster_unavailable', message: 'down' } }),
      });
      expect(out.error).toMatchObject({ code: 'cluster_unavailable' });
      expect(out.status).toBe('failed');
      expect(out.cluster_state).toMatch(/^unknown: the cluster cannot be read/);
      const first = r.calls.find((c) => c.name === 'deployCheckRollout')!;
      expect(first.input).toMatchObject({ retrySeconds: 30 });
      // Bounded by the retry setting, not the 600 s rollout timeout.
      expect(out.elapsed_seconds).toBeLessThan(100);
    });
  });

  it('turns an unexpected activity fault into internal_error without a stack trace', async () => {
    const { out } = await run({
      deployApplyManifests: (i: { mode: string }, ctx) => {
        if (i.mode === 'deploy') throw new Error('exec server at http://127.0.0.1:7682 is unreachable: ECONNREFUSED');
        return scenario().deployApplyManifests!(i, ctx);
      },
    });
    expect(out.status).toBe('rolled_back');
    expect(out.error).toEqual({
      code: 'internal_error',
      message: 'exec server at http://127.0.0.1:7682 is unreachable: ECONNREFUSED',
    });
    expect(JSON.stringify(out)).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('keeps the history bounded: a 10-minute rollout adds at most ~60 history events', async () => {
    let rolloutEvents = { start: 0, end: 0 };
    const { r, out } = await run(
      {
        deployCheckRollout: (i: { watchSeconds: number }, ctx) => {
          if (ctx.elapsedSeconds >= 600) return ready('ready');
          ctx.advance(i.watchSeconds);
          return progressing('rolling');
        },
      },
      { input: { ...input, timings: { ...input.timings, rolloutTimeoutSeconds: 1800 } } },
    );
    expect(out.status).toBe('succeeded');
    const scheduledIdx = r.history
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => e.EventType === 4 && e.Name === 'deployCheckRollout');
    rolloutEvents = { start: scheduledIdx[0]!.i, end: scheduledIdx.at(-1)!.i };
    const added = rolloutEvents.end - rolloutEvents.start;
    expect(scheduledIdx.length).toBeGreaterThanOrEqual(7);
    expect(added).toBeLessThanOrEqual(60);
  });
});

describe('Rebuild & Deploy: the building_image prelude (replayed)', () => {
  const rebuild: DeployInput = { ...input, reason: 'rebuild', tag: '3.4' };
  const BUILT = 'sha256:' + 'c'.repeat(64);
  const scheduled = () => ok({ run_id: 'ca7', image: 'elb-openapi:3.4', tag: '3.4', timeout_seconds: 600 });
  const built = () => ok({ state: 'succeeded', status: 'Succeeded', detail: 'run ca7 Succeeded', digest: BUILT });
  const builds = (overrides: Overrides = {}): Overrides => ({
    buildSchedule: scheduled,
    buildCheck: built,
    buildCancel: () => ok({ cancelled: true }),
    ...overrides,
  });

  it('builds, then resolves and deploys exactly the digest the run pushed', async () => {
    const { r, out } = await run(builds(), { input: rebuild });
    expect(out.status).toBe('succeeded');
    expect(r.calls.map((c) => c.name).slice(0, 3)).toEqual(['buildSchedule', 'buildCheck', 'deployResolveImage']);
    expect(r.calls[2]!.input).toMatchObject({ tag: '3.4', digest: BUILT, reason: 'rebuild' });
    expect(out.build).toEqual({ run_id: 'ca7', status: 'Succeeded', digest: BUILT });
    expect(phases(out).building_image).toBe('done');
    expect(out.timeline[0]).toMatchObject({ name: 'building_image', detail: `run ca7 built ${BUILT.slice(0, 19)}` });
  });

  it('a failed run ends failed with its error; nothing is applied and the run is not cancelled', async () => {
    const failed = ok({
      state: 'failed',
      status: 'Failed',
      detail: 'run ca7 Failed',
      error: { code: 'build_failed', message: 'ACR Tasks run ca7 ended Failed: COPY failed' },
    });
    const { r, out } = await run(builds({ buildCheck: () => failed }), { input: rebuild });
    expect(out).toMatchObject({ status: 'failed', error: { code: 'build_failed' }, rollback: null });
    expect(out.cluster_state).toMatch(/^unchanged/);
    expect(r.calls.map((c) => c.name)).toEqual(['buildSchedule', 'buildCheck', 'deployFinish']);
    expect(out.build).toMatchObject({ status: 'Failed', digest: null });
  });

  it('a registry that cannot be read fails the phase with registry_unavailable and still tries to cancel the run', async () => {
    const unreadable = () => ({
      ok: false,
      error: { code: 'registry_unavailable', message: "the registry's run ca7 could not be read for 30s" },
    });
    const { r, out } = await run(builds({ buildCheck: unreadable }), { input: rebuild });
    expect(out).toMatchObject({ status: 'failed', error: { code: 'registry_unavailable' }, rollback: null });
    expect(out.cluster_state).toMatch(/^unchanged/);
    // Whether the run still builds is unknown: its last known status stays, and a cancel is tried.
    expect(out.build).toMatchObject({ status: 'Queued', digest: null });
    expect(r.calls.map((c) => c.name)).toEqual(['buildSchedule', 'buildCheck', 'buildCancel', 'deployFinish']);
    expect(r.calls.find((c) => c.name === 'buildCheck')!.input).toMatchObject({ retrySeconds: expect.any(Number) });
  });

  it('a run the registry never ends times out as build_timeout and is cancelled in the registry', async () => {
    const running = (i: { watchSeconds: number }, ctx: { advance(s: number): void }) => {
      ctx.advance(i.watchSeconds);
      return ok({ state: 'running', status: 'Running', detail: 'run ca7 Running' });
    };
    const { r, out } = await run(builds({ buildCheck: running }), { input: rebuild });
    expect(out).toMatchObject({ status: 'failed', error: { code: 'build_timeout' }, build: { status: 'Timeout' } });
    expect(out.error!.message).toMatch(/did not end within 660s/);
    expect(r.calls.map((c) => c.name).slice(-2)).toEqual(['buildCancel', 'deployFinish']);
  });

  it('a cancel during the build cancels the run in the registry and ends cancelled, cluster untouched', async () => {
    const { r, out } = await run(
      builds({
        buildCheck: (i: { watchSeconds: number }, ctx) => {
          ctx.advance(i.watchSeconds);
          ctx.raise('cancel', { requester: 'tester' });
          return ok({ state: 'running', status: 'Running', detail: 'run ca7 Running' });
        },
      }),
      { input: rebuild },
    );
    expect(out).toMatchObject({ status: 'cancelled', build: { status: 'Canceled' }, rollback: null });
    expect(r.calls.map((c) => c.name)).toEqual(['buildSchedule', 'buildCheck', 'buildCancel', 'deployFinish']);
  });

  it('a cancel while the build is being queued: the run, once queued, is cancelled', async () => {
    const { r, out } = await run(
      builds({
        buildSchedule: (_i, ctx) => {
          ctx.raise('cancel', null, 'during');
          return scheduled();
        },
      }),
      { input: rebuild },
    );
    expect(out.status).toBe('cancelled');
    expect(r.calls.map((c) => c.name)).toEqual(['buildSchedule', 'buildCancel', 'deployFinish']);
  });
});
