// A dependency that is down, before and during a deploy, on the real local stack (test/support/parts.ts; zero-delay
// sim): the exec server down before a deploy (refused by the preflight, nothing recorded), killed during the apply
// (back within the retry bound, or not), and the sim (the cluster) killed during a rollout wait. Each case asserts
// the recorded outcome and cluster_state, what the cluster runs, the elapsed-time bound and what the summary says.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { jsonApi } from '../support/json-api';
import { addSimFault, clearSimFaults, FAST_DEPLOY_ENV, pushImage } from '../support/local-target';
import { startParts, type PartsStack } from '../support/parts';
import { eventually } from '../support/stack';

const RETRY_SECONDS = 5;

type Output = z.output<typeof contract.DeployOutput>;

let stack: PartsStack;
let good = '';

const { request: api, post } = jsonApi(() => stack.apiUrl);
const summary = async () => (await api('/targets/local/openapi', contract.TargetSummary)).body;
const historyLength = async () =>
  (await api('/targets/local/openapi/deployments', contract.DeploymentList)).body.length;
const phase = async (id: string) =>
  (await api(`/targets/local/openapi/deployments/${id}`, contract.DeployStatus)).body.custom_status.phase;

async function finished(id: string, timeoutMs = 60_000): Promise<Output> {
  return eventually(
    async () => {
      const { body } = await api(`/targets/local/openapi/deployments/${id}`, contract.DeployStatus);
      const idle = (await api('/targets/local/openapi/activity', contract.TargetActivity)).body.active_deploy;
      return body.output && idle === null ? body.output : undefined;
    },
    `deploy ${id} to end`,
    timeoutMs,
    100,
  );
}

function clusterImage(): string {
  const d = JSON.parse(
    execFileSync(
      'kubectl',
      ['--kubeconfig', stack.kubeconfig, '-n', 'elb-openapi', 'get', 'deployment/elb-openapi', '-o', 'json'],
      { encoding: 'utf8' },
    ),
  ) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  return d.spec.template.spec.containers[0]!.image;
}

const pushNewBuild = async () => (await pushImage(stack, '--no-event')).digest;
const fault = (body: object) => addSimFault(stack, body);
const clearFaults = () => clearSimFaults(stack);

/**
 * Starts an update of a new build, makes every cluster request `latencyMs` late once it has started, and resolves
 * with its id once it has reached `until`.
 */
async function startSlowedUpdate(latencyMs: number, until: string): Promise<string> {
  await pushNewBuild();
  const started = await post('/targets/local/openapi/deployments', contract.DeployAccepted, { reason: 'update' });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await fault({ type: 'api_latency', ms: latencyMs });
  const id = started.body.id;
  await eventually(async () => ((await phase(id)) === until ? true : undefined), `the ${until} phase`, 30_000, 50);
  return id;
}

/**
 * Starts an update whose apply is slow (every cluster request 2 s late), kills the exec server (kill -9) inside the
 * apply, then makes the cluster fast again. Resolves with the deploy's id and when the exec server died.
 */
async function killExecDuringApply(): Promise<{ id: string; killedAt: number }> {
  // Late only after the preflight (a 2 s-late API server would fail its 2 s probe), before the apply reaches the
  // cluster.
  const id = await startSlowedUpdate(2000, 'applying_manifests');
  // The apply first reads the service token (one 2 s-late request), then sends the apply to the exec server,
  // whose kubectl then waits on the slow API for several seconds: kill it in there.
  await new Promise((ok) => setTimeout(ok, 3500));
  const killedAt = Date.now();
  await stack.kill('terminal-exec');
  await clearFaults();
  return { id, killedAt };
}

