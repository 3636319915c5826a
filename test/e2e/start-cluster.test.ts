// A stopped cluster, end to end on the real local stack: the `local` target reaches the sim's AKS API server and
// declares that cluster, the app reads its power state through the REAL @azure/arm-containerservice and
// DefaultAzureCredential against the sim's Resource Manager (TLS with the sim CA, managed-identity tokens). A stop
// (as a person types it: local-run.sh cluster stop) reads Stopped within seconds, deploys and token rotations are
// refused 409 cluster_stopped with nothing recorded, and Start cluster starts it and converges the service, with a
// history record of reason start_cluster.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { launchBrowser, screenshot } from '../../web/test/browser/harness';
import { jsonApi } from '../support/json-api';
import { localSummary, pushImage, startFastStack, waitForIdle } from '../support/local-target';
import { eventually, type Stack } from '../support/stack';

const CLUSTER_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerService/managedClusters/aks-elb-sim';
const REGISTRY_PREFIX =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerRegistry/registries/elbsim';

let stack: Stack;
let pushed = '';
const api = jsonApi(() => stack.apiUrl);
const ErrorBody = z.looseObject({ code: z.string(), message: z.string() });

type DeployStatus = z.output<typeof contract.DeployStatus>;

async function history() {
  return api.ok('/targets/local/openapi/deployments', contract.DeploymentList);
}

async function follow(id: string, seen: Set<string>): Promise<DeployStatus> {
  return eventually(
    async () => {
      const { body } = await api.request(`/targets/local/openapi/deployments/${id}`, contract.DeployStatus);
      if (body.custom_status?.phase) seen.add(body.custom_status.phase);
      return ['Completed', 'Failed', 'Terminated'].includes(body.runtime_status) ? body : undefined;
    },
    `operation ${id} to end`,
    60_000,
    100,
  );
}

