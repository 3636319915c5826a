// Each fault makes the cluster fail the way a real one does, seen through kubectl and the API; the CLI manages them.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE } from '../k8s/resources';
import { arr, field, str, type KObject } from '../k8s/object';
import { runTsCli } from '../../test/support/ts-cli';
import { eventually, getJson, startTestSim, thirdPartyManifests, type AnyJson, type TestSim } from './support';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(async () => {
  await fetch(`${sim.k8sUrl}/_sim/faults`, { method: 'DELETE' });
});

async function addFault(body: Record<string, unknown>): Promise<{ id: string }> {
  const r = await getJson(`${sim.k8sUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function apply(ns: string, image: string): Promise<void> {
  const r = await sim.kubectl(
    ['apply', '--server-side', '--field-manager=elb-control', '-f', '-'],
    thirdPartyManifests(ns, image, { replicas: 1 }),
  );
  expect(r.code).toBe(0);
}

function waiting(ns: string): string[] {
  return sim.api.store
    .list(RESOURCE.pods, ns)
    .map((p) => str(arr(p, 'status', 'containerStatuses')[0], 'state', 'waiting', 'reason') ?? '');
}

function warnings(ns: string): KObject[] {
  return sim.api.store.list(RESOURCE.events, ns).filter((e) => e.type === 'Warning');
}

const cli = (args: string[]) => runTsCli(join(__dirname, '..', 'cli.ts'), args);

describe('faults', () => {
  it('image pull failure for a tag also fails pods that name its digest: ErrImagePull, ImagePullBackOff, Warning events, rollout stuck', async () => {
    await addFault({ type: 'image_pull', image: 'elb-openapi:3.4' });
    const digest = sim.registry.resolve('elb-openapi', '3.4')!.digest;
    await apply('pullfail', `${sim.registryHostPort}/elb-openapi@${digest}`);
    await eventually(() => waiting('pullfail').includes('ImagePullBackOff') || undefined, 'ImagePullBackOff');
    const msgs = warnings('pullfail').map((e) => `${e.reason}: ${String(e.message)}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Failed: Failed to pull image/),
        'Failed: Error: ErrImagePull',
        'Failed: Error: ImagePullBackOff',
      ]),
    );
    const rollout = await sim.kubectl(['-n', 'pullfail', 'rollout', 'status', 'deployment/web', '--timeout=2s']);
    expect(rollout.code).not.toBe(0);
    // Clearing the fault lets the kubelet's next pull succeed.
    await fetch(`${sim.k8sUrl}/_sim/faults`, { method: 'DELETE' });
    expect((await sim.kubectl(['-n', 'pullfail', 'rollout', 'status', 'deployment/web', '--timeout=60s'])).code).toBe(
      0,
    );
  });

  it('a tag or digest the registry does not have fails the pull as on a real cluster', async () => {
    await apply('missing', `${sim.registryHostPort}/elb-openapi:9.9`);
    await eventually(
      () => waiting('missing').some((r) => r === 'ErrImagePull' || r === 'ImagePullBackOff') || undefined,
      'a pull error',
    );
    expect(warnings('missing').some((e) => String(e.message).includes('not found'))).toBe(true);
    await apply('missing2', `${sim.registryHostPort}/elb-openapi@sha256:${'0'.repeat(64)}`);
    await eventually(
      () => waiting('missing2').some((r) => r === 'ErrImagePull' || r === 'ImagePullBackOff') || undefined,
      'a pull error by digest',
    );
  });

  it('crash loop: restarts counted, CrashLoopBackOff with the last termination, BackOff warning', async () => {
    await addFault({ type: 'crash_loop', namespace: 'crashing' });
    await apply('crashing', `${sim.registryHostPort}/elb-openapi:3.4`);
    const pod = await eventually(
      () =>
        sim.api.store
          .list(RESOURCE.pods, 'crashing')
          .find(
            (p) => str(arr(p, 'status', 'containerStatuses')[0], 'state', 'waiting', 'reason') === 'CrashLoopBackOff',
          ),
      'CrashLoopBackOff',
    );
    const cs = arr(pod, 'status', 'containerStatuses')[0] as AnyJson;
    expect(cs.restartCount).toBeGreaterThanOrEqual(1);
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(cs.ready).toBe(false);
    expect(str(pod, 'status', 'phase')).toBe('Running');
    expect(
      warnings('crashing').some(
        (e) => e.reason === 'BackOff' && String(e.message).startsWith('Back-off restarting failed container'),
      ),
    ).toBe(true);
  });

  it('crash loop of new pods only: running pods keep running, pods created afterwards crash', async () => {
    await apply('steady', `${sim.registryHostPort}/elb-openapi:3.4`);
    const readyPods = () =>
      sim.api.store
        .list(RESOURCE.pods, 'steady')
        .filter((p) => field(arr(p, 'status', 'containerStatuses')[0], 'ready') === true);
    const [old] = await eventually(() => (readyPods().length === 1 ? readyPods() : undefined), 'a ready pod');
    // A new whole second, so the running pod was created strictly before the fault.
    await new Promise((ok) => setTimeout(ok, 1000));
    await addFault({ type: 'crash_loop', namespace: 'steady', new_pods: true });
    expect((await getJson(`${sim.k8sUrl}/_sim/faults`)).body).toMatchObject({
      faults: [{ type: 'crash_loop', new_pods: true }],
    });
    // A crash comes 0.5 s after a container starts: the running one is still ready well after that.
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(readyPods().map((p) => p.metadata.name)).toEqual([old!.metadata.name]);
    sim.api.delete(RESOURCE.pods, 'steady', old!.metadata.name);
    await eventually(() => waiting('steady').includes('CrashLoopBackOff') || undefined, 'the new pod to crash');
    const bad = await getJson(`${sim.k8sUrl}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ type: 'crash_loop', new_pods: 'yes' }),
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_fault' } });
  });

  it('unschedulable pods stay Pending with a FailedScheduling warning until the fault clears', async () => {
    const f = await addFault({ type: 'unschedulable' });
    await apply('pending', `${sim.registryHostPort}/elb-openapi:3.4`);
    const pod = await eventually(
      () =>
        sim.api.store
          .list(RESOURCE.pods, 'pending')
          .find((p) => arr(p, 'status', 'conditions').some((c) => str(c, 'reason') === 'Unschedulable')),
      'an Unschedulable condition',
    );
    expect(str(pod, 'status', 'phase')).toBe('Pending');
    expect(str(pod, 'spec', 'nodeName')).toBeUndefined();
    expect(warnings('pending').some((e) => e.reason === 'FailedScheduling')).toBe(true);
    expect((await fetch(`${sim.k8sUrl}/_sim/faults/${f.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await sim.kubectl(['-n', 'pending', 'rollout', 'status', 'deployment/web', '--timeout=60s'])).code).toBe(0);
  });

  it('LoadBalancer IP never arrives under lb_ip never, and late under lb_ip slow', async () => {
    await addFault({ type: 'lb_ip', mode: 'never', namespace: 'nolb' });
    await apply('nolb', `${sim.registryHostPort}/elb-openapi:3.4`);
    await sim.kubectl(['-n', 'nolb', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    await new Promise((r) => setTimeout(r, 1000)); // well past the 300 ms LB delay
    expect(arr(sim.api.get(RESOURCE.services, 'nolb', 'web'), 'status', 'loadBalancer', 'ingress')).toHaveLength(0);
    const ext = await sim.kubectl(['-n', 'nolb', 'get', 'svc', 'web']);
    expect(ext.stdout).toContain('<pending>');

    await addFault({ type: 'lb_ip', mode: 'slow', delay_ms: 1500, namespace: 'slowlb' });
    const t0 = Date.now();
    await apply('slowlb', `${sim.registryHostPort}/elb-openapi:3.4`);
    await eventually(
      () => str(arr(sim.api.get(RESOURCE.services, 'slowlb', 'web'), 'status', 'loadBalancer', 'ingress')[0], 'ip'),
      'the slow address',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it('API latency delays every API answer; an API error rate of 1 makes kubectl fail with 503', async () => {
    await addFault({ type: 'api_latency', ms: 400 });
    const t0 = Date.now();
    expect((await getJson(`${sim.k8sUrl}/api/v1/namespaces`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    await fetch(`${sim.k8sUrl}/_sim/faults`, { method: 'DELETE' });

    await addFault({ type: 'api_errors', rate: 1, status: 503 });
    const r = await getJson(`${sim.k8sUrl}/api/v1/namespaces`);
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect(r.headers.get('retry-after')).toBe('1');
    const k = await sim.kubectl(['get', 'namespaces', '--request-timeout=5s']);
    expect(k.code).not.toBe(0);
  });

  it('rejects malformed faults with a machine-readable code', async () => {
    const bad = await getJson(`${sim.k8sUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"meteor"}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('unknown_fault_type');
    const noImage = await getJson(`${sim.k8sUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"image_pull"}',
    });
    expect(noImage.body.code).toBe('invalid_fault');
    const rate = await getJson(`${sim.k8sUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"api_errors","rate":2}',
    });
    expect(rate.body.code).toBe('invalid_fault');
  });

  it('the CLI adds, lists and clears faults', async () => {
    const add = await cli(['fault', '--k8s-url', sim.k8sUrl, 'add', 'image-pull', '--image', 'elb-openapi:3.3']);
    expect(add.code).toBe(0);
    const fault = JSON.parse(add.stdout);
    expect(fault).toMatchObject({ type: 'image_pull', image: 'elb-openapi:3.3' });
    const list = await cli(['fault', 'list', '--k8s-url', sim.k8sUrl]);
    expect(JSON.parse(list.stdout).faults.map((f: { id: string }) => f.id)).toEqual([fault.id]);
    const clear = await cli(['fault', 'clear', fault.id, '--k8s-url', sim.k8sUrl]);
    expect(JSON.parse(clear.stdout)).toEqual({ removed: 1 });
    const bad = await cli(['fault', 'add', 'lb-ip', '--mode', 'sideways', '--k8s-url', sim.k8sUrl]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid_fault');
  });
});
