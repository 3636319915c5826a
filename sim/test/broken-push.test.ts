// A broken image is a property of that image, not a global fault: pushing `elb-openapi:3.4` broken gives a new
// digest whose pods crash-loop (or cannot be pulled), while the previous 3.4 digest keeps running fine. Through the
// push API, the CLI, kubectl and the pod status a real kubelet writes.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE } from '../k8s/resources';
import { arr, str } from '../k8s/object';
import { runTsCli } from '../../test/support/ts-cli';
import { eventually, getJson, startTestSim, thirdPartyManifests, type AnyJson, type TestSim } from './support';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim?.stop();
});

async function push(body: Record<string, unknown>) {
  return getJson(`${sim.registryUrl}/_sim/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function apply(ns: string, image: string): Promise<void> {
  const r = await sim.kubectl(
    ['apply', '--server-side', '--field-manager=elb-control', '-f', '-'],
    thirdPartyManifests(ns, image, { replicas: 1 }),
  );
  expect(r.code).toBe(0);
}

function containerStatus(ns: string) {
  return sim.api.store.list(RESOURCE.pods, ns).map((p) => arr(p, 'status', 'containerStatuses')[0]);
}

const cli = (args: string[]) => runTsCli(join(__dirname, '..', 'cli.ts'), args);

describe('pushing a broken image', () => {
  it('crash_loop: the new digest crash-loops, the previous build of the same tag still runs', async () => {
    const good = sim.registry.resolve('elb-openapi', '3.4')!.digest;
    const r = await push({ repository: 'elb-openapi', tag: '3.4', broken: 'crash_loop' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ repository: 'elb-openapi', tag: '3.4', broken: 'crash_loop' });
    const broken = r.body.digest as string;
    expect(broken).not.toBe(good);
    // The tag moved to the broken build, and the defect shows in the image's labels, as a real build's would.
    expect(sim.registry.resolve('elb-openapi', '3.4')!.digest).toBe(broken);
    const config = JSON.parse(sim.registry.resolve('elb-openapi', broken)!.config);
    expect(config.config.Labels['elb-sim.defect']).toBe('crash_loop');

    await apply('broken-crash', `${sim.registryHostPort}/elb-openapi@${broken}`);
    await apply('still-good', `${sim.registryHostPort}/elb-openapi@${good}`);
    const cs = await eventually(
      () =>
        containerStatus('broken-crash').find((c) => str(c, 'state', 'waiting', 'reason') === 'CrashLoopBackOff') as
          AnyJson | undefined,
      'CrashLoopBackOff for the broken digest',
    );
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(String(cs.imageID)).toContain(broken);
    const good_ = await sim.kubectl(['-n', 'still-good', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(good_.code).toBe(0);
    // No global fault was involved.
    expect((await getJson(`${sim.k8sUrl}/_sim/faults`)).body.faults).toEqual([]);
  });

  it('image_pull: the new digest cannot be pulled (its layer is missing from the registry)', async () => {
    const r = await push({ repository: 'elb-openapi', tag: '3.3', broken: 'image_pull' });
    expect(r.status).toBe(201);
    expect(r.body.broken).toBe('image_pull');
    await apply('broken-pull', `${sim.registryHostPort}/elb-openapi@${r.body.digest}`);
    await eventually(
      () =>
        containerStatus('broken-pull').some((c) => str(c, 'state', 'waiting', 'reason') === 'ImagePullBackOff') ||
        undefined,
      'ImagePullBackOff for the broken digest',
    );
    const events = sim.api.store.list(RESOURCE.events, 'broken-pull').map((e) => String(e.message));
    expect(events.some((m) => /Failed to pull image .*blobs\/sha256:[0-9a-f]{64} not found/.test(m))).toBe(true);
    const rollout = await sim.kubectl(['-n', 'broken-pull', 'rollout', 'status', 'deployment/web', '--timeout=2s']);
    expect(rollout.code).not.toBe(0);
  });

  it('rejects an unknown defect with a code', async () => {
    const r = await push({ repository: 'elb-openapi', tag: '3.4', broken: 'on_fire' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_broken');
  });

  it('the CLI pushes broken images with --broken crash-loop|image-pull and refuses other values', async () => {
    const ok = await cli(['push', 'elb-openapi:3.4', '--broken', 'crash-loop', '--registry-url', sim.registryUrl]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ tag: '3.4', broken: 'crash_loop' });
    const good = await cli(['push', 'elb-openapi:3.4', '--registry-url', sim.registryUrl]);
    expect(JSON.parse(good.stdout).broken).toBeNull();
    const bad = await cli(['push', 'elb-openapi:3.4', '--broken', 'slow', '--registry-url', sim.registryUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--broken must be crash-loop or image-pull');
  });
});