function aksKubectl(...args: string[]): string {
  const kubeconfig = join(stack.localDir, 'sim', 'aks-kubeconfig');
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=5s', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

beforeAll(async () => {
  stack = await startFastStack({ ELB_EXTERNAL_IP_TIMEOUT_SECONDS: '30', ELB_CLUSTER_START_TIMEOUT_SECONDS: '60' });
  const res = await api.post('/targets/local/openapi/deployments', contract.DeployAccepted);
  expect(res.status).toBe(202);
  const end = await follow(res.body.id, new Set());
  expect(end.runtime_status).toBe('Completed');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a stopped cluster (local target on the sim AKS API server)', () => {
  it('reads the power state through Resource Manager: Running, and no dependency problem', async () => {
    const s = await waitForIdle(stack);
    expect(s.cluster).toEqual({ power_state: 'Running', provisioning_state: 'Succeeded', error: null });
    expect(s.dependencies).toEqual([]);
    expect(s.service.installed).toBe(true);
  });

  it('refuses Start cluster on a running cluster: 409 cluster_not_stopped, nothing recorded', async () => {
    const before = (await history()).length;
    const res = await api.post('/targets/local/cluster/start', ErrorBody);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'cluster_not_stopped', power_state: 'Running' });
    expect((await history()).length).toBe(before);
    const bad = await api.post('/targets/local/cluster/start', ErrorBody, { now: true });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('unknown_field');
  });

  it('hostile requests to Start cluster are refused with a coded JSON error, nothing recorded, no process hurt', async () => {
    const before = (await history()).length;
    const url = `${stack.apiUrl}/targets/local/cluster/start`;
    const json = { 'content-type': 'application/json' };
    const cases: [RequestInit & { url?: string }, number, string][] = [
      [{ headers: json, body: '{"now":' }, 400, 'invalid_json'],
      [{ headers: json, body: '[]' }, 400, 'invalid_body'],
      [{ headers: json, body: '{"__proto__":{"x":1}}' }, 400, 'unknown_field'],
      [{ headers: json, body: `{"pad":"${'x'.repeat(20_000)}"}` }, 413, 'body_too_large'],
      [{ headers: { ...json, origin: 'http://evil.example' }, body: '{}' }, 403, 'cross_origin'],
      [{ url: `${stack.apiUrl}/targets/nope/cluster/start`, headers: json, body: '{}' }, 404, 'unknown_target'],
      [{ url: `${stack.apiUrl}/targets/Bad..Name/cluster/start`, headers: json, body: '{}' }, 400, 'invalid_target'],
    ];
    for (const [init, status, code] of cases) {
      const res = await fetch(init.url ?? url, { method: 'POST', ...init });
      const body = (await res.json()) as { code?: string };
      expect([res.status, body.code], JSON.stringify(init).slice(0, 80)).toEqual([status, code]);
    }
    // A simple (form) content type never reaches the handler either.
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
    expect((await history()).length).toBe(before);
    expect((await localSummary(stack)).cluster?.power_state).toBe('Running');
  });

  it('local-run.sh cluster stop: the summary says Stopped within seconds, as cluster_stopped (not unavailable)', async () => {
    const stopped = Date.now();
    const r = await stack.run('cluster', 'stop');
    expect(r.code, r.stderr).toBe(0);
    const s = await eventually(
      async () => {
        const v = await localSummary(stack);
        return v.cluster?.power_state === 'Stopped' ? v : undefined;
      },
      'the summary to read Stopped',
      20_000,
      200,
    );
    // The sim takes its power delay (2 s) to stop; the summary follows within a few seconds of that.
    expect(Date.now() - stopped).toBeLessThan(12_000);
    expect(s.dependencies.map((d) => d.code)).toEqual(['cluster_stopped']);
    expect(s.dependencies[0]).toMatchObject({ part: 'cluster', hint: expect.stringContaining('cluster start') });
    // Real for the target: its API server refuses connections.
    expect(() => aksKubectl('get', 'ns')).toThrow(/refused/);
  });

  it('refuses deploys, rebuilds and token rotations against the stopped cluster (409 cluster_stopped), and a push starts nothing', async () => {
    const before = await history();
    const paths = [
      '/targets/local/openapi/deployments',
      '/aks/openapi/deploy',
      '/targets/local/openapi/rebuild',
      '/targets/local/openapi/token/rotate',
    ];
    for (const path of paths) {
      const res = await api.post(path, ErrorBody);
      expect(res.status, path).toBe(409);
      expect(res.body.code, path).toBe('cluster_stopped');
      expect(res.body.message, path).toMatch(/stopped/);
    }
    // A registry push while stopped starts nothing (it would fail and mark the digest failed): delivered, skipped.
    const push = await pushImage(stack);
    expect(push.event.delivered).toBe(true);
    pushed = push.digest;
    await new Promise((ok) => setTimeout(ok, 1500));
    const after = await history();
    expect(after.map((r) => r.deploy_id)).toEqual(before.map((r) => r.deploy_id));
    const s = await localSummary(stack);
    expect(s.active_deploy).toBeNull();
    expect(s.failed_digests).toEqual([]);
  });

  it('Start cluster starts it (one operation at a time), converges the service, and records reason start_cluster', async () => {
    const res = await api.post('/targets/local/cluster/start', contract.DeployAccepted);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ reason: 'start_cluster', target: 'local', status: 'queued' });
    // A second start (or a deploy) while it runs is refused.
    const again = await api.post('/targets/local/cluster/start', ErrorBody);
    expect(again.status).toBe(409);
    expect(['deploy_in_progress', 'cluster_not_stopped']).toContain(again.body.code);

    const seen = new Set<string>();
    const end = await follow(res.body.id, seen);
    expect(end.runtime_status).toBe('Completed');
    expect(end.output).toMatchObject({ status: 'succeeded', reason: 'start_cluster' });
    expect(seen).toContain('starting_cluster');
    const timeline = (end.output as { timeline: { name: string; status: string }[] }).timeline;
    expect(timeline[0]).toMatchObject({ name: 'starting_cluster', status: 'done' });
    expect(timeline.find((e) => e.name === 'verifying_service')?.status).toBe('done');

    const s = await waitForIdle(stack);
    expect(s.cluster).toMatchObject({ power_state: 'Running', provisioning_state: 'Succeeded' });
    expect(s.dependencies).toEqual([]);
    // The service answers at its address.
    expect(s.service.base_url).toBeTruthy();
    const health = await fetch(`${s.service.base_url}/healthz`);
    expect(health.status).toBe(200);
    expect(aksKubectl('get', 'ns', '-o', 'name')).toContain('namespace/elb-openapi');

    // Converged on the desired tag's current digest: the one pushed while the cluster was stopped.
    expect(s.deployed?.digest).toBe(pushed);
    const [newest] = await history();
    expect(newest).toMatchObject({ deploy_id: res.body.id, reason: 'start_cluster', status: 'succeeded' });
    expect(s.last_deploy).toMatchObject({ deploy_id: res.body.id, reason: 'start_cluster' });
  });

  it('a cancel during the start stops the operation, not the start: the cluster comes up, nothing is deployed', async () => {
    expect((await stack.run('cluster', 'stop')).code).toBe(0);
    await eventually(
      async () => ((await localSummary(stack)).cluster?.power_state === 'Stopped' ? true : undefined),
      'Stopped again',
      20_000,
      200,
    );
    const before = (await localSummary(stack)).deployed?.digest;
    const res = await api.post('/targets/local/cluster/start', contract.DeployAccepted);
    expect(res.status).toBe(202);
    const cancel = await api.post(`/targets/local/openapi/deployments/${res.body.id}/cancel`, contract.CancelAnswer);
    expect(cancel.status).toBe(202);
    const end = await follow(res.body.id, new Set());
    const out = end.output as {
      status: string;
      cluster_state: string;
      timeline: { name: string; status: string; detail: string }[];
    };
    expect(out.status).toBe('cancelled');
    expect(out.timeline[0]).toMatchObject({ name: 'starting_cluster', status: 'failed' });
    expect(out.timeline[0]!.detail).toMatch(/cannot be undone/);
    expect(out.timeline.find((e) => e.name === 'applying_manifests')?.status).toBe('pending');
    expect(out.cluster_state).toBe('unchanged: nothing was applied');
    // The start was not undone: the cluster runs, and the service it ran before answers again.
    const s = await eventually(
      async () => {
        const v = await localSummary(stack);
        return v.cluster?.power_state === 'Running' && v.dependencies.length === 0 && v.service.base_url
          ? v
          : undefined;
      },
      'the cluster running after the cancelled start',
      20_000,
      250,
    );
    expect(s.deployed?.digest).toBe(before);
    expect((await fetch(`${s.service.base_url}/healthz`)).status).toBe(200);
    const [newest] = await history();
    expect(newest).toMatchObject({ deploy_id: res.body.id, reason: 'start_cluster', status: 'cancelled' });
  });

  it('as a user sees it: /docs says "Cluster stopped", Start cluster brings it back and the service converges', async () => {
    expect((await stack.run('cluster', 'stop')).code).toBe(0);
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${stack.webUrl}/docs`);
      const card = page.locator('elb-cluster-card');
      await card.getByRole('heading', { name: 'Cluster stopped' }).waitFor({ timeout: 30_000 });
      await screenshot(page, 'e2e-cluster-stopped');
      await card.getByRole('button', { name: 'Start cluster' }).click();
      await card.locator('dialog').getByRole('button', { name: 'Start cluster' }).click();
      await page.getByRole('heading', { name: 'Starting the cluster, then deploying elb-openapi' }).waitFor({
        timeout: 10_000,
      });
      await page.locator('elb-deploy-result').getByText('Cluster start succeeded').waitFor({ timeout: 60_000 });
      await page.locator('elb-update-card').waitFor({ timeout: 30_000 });
      await screenshot(page, 'e2e-cluster-started');
      expect(await page.locator('elb-cluster-card').count()).toBe(0);
    } finally {
      await browser.close();
    }
    const s = await waitForIdle(stack);
    expect(s.cluster?.power_state).toBe('Running');
    expect((await fetch(`${s.service.base_url}/healthz`)).status).toBe(200);
  });

  it('least privilege: every Resource Manager call was on the cluster (get, start) or the registry, never an operation URL', () => {
    // The sim logs each ARM request as "arm METHOD PATH STATUS"; only the app calls ARM in this stack.
    const calls = readFileSync(stack.logFile('sim'), 'utf8')
      .split('\n')
      .flatMap((line) => {
        const m = / arm (GET|POST|PUT|PATCH|DELETE) (\S+) (\d+) /.exec(line);
        return m ? [{ method: m[1]!, path: m[2]!, status: Number(m[3]) }] : [];
      });
    const cluster = CLUSTER_ID.toLowerCase();
    const onCluster = calls.filter((c) => c.path.toLowerCase().startsWith(cluster));
    // Three starts: the API's, the cancelled one and the page's.
    expect(onCluster.filter((c) => c.method === 'POST' && c.path.toLowerCase() === `${cluster}/start`)).toHaveLength(3);
    expect(onCluster.some((c) => c.method === 'GET' && c.path.toLowerCase() === cluster)).toBe(true);
    const elsewhere = calls.filter(
      (c) =>
        c.path !== '/msi/token' &&
        !c.path.toLowerCase().startsWith(cluster) &&
        !c.path.toLowerCase().startsWith(REGISTRY_PREFIX.toLowerCase()),
    );
    expect(elsewhere).toEqual([]);
    // Only reads and the start on the cluster: no stop, no credential listing beyond what reads need.
    expect(new Set(onCluster.map((c) => `${c.method} ${c.path.slice(cluster.length) || '/'}`))).toEqual(
      new Set(['GET /', 'POST /start']),
    );
  });
});
