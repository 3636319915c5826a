// The product's guarantees on the real local stack (devhost + sim + exec server + Azurite, started by
// local-run.sh): single-flight under concurrent requests, once-per-digest auto-update under Event Grid
// redelivery, convergence on the newest push, rollback on a crash loop, and the API's error codes.
// Runs the compiled app (dist/), like `npm start`; `npm test` builds first.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { TargetStore } from '../../adapters/state-store';
import { tableClient } from '../../adapters/tables';
import * as contract from '../../core/contract';
import { deliverEvents, imagePushedEvent } from '../../test/support/event-grid';
import { jsonApi } from '../../test/support/json-api';
import {
  addSimFault,
  clearSimFaults,
  startFastStack,
  waitForDeployed,
  waitForIdle,
} from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';

let stack: Stack;

type Status = z.output<typeof contract.DeployStatus>;

const api = jsonApi(() => stack.apiUrl);
const WaitOrRefusal = z.union([contract.DeployAccepted, contract.ErrorBody]);
const CancelOrRefusal = z.union([contract.CancelAnswer, contract.ErrorBody]);

/** `method path` with `body` (a string is sent as it is), the answer parsed with the contract's `schema`. */
function call<S extends z.core.$ZodType>(method: string, path: string, schema: S, body?: unknown) {
  return api.request(path, schema, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function finished(id: string): Promise<Status> {
  return eventually(
    async () => {
      const { body } = await call('GET', `/aks/openapi/deploy/${id}/status`, contract.DeployStatus);
      return ['Completed', 'Failed', 'Terminated'].includes(body.runtime_status) ? body : undefined;
    },
    `deploy ${id} to finish`,
    90_000,
    200,
  );
}

const idle = () => waitForIdle(stack);

/** The target's row in the tables (Azurite), read directly: the lease is not visible through the API alone. */
function targetRow() {
  return new TargetStore(tableClient('targets', `http://127.0.0.1:${stack.ports.azuriteTable}/devstoreaccount1`))
    .get('local')
    .then((r) => r.state);
}

/** A deploy's stored history row, read directly from the table: its ETag changes on every write. */
async function storedRecord(id: string): Promise<{ etag: string; status: string; finishedAt: string }> {
  const table = await tableClient('deployments', `http://127.0.0.1:${stack.ports.azuriteTable}/devstoreaccount1`);
  for await (const r of table.listEntities<{ status: string; finishedAt: string }>({
    queryOptions: { filter: `deployId eq '${id}'` },
  }))
    return { etag: r.etag, status: r.status, finishedAt: r.finishedAt };
  throw new Error(`no stored record ${id}`);
}

async function waitForPhase(id: string, phase: string): Promise<void> {
  await eventually(
    async () =>
      (await call('GET', `/aks/openapi/deploy/${id}/status`, contract.DeployStatus)).body.custom_status.phase === phase
        ? true
        : undefined,
    `deploy ${id} to reach ${phase}`,
  );
}

/** A GET with an arbitrary Host header (fetch does not let a caller choose it). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: { code?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: stack.ports.api, path: `/api${path}`, headers: { host } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { code?: string } }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function history(): Promise<z.output<typeof contract.DeploymentList>> {
  return (await call('GET', '/targets/local/openapi/deployments', contract.DeploymentList)).body;
}

async function push(tag = '3.4'): Promise<{ digest: string }> {
  const res = await fetch(`${stack.registryUrl}/_sim/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'elb-openapi', tag }),
  });
  return (await res.json()) as { digest: string };
}

const fault = (body: object) => addSimFault(stack, body);
const clearFaults = () => clearSimFaults(stack);

/**
 * Takes the Service away and arms a LoadBalancer fault, so the next deploy has to wait for a new address
 * (slowly, or never); the caller clears the fault.
 */
async function loseTheAddress(lbFault: { mode: 'slow'; delay_ms: number } | { mode: 'never' }): Promise<void> {
  await fault({ type: 'lb_ip', ...lbFault });
  await fetch(`${stack.k8sUrl}/api/v1/namespaces/elb-openapi/services/elb-openapi`, { method: 'DELETE' });
}

/** Starts a deploy of the current tag and returns its id once it waits for its LoadBalancer address. */
async function deployWaitingForAddress(): Promise<string> {
  const { body } = await call('POST', '/aks/openapi/deploy', contract.DeployAccepted, {});
  await waitForPhase(body.id, 'waiting_for_external_ip');
  return body.id;
}

beforeAll(async () => {
  stack = await startFastStack({ ELB_EXTERNAL_IP_TIMEOUT_SECONDS: '20' });
  // A first install, so later deploys are updates with something to roll back to.
  const first = await call('POST', '/aks/openapi/deploy', contract.DeployAccepted, {});
  expect(first.status).toBe(202);
  expect((await finished(first.body.id)).output?.status).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the deploy API on the local stack', () => {
  it('answers bad input with codes, unknown things with 404', async () => {
    expect(await call('POST', '/aks/openapi/deploy', contract.ErrorBody, '{"tag":"no such tag!"}')).toMatchObject({
      status: 400,
      body: { code: 'invalid_tag' },
    });
    expect(await call('POST', '/aks/openapi/deploy', contract.ErrorBody, '{"colour":"blue"}')).toMatchObject({
      status: 400,
      body: { code: 'unknown_field' },
    });
    expect(await call('POST', '/aks/openapi/deploy', contract.ErrorBody, '{"target":"nowhere"}')).toMatchObject({
      status: 404,
      body: { code: 'unknown_target' },
    });
    expect(
      await call('GET', '/aks/openapi/deploy/local-19990101t000000-00000000/status', contract.ErrorBody),
    ).toMatchObject({
      status: 404,
      body: { code: 'unknown_deploy' },
    });
    expect(await call('GET', '/targets/nowhere/openapi', contract.ErrorBody)).toMatchObject({
      status: 404,
      body: { code: 'unknown_target' },
    });
    expect(await call('GET', '/monitor/aks/service-ip?service_name=redis', contract.ErrorBody)).toMatchObject({
      status: 400,
      body: { code: 'unknown_service' },
    });
    // The OpenAPI document is not an answer the contract describes (api-document.e2e.test.ts checks it).
    const spec = (await api.raw('/openapi.json')) as { body: { openapi: string; paths: object } };
    expect(spec.body.openapi).toBe('3.1.0');
    expect(Object.keys(spec.body.paths)).toContain('/aks/openapi/deploy');
  });

  it('fails fast with image_not_found for a tag the registry does not have', async () => {
    const { body } = await call('POST', '/aks/openapi/deploy', contract.DeployAccepted, { tag: '9.9' });
    const s = await finished(body.id);
    expect(s.output).toMatchObject({ status: 'failed', error: { code: 'image_not_found' } });
  });

  it('starts exactly one orchestration for 20 concurrent deploy requests', async () => {
    await idle();
    const before = (await history()).length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/aks/openapi/deploy', WaitOrRefusal, {})),
    );
    const started = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 409);
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(19);
    const id = z.parse(contract.DeployAccepted, started[0]!.body).id;
    for (const r of refused) expect(r.body).toMatchObject({ code: 'deploy_in_progress', active_instance_id: id });
    expect((await finished(id)).output?.status).toBe('succeeded');
    await idle();
    expect((await history()).length).toBe(before + 1);
  });

  it('deploys a pushed digest once, however often Event Grid delivers the event', async () => {
    await idle();
    const before = await history();
    const pushed = await push();
    // The sim delivered the event once; deliver the very same event four more times, concurrently.
    const event = [imagePushedEvent({ digest: pushed.digest, registryHost: `127.0.0.1:${stack.ports.simRegistry}` })];
    const origin = `http://127.0.0.1:${stack.ports.api}`;
    const deliveries = await Promise.all(
      Array.from({ length: 4 }, () => deliverEvents(origin, stack.hostKeys().system, event)),
    );
    for (const status of deliveries) expect(status).toBeLessThan(300);
    await waitForDeployed(stack, pushed.digest);
    const autos = (await history()).filter((r) => !before.some((b) => b.deploy_id === r.deploy_id));
    expect(autos.map((r) => [r.reason, r.status, r.digest])).toEqual([['auto', 'succeeded', pushed.digest]]);
  });

  it('converges on the last of three pushes made during a deploy', async () => {
    await idle();
    await loseTheAddress({ mode: 'slow', delay_ms: 4000 });
    try {
      // A redeploy of the current tag, slowed down by the LoadBalancer fault; three rebuilt 3.4 images land meanwhile.
      const id = await deployWaitingForAddress();
      const pushes = [await push(), await push(), await push()];
      expect((await finished(id)).output?.status).toBe('succeeded');
      // Converged on the last push: it is deployed and nothing further is in flight.
      await waitForDeployed(stack, pushes.at(-1)!.digest);
    } finally {
      await clearFaults();
    }
  });

  it('rolls back a crash-looping update and says why', async () => {
    await idle();
    const before = (await call('GET', '/targets/local/openapi', contract.TargetSummary)).body.deployed!;
    const acr = (await call('GET', '/monitor/acr', contract.AcrView)).body;
    await fault({ type: 'crash_loop', image: `elb-openapi@${acr.digests['3.3']}` });
    try {
      const { body } = await call('POST', '/aks/openapi/deploy', contract.DeployAccepted, { tag: '3.3' });
      const update = { deploy_id: body.id };
      await finished(body.id);
      const s = (await call('GET', `/aks/openapi/deploy/${update.deploy_id}/status`, contract.DeployStatus)).body;
      expect(s.output).toMatchObject({
        status: 'rolled_back',
        error: { code: 'crash_loop' },
        rollback: { status: 'succeeded', image: before.image },
      });
      expect(s.output?.error?.diagnostics?.likely_cause).toBeTruthy();
      const after = await idle();
      expect(after.deployed?.digest).toBe(before.digest);
      // The history record carries the timeline, so History can show which phase failed and that the rollback ran.
      const record = (await history()).find((r) => r.deploy_id === update.deploy_id)!;
      expect(record.status).toBe('rolled_back');
      const phases = Object.fromEntries(record.timeline.map((e) => [e.name, e.status]));
      expect(phases).toMatchObject({
        resolving_image: 'done',
        applying_manifests: 'done',
        waiting_for_rollout: 'failed',
        rolling_back: 'done',
        waiting_for_external_ip: 'pending',
      });
      const failedPhase = record.timeline.find((e) => e.name === 'waiting_for_rollout')!;
      expect(failedPhase.detail).toMatch(/^crash_loop: /);
      expect(Date.parse(failedPhase.endedAt!)).toBeGreaterThanOrEqual(Date.parse(failedPhase.startedAt!));
    } finally {
      await clearFaults();
    }
  });

  it('cancels a running deploy between waits and ends cancelled', async () => {
    await idle();
    await loseTheAddress({ mode: 'never' });
    try {
      const id = await deployWaitingForAddress();
      expect(await call('POST', `/aks/openapi/deploy/${id}/cancel`, CancelOrRefusal)).toMatchObject({
        status: 202,
        body: { cancel_requested: true },
      });
      const s = await finished(id);
      expect(s.output).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      expect(await call('POST', `/aks/openapi/deploy/${id}/cancel`, CancelOrRefusal)).toMatchObject({
        status: 409,
        body: { code: 'deploy_not_running' },
      });
    } finally {
      await clearFaults();
    }
  });
  it('after a hard terminate, a push queued during that deploy still gets its follow-up, which takes the lease', async () => {
    await idle();
    await loseTheAddress({ mode: 'never' });
    let faultsCleared = false;
    try {
      const id = await deployWaitingForAddress();
      const pushed = await push();
      expect(await targetRow()).toMatchObject({ activeInstanceId: id, pendingPushDigest: pushed.digest });

      const term = await call('POST', `/aks/openapi/deploy/${id}/cancel?mode=terminate`, contract.CancelAnswer);
      expect(term).toMatchObject({ status: 202, body: { terminated: true } });
      await clearFaults();
      faultsCleared = true;
      // The lease went straight to a follow-up auto deploy for the queued push.
      const row = await targetRow();
      expect(row.activeInstanceId).not.toBe(id);
      expect(row).toMatchObject({ activeReason: 'auto', pendingPushDigest: null, appliedManifest: null });
      const followUp = await finished(row.activeInstanceId!);
      expect(followUp.output).toMatchObject({ status: 'succeeded', openapi_deploy: { digest: pushed.digest } });
      expect((await idle()).deployed?.digest).toBe(pushed.digest);
      expect((await targetRow()).activeInstanceId).toBeNull();

      const records = await history();
      const terminated = records.find((r) => r.deploy_id === id)!;
      expect(terminated.status).toBe('terminated');
      expect(terminated.timeline.find((e) => e.name === 'waiting_for_external_ip')).toMatchObject({
        status: 'failed',
        detail: 'terminated',
      });
      expect(records.find((r) => r.deploy_id === row.activeInstanceId)).toMatchObject({
        reason: 'auto',
        status: 'succeeded',
        digest: pushed.digest,
      });
    } finally {
      if (!faultsCleared) await clearFaults();
    }
  });

  it('a hard terminate with nothing queued releases the lease at once: the next deploy starts', async () => {
    await idle();
    await loseTheAddress({ mode: 'never' });
    try {
      const id = await deployWaitingForAddress();
      expect((await targetRow()).activeInstanceId).toBe(id);
      expect(
        (await call('POST', `/aks/openapi/deploy/${id}/cancel?mode=terminate`, contract.CancelAnswer)).status,
      ).toBe(202);
      expect((await targetRow()).activeInstanceId).toBeNull();
      await clearFaults();
      const next = await call('POST', '/aks/openapi/deploy', contract.DeployAccepted, {});
      expect(next.status).toBe(202);
      expect((await finished(next.body.id)).output?.status).toBe('succeeded');
    } finally {
      await clearFaults();
    }
  });

  it('a deploy terminated outside the API is closed in the history by the first read only; the next deploy takes its lease', async () => {
    await idle();
    await loseTheAddress({ mode: 'never' });
    try {
      const id = await deployWaitingForAddress();
      // Durable's own terminate (the host's management API), which the app never hears about.
      const res = await fetch(
        `${stack.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=operator`,
        { method: 'POST', headers: { 'x-functions-key': stack.hostKeys().system } },
      );
      expect(res.status).toBe(202);
      await finished(id);
      const before = await storedRecord(id);
      expect(before).toMatchObject({ status: 'running', finishedAt: '' });

      const first = (await history()).find((r) => r.deploy_id === id)!;
      expect(first.status).toBe('terminated');
      expect(first.timeline.find((e) => e.name === 'waiting_for_external_ip')).toMatchObject({
        status: 'failed',
        detail: 'ended as Terminated',
      });
      const repaired = await storedRecord(id);
      expect(repaired.etag).not.toBe(before.etag);
      expect(repaired.status).toBe('terminated');
      // The second read finds the record closed and writes nothing.
      expect((await history()).find((r) => r.deploy_id === id)).toEqual(first);
      expect(await storedRecord(id)).toEqual(repaired);
      // The activity view (table reads only) no longer shows it as running.
      const activity = await call('GET', '/targets/local/openapi/activity', contract.TargetActivity);
      expect(activity.body).toMatchObject({ active_deploy: null, last_deploy: { status: 'terminated' } });

      await clearFaults();
      const next = await call('POST', '/aks/openapi/deploy', contract.DeployAccepted, {});
      expect(next.status).toBe(202);
      expect((await targetRow()).activeInstanceId).toBe(next.body.id);
      expect((await finished(next.body.id)).output?.status).toBe('succeeded');
      expect(await storedRecord(id)).toEqual(repaired);
    } finally {
      await clearFaults();
    }
  });

  it('ELB_AUTH_MODE=none refuses a request addressed to a non-loopback host', async () => {
    expect(await getWithHost('/targets', `127.0.0.1:${stack.ports.api}`)).toMatchObject({ status: 200 });
    expect(await getWithHost('/targets', `localhost:${stack.ports.api}`)).toMatchObject({ status: 200 });
    for (const host of ['elb.example.com', `elb.example.com:${stack.ports.api}`, '10.1.2.3']) {
      expect(await getWithHost('/targets', host)).toMatchObject({ status: 403, body: { code: 'auth_required' } });
    }
  });
});
