// Rebuild & Deploy and the registry's facts on the real local stack, through the real @azure/arm-containerregistry
// and @azure/identity against the sim's management plane (docs/sim.md): /monitor/acr answers the older system's
// shape with the SKU and the builds; a build that succeeds is deployed by its exact digest and its own push event
// starts no second deploy; a build that fails, or is cancelled mid-run, leaves the cluster as it was and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSimFault, clearSimFaults, startFastStack } from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';

let stack: Stack;

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

interface Output {
  status: string;
  reason: string;
  error: { code: string; message: string } | null;
  build?: { run_id: string; status: string; digest: string | null };
  openapi_deploy: { digest: string | null };
  cluster_state: string;
  timeline: { name: string; status: string; detail: string }[];
}

async function ended(id: string, timeoutMs = 90_000): Promise<Output> {
  return eventually(
    async () => {
      const s = (await call('GET', `/aks/openapi/deploy/${id}/status`)).body as {
        runtime_status: string;
        output: Output | null;
      };
      return s.runtime_status === 'Completed' && s.output ? s.output : undefined;
    },
    `operation ${id} to end`,
    timeoutMs,
  );
}

async function summary() {
  return (await call('GET', '/targets/local/openapi')).body as {
    active_deploy: { instance_id: string; phase: string } | null;
    deployed: { digest: string } | null;
  };
}

async function history() {
  return (await call('GET', '/targets/local/openapi/deployments')).body as unknown as {
    deploy_id: string;
    reason: string;
    status: string;
  }[];
}

async function tagDigest(): Promise<string> {
  const acr = (await call('GET', '/monitor/acr')).body as { digests: Record<string, string> };
  return acr.digests['3.4']!;
}