beforeAll(async () => {
  stack = await startParts({
    sim: { readyDelayMs: 0, lbDelayMs: 0 },
    env: {
      ...FAST_DEPLOY_ENV,
      ELB_DEPENDENCY_RETRY_SECONDS: String(RETRY_SECONDS),
    },
  });
  const install = await post('/targets/local/openapi/deployments', contract.DeployAccepted);
  expect(install.status, JSON.stringify(install.body)).toBe(202);
  expect((await finished(install.body.id)).status).toBe('succeeded');
  good = clusterImage();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a dependency down before or during a deploy', () => {
  it('exec server down before a deploy: named with its start command, the deploy refused with 503, nothing recorded', async () => {
    await stack.kill('terminal-exec');
    try {
      const s = await summary();
      expect(s.dependencies).toEqual([
        {
          part: 'exec',
          code: 'exec_unavailable',
          message: expect.stringMatching(/^the exec server does not answer \(ECONNREFUSED\)$/),
          hint: 'scripts/dev/local-run.sh terminal-exec',
        },
      ]);
      const before = await historyLength();
      const t0 = Date.now();
      const refused = await post('/targets/local/openapi/deployments', contract.ErrorBody, {
        reason: 'update',
      });
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({
        code: 'exec_unavailable',
        part: 'exec',
        hint: 'scripts/dev/local-run.sh terminal-exec',
      });
      expect(refused.body.message).not.toMatch(/https?:\/\/|token/i);
      // Nothing recorded, no lease taken.
      expect(await historyLength()).toBe(before);
      const feed = (await api('/targets/local/openapi/activity', contract.TargetActivity)).body;
      expect(feed.active_deploy).toBeNull();
    } finally {
      await stack.start('terminal-exec');
    }
    await eventually(async () => ((await summary()).dependencies.length === 0 ? true : undefined), 'exec back', 10_000);
  }, 60_000);

  it('exec server killed during the apply and back within the retry bound: the rollback waits for it and restores', async () => {
    const { id, killedAt } = await killExecDuringApply();
    // Back 2 s later, within ELB_DEPENDENCY_RETRY_SECONDS: the rollback's apply is retried until it answers.
    await new Promise((ok) => setTimeout(ok, 2000));
    await stack.start('terminal-exec');
    const out = await finished(id);
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    expect(out.error?.code).toBe('exec_unavailable');
    expect(out).toMatchObject({ status: 'rolled_back', rollback: { status: 'succeeded', image: good } });
    expect(out.cluster_state).toBe(`restored to ${good}`);
    expect(clusterImage()).toBe(good);
    // An outage is not the image's fault: its digest is not marked failed.
    expect((await summary()).failed_digests.map((f) => f.digest)).not.toContain(out.openapi_deploy.digest);
  }, 60_000);

  it('exec server killed during the apply and not back: the rollback gives up after the bound, the state is read back', async () => {
    const { id, killedAt } = await killExecDuringApply();
    try {
      const out = await finished(id);
      const took = Date.now() - killedAt;
      // The retry bound (5 s) for the rollback's apply, plus the reads: seconds, not minutes.
      expect(took).toBeLessThan(20_000);
      expect(took).toBeGreaterThanOrEqual(RETRY_SECONDS * 1000);
      expect(out).toMatchObject({ status: 'failed', error: { code: 'exec_unavailable' } });
      expect(out.rollback).toMatchObject({ status: 'failed', error: { code: 'exec_unavailable' } });
      // Not "unknown": the cluster can be read, so the record says what it runs.
      const live = clusterImage();
      expect(out.cluster_state).toMatch(/^runs \S+ \(read back from the cluster; pods run /);
      expect(out.cluster_state.startsWith(`runs ${live} (read back`)).toBe(true);
    } finally {
      await stack.start('terminal-exec');
    }
  }, 60_000);

  it('the sim killed during a rollout wait: cluster_unavailable within the retry bound, not the 600 s rollout timeout', async () => {
    // Slow cluster reads keep the deploy in its rollout check when the cluster goes away.
    const id = await startSlowedUpdate(700, 'waiting_for_rollout');
    await clearFaults();
    const killedAt = Date.now();
    await stack.kill('sim');
    try {
      const out = await finished(id);
      const took = Date.now() - killedAt;
      // Check (5 s), rollback apply (5 s), read-back (5 s), with slack for a busy machine.
      expect(took).toBeLessThan(35_000);
      expect(out.status).toBe('failed');
      expect(out.error?.code).toBe('cluster_unavailable');
      // The cluster cannot be read at all: only then "unknown".
      expect(out.cluster_state).toMatch(/^unknown: the cluster cannot be read \(cluster_unavailable: /);

      const t0 = Date.now();
      // Before the user clicks: the summary names the cluster (and the registry, the same sim) with its command.
      const s = await summary();
      expect(s.service.error_code).toBe('cluster_unavailable');
      expect(s.dependencies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            part: 'cluster',
            code: 'cluster_unavailable',
            hint: 'scripts/dev/local-run.sh sim',
          }),
        ]),
      );
      const refused = await post('/targets/local/openapi/deployments', contract.ErrorBody, { reason: 'update' });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'cluster_unavailable', part: 'cluster' });
      // Both answered in seconds although the cluster and the registry are gone.
      expect(Date.now() - t0).toBeLessThan(6000);
    } finally {
      await stack.start('sim');
    }
    await eventually(
      async () => ((await summary()).dependencies.length === 0 ? true : undefined),
      'the sim back',
      20_000,
    );
  }, 90_000);
});
