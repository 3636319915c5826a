// The machine's real kubectl against the sim: server-side apply of a third-party manifest set, get, rollout
// status, wait, diff, patch (merge, JSON, strategic, status subresource), field-manager conflicts, selectors, delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getJson, startTestSim, thirdPartyManifests, type AnyJson, type TestSim } from './support';

let sim: TestSim;
const NS = 'demo';

beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim?.stop();
});

function image(tag: string): string {
  return `${sim.registryHostPort}/elb-openapi:${tag}`;
}

/** `kubectl -n demo get <what…> -o json`, parsed. */
async function getInNs(...what: string[]): Promise<AnyJson> {
  return JSON.parse((await sim.kubectl(['-n', NS, 'get', ...what, '-o', 'json'])).stdout);
}

/** `kubectl -n demo patch <kind> <name> [flags…] -p <patch>`; answers kubectl's exit code. */
async function patch(kind: string, name: string, body: string, ...flags: string[]): Promise<number> {
  return (await sim.kubectl(['-n', NS, 'patch', kind, name, ...flags, '-p', body])).code;
}

describe('kubectl against the sim', () => {
  it('applies a third-party manifest set server-side and rolls it out', async () => {
    const apply = await sim.kubectl(
      ['apply', '--server-side', '--field-manager=elb-control', '-f', '-'],
      thirdPartyManifests(NS, image('3.4')),
    );
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    for (const kind of [
      'namespace/demo',
      'serviceaccount/web',
      'secret/web-credentials',
      'configmap/web-settings',
      'deployment.apps/web',
      'service/web',
      'poddisruptionbudget.policy/web',
      'role.rbac.authorization.k8s.io/web-reader',
      'rolebinding.rbac.authorization.k8s.io/web-reader',
    ]) {
      expect(apply.stdout).toContain(`${kind} serverside-applied`);
    }
    const rollout = await sim.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(rollout.stdout).toContain('successfully rolled out');
    expect(rollout.code).toBe(0);
  });

  it('reports real metadata, status and digests through get -o json', async () => {
    const d = await getInNs('deployment', 'web', '--show-managed-fields');
    expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(d.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.creationTimestamp).toMatch(/Z$/);
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(d.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual([
      'Available=True',
      'Progressing=True',
    ]);
    expect(
      d.metadata.managedFields.some(
        (m: { manager: string; operation: string }) => m.manager === 'elb-control' && m.operation === 'Apply',
      ),
    ).toBe(true);

    const pods = await getInNs('pods', '-l', 'app.kubernetes.io/name=web');
    expect(pods.items).toHaveLength(3);
    const digest = sim.registry.resolve('elb-openapi', '3.4')!.digest;
    for (const p of pods.items) {
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
      expect(p.status.phase).toBe('Running');
      expect(p.status.containerStatuses[0].imageID).toBe(`${sim.registryHostPort}/elb-openapi@${digest}`);
    }
    const svc = await getInNs('service', 'web');
    expect(svc.spec.clusterIP).toMatch(/^10\.0\./);
    await eventually(
      async () => (await getInNs('service', 'web')).status.loadBalancer.ingress?.[0]?.ip,
      'an LB address',
    );
  });

  it('re-applying the same set changes nothing (no new resourceVersion or generation)', async () => {
    const before = await getInNs('deployment', 'web');
    await sim.kubectl(
      ['apply', '--server-side', '--field-manager=elb-control', '-f', '-'],
      thirdPartyManifests(NS, image('3.4')),
    );
    const after = await getInNs('deployment', 'web');
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('a different field manager changing an owned field conflicts (409) unless forced', async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 5
  selector: {matchLabels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}}
  template:
    metadata: {labels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}}
    spec: {containers: [{name: web, image: ${image('3.4')}}]}
`;
    const conflict = await sim.kubectl(['apply', '--server-side', '--field-manager=someone-else', '-f', '-'], manifest);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/conflict with "elb-control"/);
    expect(conflict.stderr).toContain('.spec.replicas');
    const forced = await sim.kubectl(
      ['apply', '--server-side', '--field-manager=someone-else', '--force-conflicts', '-f', '-'],
      manifest,
    );
    expect(forced.code).toBe(0);
    const d = await getInNs('deployment', 'web', '--show-managed-fields');
    expect(d.spec.replicas).toBe(5);
    const owner = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'someone-else');
    expect(JSON.stringify(owner.fieldsV1)).toContain('f:replicas');
    const mine = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'elb-control');
    expect(JSON.stringify(mine.fieldsV1)).not.toContain('f:replicas');
  });

  it('waits for conditions and a rolled-out update through kubectl wait and rollout status', async () => {
    const set = await sim.kubectl(['-n', NS, 'set', 'image', 'deployment/web', `web=${image('3.3')}`]);
    expect(set.code).toBe(0);
    const status = await sim.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(status.stdout).toContain('successfully rolled out');
    const wait = await sim.kubectl(['-n', NS, 'wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']);
    expect(wait.stdout).toContain('condition met');
    const d = await getInNs('deployment', 'web');
    expect(d.metadata.generation).toBeGreaterThan(1);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    const rs = await getInNs('rs');
    expect(rs.items).toHaveLength(2);
  });

  it('shows a server-side diff without changing anything', async () => {
    const rvBefore = (await getInNs('deployment', 'web')).metadata.resourceVersion;
    const diff = await sim.kubectl(
      ['diff', '--server-side', '--field-manager=elb-control', '--force-conflicts', '-f', '-'],
      thirdPartyManifests(NS, image('3.4'), { replicas: 4 }),
    );
    expect(diff.code).toBe(1); // kubectl diff exits 1 when there are differences
    expect(diff.stdout).toMatch(/-\s+replicas: 5/);
    expect(diff.stdout).toMatch(/\+\s+replicas: 4/);
    const rvAfter = (await getInNs('deployment', 'web')).metadata.resourceVersion;
    expect(rvAfter).toBe(rvBefore);
  });

  it('patches with merge, JSON and strategic patches, and writes the status subresource', async () => {
    expect(await patch('configmap', 'web-settings', '{"data":{"extra":"1"}}', '--type=merge')).toBe(0);
    expect(
      await patch('configmap', 'web-settings', '[{"op":"add","path":"/data/more","value":"2"}]', '--type=json'),
    ).toBe(0);
    expect(
      await patch(
        'deployment',
        'web',
        '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"x"}]}]}}}}',
      ),
    ).toBe(0);
    const cm = await getInNs('configmap', 'web-settings');
    expect(cm.data).toMatchObject({ extra: '1', more: '2' });
    const d = await getInNs('deployment', 'web');
    const env = d.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).toEqual(['PASSWORD', 'MODE']); // strategic merge keeps the existing entry and adds by name
    expect(
      await patch('pdb', 'web', '{"status":{"disruptionsAllowed":7}}', '--subresource=status', '--type=merge'),
    ).toBe(0);
    expect(await patch('pdb', 'web', '{"status":{"disruptionsAllowed":9}}', '--type=merge')).toBe(0);
    const pdb = await getInNs('pdb', 'web');
    expect(pdb.status.disruptionsAllowed).toBe(7); // the main resource ignores status
  });

  it('selects by label and field, and answers errors as Kubernetes Status objects', async () => {
    const byLabel = JSON.parse(
      (await sim.kubectl(['get', 'deployments', '-A', '-l', 'app.kubernetes.io/instance=demo', '-o', 'json'])).stdout,
    );
    expect(byLabel.items.map((d: { metadata: { name: string } }) => d.metadata.name)).toEqual(['web']);
    const none = JSON.parse(
      (await sim.kubectl(['get', 'deployments', '-A', '-l', 'app.kubernetes.io/instance notin (demo)', '-o', 'json']))
        .stdout,
    );
    expect(none.items).toHaveLength(0);
    const running = await getInNs('pods', '--field-selector', 'status.phase=Running');
    expect(running.items.length).toBeGreaterThan(0);
    const missing = await sim.kubectl(['-n', NS, 'get', 'deployment', 'nope']);
    expect(missing.stderr).toContain('deployments.apps "nope" not found');
    const { status, body } = await getJson(`${sim.k8sUrl}/apis/apps/v1/namespaces/${NS}/deployments/nope`);
    expect(status).toBe(404);
    expect(body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
    });
    const bad = await getJson(`${sim.k8sUrl}/api/v1/pods?fieldSelector=spec.bogus%3Dx`);
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe('BadRequest');
  });

  it('rejects a stale update (409) and an invalid object (422)', async () => {
    const cm = await getInNs('configmap', 'web-settings');
    const put = (rv: string): Promise<{ status: number; body: AnyJson }> =>
      getJson(`${sim.k8sUrl}/api/v1/namespaces/${NS}/configmaps/web-settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...cm, metadata: { ...cm.metadata, resourceVersion: rv }, data: { a: 'b' } }),
      });
    expect((await put(cm.metadata.resourceVersion)).status).toBe(200);
    const stale = await put(cm.metadata.resourceVersion);
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const invalid = await sim.kubectl(
      ['apply', '--server-side', '--field-manager=x', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: ${NS}}
spec:
  selector: {matchLabels: {a: b}}
  template: {metadata: {labels: {a: c}}, spec: {containers: [{name: c, image: x}]}}
`,
    );
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('`selector` does not match template `labels`');
  });

  it('deletes with garbage collection of dependents, and namespaces with their contents', async () => {
    const del = await sim.kubectl(['-n', NS, 'delete', 'deployment', 'web']);
    expect(del.stdout).toContain('deployment.apps "web" deleted');
    await eventually(async () => (await getInNs('rs,pods')).items.length === 0, 'ReplicaSets and pods to be collected');
    const ns = await sim.kubectl(['delete', 'namespace', NS, '--timeout=30s']);
    expect(ns.code).toBe(0);
    const gone = await sim.kubectl(['get', 'namespace', NS]);
    expect(gone.stderr).toContain('not found');
  });
});
