// Controller behaviour: rolling updates within maxSurge/maxUnavailable, Recreate, readiness delay, digests,
// LoadBalancer addresses and the stand-in elb-openapi service whose version follows the image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE } from '../k8s/resources';
import { arr, num, str } from '../k8s/object';
import { eventually, getJson, startTestSim, thirdPartyManifests, type TestSim } from './support';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim({ readyDelayMs: 400 });
});
afterAll(async () => {
  await sim?.stop();
});

function podsOf(ns: string): { total: number; ready: number; images: string[] } {
  const pods = sim.api.store.list(RESOURCE.pods, ns).filter((p) => !p.metadata.deletionTimestamp);
  const ready = pods.filter((p) =>
    arr(p, 'status', 'conditions').some((c) => str(c, 'type') === 'Ready' && str(c, 'status') === 'True'),
  );
  return {
    total: pods.length,
    ready: ready.length,
    images: ready.map((p) => str(arr(p, 'spec', 'containers')[0], 'image')!),
  };
}

async function apply(manifest: string): Promise<void> {
  const r = await sim.kubectl(['apply', '--server-side', '--field-manager=elb-control', '-f', '-'], manifest);
  expect(r.stderr).toBe('');
}

describe('controllers', () => {
  it('rolls an update within maxSurge 1 / maxUnavailable 0: never more than 4 pods, never fewer than 3 ready', async () => {
    const ns = 'rolling';
    await apply(thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi:3.3`, { replicas: 3 }));
    await eventually(() => podsOf(ns).ready === 3 || undefined, '3 ready pods');
    let maxTotal = 0;
    let minReady = Infinity;
    const unsubscribe = sim.api.store.subscribe(() => {
      const p = podsOf(ns);
      maxTotal = Math.max(maxTotal, p.total);
      minReady = Math.min(minReady, p.ready);
    });
    try {
      await apply(thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi:3.4`, { replicas: 3 }));
      const done = await sim.kubectl(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
      expect(done.stdout).toContain('successfully rolled out');
    } finally {
      unsubscribe();
    }
    expect(maxTotal).toBe(4);
    expect(minReady).toBe(3);
    const after = podsOf(ns);
    expect(after.images.every((i) => i.endsWith(':3.4'))).toBe(true);
    const d = sim.api.get(RESOURCE.deployments, ns, 'web');
    expect(d.status).toMatchObject({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
  });

  it('Recreate stops every old pod before starting new ones', async () => {
    const ns = 'recreate';
    await apply(
      thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi:3.3`, { replicas: 2, strategy: '{type: Recreate}' }),
    );
    await eventually(() => podsOf(ns).ready === 2 || undefined, '2 ready pods');
    let mixed = false;
    const unsubscribe = sim.api.store.subscribe(() => {
      const imgs = new Set(
        sim.api.store.list(RESOURCE.pods, ns).map((p) => str(arr(p, 'spec', 'containers')[0], 'image')),
      );
      if (imgs.size > 1) mixed = true;
    });
    try {
      await apply(
        thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi:3.4`, {
          replicas: 2,
          strategy: '{type: Recreate}',
        }),
      );
      expect((await sim.kubectl(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s'])).code).toBe(0);
    } finally {
      unsubscribe();
    }
    expect(mixed).toBe(false);
  });

  it('keeps a started pod unready until the readiness delay (400 ms) has passed', async () => {
    const ns = 'readiness';
    let runningAt = 0;
    let readyAt = 0;
    const unsubscribe = sim.api.store.subscribe((e) => {
      if (e.resource !== RESOURCE.pods || e.object.metadata.namespace !== ns) return;
      const cs = arr(e.object, 'status', 'containerStatuses')[0];
      if (!runningAt && str(cs, 'state', 'running', 'startedAt')) runningAt = Date.now();
      if (!readyAt && cs && (cs as { ready?: unknown }).ready === true) readyAt = Date.now();
    });
    try {
      await apply(thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi:3.4`, { replicas: 1 }));
      await eventually(() => readyAt || undefined, 'the pod to become ready');
    } finally {
      unsubscribe();
    }
    expect(runningAt).toBeGreaterThan(0);
    expect(readyAt - runningAt).toBeGreaterThanOrEqual(380);
    const pod = sim.api.store.list(RESOURCE.pods, ns)[0]!;
    expect(num(arr(pod, 'status', 'containerStatuses')[0], 'restartCount')).toBe(0);
  });

  it('gives the LoadBalancer a loopback address and serves the stand-in API there, following the image', async () => {
    const ns = 'standin';
    await apply(thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi:3.3`, { replicas: 1 }));
    const ip = await eventually(
      () => str(arr(sim.api.get(RESOURCE.services, ns, 'web'), 'status', 'loadBalancer', 'ingress')[0], 'ip'),
      'an LB address',
    );
    expect(ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
    const health = await eventually(
      async () => (await getJson(`http://${ip}:8080/healthz`)).body,
      'the stand-in to answer',
    );
    expect(health).toEqual({ status: 'ok', version: '3.3.0' });
    const spec = (await getJson(`http://${ip}:8080/openapi.json`)).body;
    expect(spec.info.version).toBe('3.3.0');
    expect(spec.paths['/v1/jobs']).toBeDefined();
    expect(spec.paths['/v1/jobs/{job_id}/results']).toBeUndefined();

    // Deploy by digest, as elb-control does: the version still follows the image.
    const digest = sim.registry.resolve('elb-openapi', '3.4')!.digest;
    await apply(thirdPartyManifests(ns, `${sim.registryHostPort}/elb-openapi@${digest}`, { replicas: 1 }));
    await sim.kubectl(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    await eventually(
      async () => ((await getJson(`http://${ip}:8080/openapi.json`)).body.info.version === '3.4.0' ? true : undefined),
      'the 3.4 spec',
    );
    const spec34 = (await getJson(`http://${ip}:8080/openapi.json`)).body;
    expect(spec34.paths['/v1/jobs/{job_id}/results']).toBeDefined();
    expect(spec34.info['x-image']).toBe(`${sim.registryHostPort}/elb-openapi@${digest}`);

    // A second LoadBalancer Service gets the next address; without ready endpoints nothing listens.
    await sim.kubectl(['-n', ns, 'scale', 'deployment/web', '--replicas=0']);
    await eventually(async () => {
      try {
        await fetch(`http://${ip}:8080/healthz`);
        return undefined;
      } catch {
        return true;
      }
    }, 'the stand-in to stop when no endpoint is ready');
  });

  it('resolves images named by the configured registry host as the sim registry', async () => {
    const named = await startTestSim({ registryHost: 'elbacr01.azurecr.io' });
    try {
      const r = await named.kubectl(
        ['apply', '--server-side', '--field-manager=elb-control', '-f', '-'],
        thirdPartyManifests('byname', 'elbacr01.azurecr.io/elb-openapi:3.4', { replicas: 1 }),
      );
      expect(r.code).toBe(0);
      expect((await named.kubectl(['-n', 'byname', 'rollout', 'status', 'deployment/web', '--timeout=60s'])).code).toBe(
        0,
      );
      const pod = named.api.store.list(RESOURCE.pods, 'byname')[0]!;
      const digest = named.registry.resolve('elb-openapi', '3.4')!.digest;
      expect(str(arr(pod, 'status', 'containerStatuses')[0], 'imageID')).toBe(
        `elbacr01.azurecr.io/elb-openapi@${digest}`,
      );
    } finally {
      await named.stop();
    }
  });
});
