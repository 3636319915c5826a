// @kubernetes/client-node against the sim: typed reads of every resource the project reads, and watches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startTestSim, thirdPartyManifests, type TestSim } from './support';

let sim: TestSim;
let kc: k8s.KubeConfig;
const NS = 'reads';
const stateDir = mkdtempSync(join(tmpdir(), 'elb-sim-cn-'));

beforeAll(async () => {
  sim = await startTestSim({ stateDir });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
});
afterAll(async () => {
  await sim?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('@kubernetes/client-node against the sim', () => {
  it('watches a deployment roll out while reading Deployments, ReplicaSets, Pods, Services and Events', async () => {
    const watch = new k8s.Watch(kc);
    const seen: { phase: string; ready: number }[] = [];
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const controller = await watch.watch(
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      { allowWatchBookmarks: true },
      (phase, obj: k8s.V1Deployment) => seen.push({ phase, ready: obj.status?.readyReplicas ?? 0 }),
      () => undefined,
    );
    try {
      const apply = await sim.kubectl(
        ['apply', '--server-side', '--field-manager=elb-control', '-f', '-'],
        thirdPartyManifests(NS, `${sim.registryHostPort}/elb-openapi:3.4`, { replicas: 2 }),
      );
      expect(apply.code).toBe(0);
      await eventually(
        () => seen.some((e) => e.phase === 'MODIFIED' && e.ready === 2) || undefined,
        'the watch to report 2 ready replicas',
      );
      expect(seen[0]!.phase).toBe('ADDED');
    } finally {
      controller.abort();
    }

    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    expect(d.status?.observedGeneration).toBe(d.metadata?.generation);
    expect(d.status?.updatedReplicas).toBe(2);
    const rs = await apps.listNamespacedReplicaSet({ namespace: NS });
    expect(rs.items).toHaveLength(1);
    expect(rs.items[0]!.metadata?.ownerReferences?.[0]?.uid).toBe(d.metadata?.uid);
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=web' });
    expect(pods.items).toHaveLength(2);
    const digest = sim.registry.resolve('elb-openapi', '3.4')!.digest;
    expect(pods.items.every((p) => p.status?.containerStatuses?.[0]?.imageID?.endsWith(`@${digest}`))).toBe(true);
    expect(pods.items.every((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True')).toBe(
      true,
    );
    const svc = await eventually(async () => {
      const s = await core.readNamespacedService({ name: 'web', namespace: NS });
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
    }, 'the service address');
    expect(svc.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.name=${pods.items[0]!.metadata!.name}`,
    });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']));
    const dEvents = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.kind=Deployment' });
    expect(dEvents.items.map((e) => e.reason)).toContain('ScalingReplicaSet');
    const pdb = await kc
      .makeApiClient(k8s.PolicyV1Api)
      .readNamespacedPodDisruptionBudget({ name: 'web', namespace: NS });
    expect(pdb.spec?.maxUnavailable).toBe(1);
    const rb = await kc
      .makeApiClient(k8s.RbacAuthorizationV1Api)
      .readNamespacedRoleBinding({ name: 'web-reader', namespace: NS });
    expect(rb.roleRef.name).toBe('web-reader');
  });

  it('resumes a watch from a resourceVersion and reports 410 for one that is too old after a restart', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const rv = list.metadata!.resourceVersion!;
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'after' }, data: { a: '1' } } });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const controller = await watch.watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { resourceVersion: rv },
      (phase, o: k8s.V1ConfigMap) => events.push(`${phase} ${o.metadata?.name}`),
      () => undefined,
    );
    try {
      await eventually(() => events.includes('ADDED after') || undefined, 'the missed ADDED event to be replayed');
      expect(events).not.toContain('ADDED web-settings');
    } finally {
      controller.abort();
    }
    // A restarted sim keeps its objects and resourceVersions but not the change history: older watches get 410.
    await sim.close();
    sim = await startTestSim({ stateDir, k8sPort: Number(new URL(sim.k8sUrl).port) });
    const kept = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: 'after', namespace: NS });
    expect(kept.data).toEqual({ a: '1' });
    const gone = await fetch(
      `${sim.k8sUrl}/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=1`,
    );
    const text = await gone.text();
    expect(JSON.parse(text.trim().split('\n')[0]!)).toMatchObject({
      type: 'ERROR',
      object: { code: 410, reason: 'Expired' },
    });
  });
});