beforeAll(async () => {
  // Resource Manager outages are given 3 s before a phase fails (the last test).
  stack = await startFastStack({ ELB_DEPENDENCY_RETRY_SECONDS: '3' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the registry through Azure Resource Manager', () => {
  it('GET /monitor/acr: the older shape with the SKU, the location and the builds', async () => {
    const r = await eventually(async () => {
      const a = await call('GET', '/monitor/acr');
      return a.status === 200 ? a : undefined;
    }, 'the registry facts');
    expect(r.body).toMatchObject({
      name: 'elbsim',
      sku: 'Standard',
      management_plane: 'arm',
      building_images: [],
      build_details: [],
      expected_image_tags: { 'elb-openapi': '3.4' },
    });
    expect(r.body.resource_id).toMatch(/\/registries\/elbsim$/i);
    expect(typeof r.body.login_server).toBe('string');
  });
});

describe('Rebuild & Deploy', () => {
  it('dry_run says what would be built and starts nothing', async () => {
    const r = await call('POST', '/aks/openapi/rebuild-deploy', { dry_run: true, cluster_name: undefined });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ status: 'dry_run', target: 'local', would_build: 'elb-openapi:3.4' });
    expect(await history()).toEqual([]);
  });

  it('builds, then deploys exactly the digest the build pushed; its own push event starts no second deploy', async () => {
    expect((await call('POST', '/aks/openapi/deploy', {})).status).toBe(202);
    await eventually(
      async () => ((await summary()).deployed && !(await summary()).active_deploy ? true : undefined),
      'install',
    );
    const before = await tagDigest();
    const started = await call('POST', '/targets/local/openapi/rebuild', {});
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({ reason: 'rebuild', status: 'queued' });
    const id = started.body.instance_id as string;
    // While it builds, the registry says which image is being built.
    await eventually(
      async () => {
        const acr = (await call('GET', '/monitor/acr')).body as { building_images: string[] };
        return acr.building_images.includes('elb-openapi:3.4') ? true : undefined;
      },
      'the build to show in /monitor/acr',
      20_000,
      100,
    );
    const out = await ended(id);
    expect(out, JSON.stringify(out.timeline)).toMatchObject({ status: 'succeeded', reason: 'rebuild' });
    expect(out.build).toMatchObject({ status: 'Succeeded' });
    const built = out.build!.digest!;
    expect(built).not.toBe(before);
    expect(built).toBe(await tagDigest());
    expect(out.openapi_deploy.digest).toBe(built);
    expect(out.timeline.map((e) => [e.name, e.status])[0]).toEqual(['building_image', 'done']);
    expect(out.timeline[0]!.detail).toContain(out.build!.run_id);
    expect((await summary()).deployed!.digest).toBe(built);
    // The build's push event arrived while the rebuild held the target: no second deploy follows.
    await new Promise((ok) => setTimeout(ok, 3000));
    expect((await summary()).active_deploy).toBeNull();
    expect((await history()).map((h) => h.reason)).toEqual(['rebuild', 'install']);
    const acr = (await call('GET', '/monitor/acr')).body as {
      build_details: { run_id: string; status: string; image: string | null }[];
    };
    expect(acr.build_details[0]).toMatchObject({
      run_id: out.build!.run_id,
      status: 'Succeeded',
      image: 'elb-openapi:3.4',
    });
  }, 150_000);

  it('a build that fails: nothing applied, the run and its message recorded', async () => {
    const deployed = (await summary()).deployed!.digest;
    await addSimFault(stack, { type: 'build_fail', message: 'COPY failed: no such file' });
    const started = await call('POST', '/targets/local/openapi/rebuild', {});
    expect(started.status).toBe(202);
    const out = await ended(started.body.instance_id as string);
    expect(out).toMatchObject({ status: 'failed', error: { code: 'build_failed' }, build: { status: 'Failed' } });
    expect(out.error!.message).toContain('COPY failed: no such file');
    expect(out.cluster_state).toMatch(/^unchanged/);
    expect((await summary()).deployed!.digest).toBe(deployed);
  }, 120_000);

  it('cancelled mid-build: the run is cancelled in the registry, nothing pushed or applied', async () => {
    const deployed = (await summary()).deployed!.digest;
    const tag = await tagDigest();
    await addSimFault(stack, { type: 'build_slow', delay_ms: 60_000 });
    const started = await call('POST', '/targets/local/openapi/rebuild', {});
    const id = started.body.instance_id as string;
    await eventually(
      async () => ((await summary()).active_deploy?.phase === 'building_image' ? true : undefined),
      'the build to run',
      20_000,
      100,
    );
    const cancel = await call('POST', `/targets/local/openapi/deployments/${id}/cancel`, {});
    expect(cancel.status, cancel.text).toBe(202);
    const out = await ended(id);
    expect(out).toMatchObject({ status: 'cancelled', build: { status: 'Canceled' } });
    const acr = (await call('GET', '/monitor/acr')).body as { build_details: { run_id: string; status: string }[] };
    expect(acr.build_details.find((b) => b.run_id === out.build!.run_id)).toMatchObject({ status: 'Canceled' });
    expect(await tagDigest()).toBe(tag);
    expect((await summary()).deployed!.digest).toBe(deployed);
  }, 120_000);

  it('refuses a second operation while one runs, and fields a rebuild does not take', async () => {
    await addSimFault(stack, { type: 'build_slow', delay_ms: 3000 });
    const started = await call('POST', '/targets/local/openapi/rebuild', {});
    expect(started.status).toBe(202);
    const again = await call('POST', '/targets/local/openapi/rebuild', {});
    expect(again).toMatchObject({
      status: 409,
      body: { code: 'deploy_in_progress', active_instance_id: started.body.instance_id },
    });
    const deploy = await call('POST', '/aks/openapi/deploy', {});
    expect(deploy.status).toBe(409);
    await ended(started.body.instance_id as string);
    expect(await call('POST', '/targets/local/openapi/rebuild', { tag: '3.5' })).toMatchObject({
      status: 400,
      body: { code: 'unknown_field' },
    });
  }, 120_000);
  // Last in the file: the run it leaves behind (its cancel cannot reach Resource Manager) pushes after the stack stops.
  it('Resource Manager down mid-build: fails in seconds with registry_unavailable, not at the build deadline', async () => {
    const deployed = (await summary()).deployed!.digest;
    await addSimFault(stack, { type: 'build_slow', delay_ms: 120_000 });
    const started = await call('POST', '/targets/local/openapi/rebuild', {});
    expect(started.status).toBe(202);
    const id = started.body.instance_id as string;
    await eventually(
      async () => ((await summary()).active_deploy?.phase === 'building_image' ? true : undefined),
      'the build to run',
      20_000,
      100,
    );
    await addSimFault(stack, { type: 'arm_errors' });
    const began = Date.now();
    try {
      const out = await ended(id, 30_000);
      // 3 s of retries plus a check and a timer: far below the hour the build may take.
      expect(Date.now() - began).toBeLessThan(25_000);
      expect(out).toMatchObject({ status: 'failed', error: { code: 'registry_unavailable' }, rollback: null });
      expect(out.error!.message).toContain(`run ${out.build!.run_id} could not be read`);
      expect(out.cluster_state).toMatch(/^unchanged/);
      const phase = out.timeline.find((p) => p.name === 'building_image')!;
      expect(phase).toMatchObject({ status: 'failed' });
      expect(phase.detail).toContain('registry_unavailable');
      const record = (await history()).find((r) => r.deploy_id === id);
      expect(record).toMatchObject({ reason: 'rebuild', status: 'failed' });
      expect((await summary()).deployed!.digest).toBe(deployed);
    } finally {
      await clearSimFaults(stack);
    }
  }, 120_000);
});
