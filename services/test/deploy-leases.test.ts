// The lease service's transitions against a real Azurite (started here on a free port): what each one records in
// the `targets` and `deployments` tables, read back from the tables themselves. Durable's client exists only inside a
// Functions host invocation, so a small in-memory stand-in plays it here (it keeps instances and their runtime
// status, and answers an unknown id the way durable-functions does, with an error naming HTTP 404); the e2e suites
// (functions/test/product.e2e.test.ts) run the same service with the real client in the devhost.
import type { ChildProcess } from 'node:child_process';
import type { TableClient } from '@azure/data-tables';
import type { DurableClient } from 'durable-functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppConfig, loadConfig } from '../../core/config';
import { DeployOutput } from '../../core/deploy-model';
import { DeploymentRecord, queuedDeploymentRecord } from '../../core/deployment-record';
import { LEASE_START_GRACE_MS } from '../../core/target-state';
import { initialTimeline, startPhase, TimelineEntry } from '../../core/timeline';
import { DeploymentStore, TargetStore } from '../../adapters/state-store';
import { tableClient } from '../../adapters/tables';
import { azuriteTablesUrl, startAzuriteTables, stopProcess } from '../../test/support/node-process';
import { freePorts } from '../../test/support/stack';
import { DeployLeases } from '../deploy-leases';

interface Instance {
  runtimeStatus: string;
  customStatus: unknown;
  input: unknown;
  lastUpdatedTime: Date;
}

/** Stand-in for Durable's client (see the header): instances by id, and the calls made. */
class FakeDurable {
  readonly instances = new Map<string, Instance>();
  readonly calls: string[] = [];
  failStart = false;

  set(id: string, runtimeStatus: string, customStatus: unknown = null, input: unknown = { target: 'local' }) {
    this.instances.set(id, { runtimeStatus, customStatus, input, lastUpdatedTime: new Date() });
  }

  client(): DurableClient {
    const api = {
      getStatus: async (id: string) => {
        const i = this.instances.get(id);
        if (!i) throw new Error(`Webhook returned unexpected status code: 404`);
        return { instanceId: id, createdTime: i.lastUpdatedTime, ...i };
      },
      startNew: async (_name: string, o: { instanceId: string; input: unknown }) => {
        this.calls.push(`startNew ${o.instanceId}`);
        if (this.failStart) throw new Error('Durable is down');
        this.set(o.instanceId, 'Pending', null, o.input);
        return o.instanceId;
      },
      terminate: async (id: string) => {
        this.calls.push(`terminate ${id}`);
        this.set(id, 'Terminated', this.instances.get(id)?.customStatus, this.instances.get(id)?.input);
      },
      raiseEvent: async (id: string, event: string) => {
        this.calls.push(`raiseEvent ${id} ${event}`);
        const i = this.instances.get(id)!;
        i.customStatus = { ...(i.customStatus as object), cancel_requested: true };
      },
    };
    return api as unknown as DurableClient;
  }
}

let azurite: ChildProcess;
let tablesUrl = '';
let config: AppConfig;
let run = 0;
let targetsTable: TableClient;
let deploymentsTable: TableClient;
let targets: TargetStore;
let deployments: DeploymentStore;
let durable: FakeDurable;
let leases: DeployLeases;

beforeAll(async () => {
  const [port] = (await freePorts(1)) as [number];
  const started = await startAzuriteTables(port);
  azurite = started.child;
  tablesUrl = azuriteTablesUrl(port);
  config = loadConfig({ ELB_AUTH_MODE: 'none', ELB_LOCAL_DIR: '/tmp/elb-leases-test' });
}, 120_000);

afterAll(async () => {
  if (azurite) await stopProcess(azurite);
});

beforeEach(async () => {
  // Fresh tables per case, so each asserts exactly what its own transitions recorded.
  run++;
  targetsTable = await tableClient(`leasetargets${run}`, tablesUrl);
  deploymentsTable = await tableClient(`leasedeployments${run}`, tablesUrl);
  targets = new TargetStore(targetsTable);
  deployments = new DeploymentStore(deploymentsTable, 10);
  durable = new FakeDurable();
  leases = new DeployLeases(durable.client(), { config, targets, deployments });
});

const local = () => config.targets[0]!;
const row = async () => (await targets.get('local')).state;

/** The stored row of one deploy's record, as Azure Tables has it (its ETag changes on every write). */
async function storedRecord(id: string): Promise<{ etag: string; status: unknown; finishedAt: unknown }> {
  for await (const r of deploymentsTable.listEntities<{ status: string; finishedAt: string }>({
    queryOptions: { filter: `deployId eq '${id}'` },
  })) {
    return { etag: r.etag, status: r.status, finishedAt: r.finishedAt };
  }
  throw new Error(`no stored record ${id}`);
}

/** A deploy that started earlier and holds the lease (`ageMs` ago), with its record as resolve leaves it. */
async function running(id: string, ageMs = 0, timeline: TimelineEntry[] = initialTimeline()): Promise<void> {
  const since = new Date(Date.now() - ageMs).toISOString();
  await targets.update('local', (s) => ({
    next: { ...s, activeInstanceId: id, activeReason: 'update', activeSince: since, appliedManifest: '[{"k":1}]' },
    result: undefined,
  }));
  await deployments.create({
    ...queuedDeploymentRecord({
      deployId: id,
      target: 'local',
      reason: 'update',
      requester: 'ann',
      requestedAt: since,
      tag: '3.4',
      digest: null,
    }),
    status: 'running',
    timeline,
  });
}

function output(id: string, over: Partial<DeployOutput> = {}): DeployOutput {
  const digest = `sha256:${'b'.repeat(64)}`;
  return {
    status: 'succeeded',
    deploy_id: id,
    target: 'local',
    namespace: 'elb-openapi',
    reason: 'update',
    requester: 'ann',
    workload_identity: null,
    openapi_deploy: {
      status: 'deployed',
      image: `127.0.0.1/elb-openapi@${digest}`,
      tag: '3.4',
      digest,
      external_ip: '10.0.0.7',
      base_url: 'http://10.0.0.7',
      api_version: '1.2.0',
      apply_output: 'applied',
      ready_replicas: 1,
      desired_replicas: 1,
    },
    previous_image: null,
    error: null,
    rollback: null,
    cancel_requested: false,
    cluster_state: 'running 3.4',
    timeline: initialTimeline().map((e) => ({ ...e, status: 'done' as const })),
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
    elapsed_seconds: 12,
    ...over,
  };
}

const req = (requester = 'ann') =>
  ({ target: local(), reason: 'update', tag: '3.4', digest: null, requester }) as const;

describe('start', () => {
  it('takes the lease, records the deploy as queued and starts its orchestration; a second start is refused', async () => {
    const first = await leases.start(req());
    expect(first.started).toBe(true);
    const id = (first as { instanceId: string }).instanceId;
    expect(await row()).toMatchObject({ activeInstanceId: id, activeReason: 'update' });
    expect(await deployments.get('local', id)).toMatchObject({ status: 'queued', requester: 'ann', tag: '3.4' });
    expect(durable.calls).toEqual([`startNew ${id}`]);

    expect(await leases.start(req('bob'))).toEqual({ started: false, activeInstanceId: id });
    expect(durable.calls).toHaveLength(1);
    expect(await deployments.list('local')).toHaveLength(1);
  });

  it('when Durable cannot start it: the lease is released and the record says why, nothing half-done', async () => {
    durable.failStart = true;
    await expect(leases.start(req())).rejects.toMatchObject({ code: 'orchestration_start_failed', status: 503 });
    expect((await row()).activeInstanceId).toBeNull();
    const [record] = await deployments.list('local');
    expect(record).toMatchObject({ status: 'failed', error: { code: 'orchestration_start_failed' } });
    expect(record!.finished_at).not.toBeNull();
  });

  it('takes over from a holder that ended outside the API, closing its record and dropping its applied manifest', async () => {
    const timeline = startPhase(initialTimeline(), 'waiting_for_rollout', new Date().toISOString());
    await running('old', 5_000, timeline);
    durable.set('old', 'Terminated', { timeline });
    const outcome = await leases.start(req());
    expect(outcome.started).toBe(true);
    expect(await row()).toMatchObject({
      activeInstanceId: (outcome as { instanceId: string }).instanceId,
      appliedManifest: null,
    });
    const old = await deployments.get('local', 'old');
    expect(old).toMatchObject({ status: 'terminated', error: { code: 'terminated' } });
    expect(old!.timeline.find((e) => e.name === 'waiting_for_rollout')).toMatchObject({
      status: 'failed',
      detail: 'ended as Terminated',
    });
  });

  it('takes over from a holder Durable no longer knows, once the start grace is over; keeps it within the grace', async () => {
    await running('young', 1_000);
    expect(await leases.start(req())).toEqual({ started: false, activeInstanceId: 'young' });
    expect(await deployments.get('local', 'young')).toMatchObject({ status: 'running', finished_at: null });

    await running('gone', LEASE_START_GRACE_MS + 5_000);
    expect((await leases.start(req())).started).toBe(true);
    expect(await deployments.get('local', 'gone')).toMatchObject({
      status: 'failed',
      error: { code: 'orchestration_missing' },
    });
  });
});

describe('finish', () => {
  it('records the result in the history and the target row, then releases the lease', async () => {
    await running('d1');
    durable.set('d1', 'Running');
    expect(await leases.finish(local(), 'd1', output('d1'))).toBeNull();
    const record = await deployments.get('local', 'd1');
    expect(record).toMatchObject({ status: 'succeeded', image: expect.stringContaining('@sha256:b'), output: {} });
    expect(record!.elapsed_seconds).toBe(12);
    expect(await row()).toMatchObject({
      activeInstanceId: null,
      deployedTag: '3.4',
      deployedDigest: `sha256:${'b'.repeat(64)}`,
      deployedManifest: '[{"k":1}]',
      appliedManifest: null,
      apiVersion: '1.2.0',
    });
  });

  it('hands the lease to a follow-up auto deploy when a push was queued during the deploy', async () => {
    await running('d1');
    durable.set('d1', 'Running');
    const pushed = `sha256:${'c'.repeat(64)}`;
    const queued = await leases.push(local(), { repository: 'elb-openapi', tag: config.pinnedTag, digest: pushed });
    expect(queued).toEqual({ action: 'queue' });
    expect(await row()).toMatchObject({ activeInstanceId: 'd1', pendingPushDigest: pushed });

    const followUp = await leases.finish(local(), 'd1', output('d1'));
    expect(followUp).toMatch(/^local-/);
    expect(await row()).toMatchObject({ activeInstanceId: followUp, activeReason: 'auto', pendingPushDigest: null });
    expect(await deployments.get('local', followUp!)).toMatchObject({ status: 'queued', reason: 'auto' });
    expect(durable.calls).toEqual([`startNew ${followUp}`]);
  });
});

describe('terminate', () => {
  it('records the record terminated at the phase it stopped in, and releases the lease', async () => {
    const timeline = startPhase(initialTimeline(), 'waiting_for_external_ip', new Date().toISOString());
    await running('d1', 0, timeline);
    durable.set('d1', 'Running', { phase: 'waiting_for_external_ip', timeline });
    expect(await leases.cancel('d1', 'terminate', 'ann', 'local')).toMatchObject({ terminated: true });
    expect(durable.calls).toEqual(['terminate d1']);
    const record = await deployments.get('local', 'd1');
    expect(record).toMatchObject({ status: 'terminated', error: { code: 'terminated' } });
    expect(record!.timeline.find((e) => e.name === 'waiting_for_external_ip')).toMatchObject({
      status: 'failed',
      detail: 'terminated',
    });
    expect(await row()).toMatchObject({ activeInstanceId: null, appliedManifest: null });
  });

  it('keeps the result of a deploy whose finish step recorded it just before the termination', async () => {
    await running('d1');
    durable.set('d1', 'Running', { phase: 'verifying_service' });
    await deployments.update('local', 'd1', { status: 'succeeded', finished_at: new Date().toISOString() });
    await leases.cancel('d1', 'terminate', 'ann', 'local');
    expect(await deployments.get('local', 'd1')).toMatchObject({ status: 'succeeded', error: null });
  });
});

describe('history (the read) and its one repair', () => {
  it('shows a running deploy with its live timeline without writing anything', async () => {
    await running('d1');
    const live = startPhase(initialTimeline(), 'applying_manifests', new Date().toISOString());
    durable.set('d1', 'Running', { timeline: live });
    const before = await storedRecord('d1');
    const [shown] = await leases.history('local', 10);
    expect(shown!.timeline).toEqual(live);
    expect(await storedRecord('d1')).toEqual(before);
  });

  it('closes a record whose orchestration ended without recording it once: the second read writes nothing', async () => {
    const timeline = startPhase(initialTimeline(), 'waiting_for_rollout', new Date().toISOString());
    await running('d1', 0, timeline);
    durable.set('d1', 'Failed', { timeline });
    const before = await storedRecord('d1');
    expect(before).toMatchObject({ status: 'running', finishedAt: '' });

    const [first] = await leases.history('local', 10);
    expect(first).toMatchObject({ status: 'failed', error: { code: 'failed' } });
    const afterFirst = await storedRecord('d1');
    expect(afterFirst.etag).not.toBe(before.etag);
    expect(afterFirst).toMatchObject({ status: 'failed', finishedAt: first!.finished_at });

    const [second] = await leases.history('local', 10);
    expect(second).toEqual(first);
    expect(await storedRecord('d1')).toEqual(afterFirst);
    // The read repairs the record only; the lease (free anyway: its holder ended) is left to the next start.
    expect((await row()).activeInstanceId).toBe('d1');
  });

  it('ten concurrent reads of such a record store its repair exactly once', async () => {
    await running('d1');
    durable.set('d1', 'Terminated');
    // Count the table writes that Azurite accepted (the real client; only its answers are counted).
    let stored = 0;
    const update = deploymentsTable.updateEntity.bind(deploymentsTable);
    deploymentsTable.updateEntity = (async (...args: Parameters<typeof update>) => {
      const r = await update(...args);
      stored++;
      return r;
    }) as typeof update;
    const reads = await Promise.all(Array.from({ length: 10 }, () => leases.history('local', 10)));
    expect(new Set(reads.map((r) => r[0]!.status))).toEqual(new Set(['terminated']));
    expect(stored).toBe(1);
  });

  it('closes a record Durable no longer knows only after the start grace; a young one is shown as it is', async () => {
    await running('young', 1_000);
    const before = await storedRecord('young');
    expect((await leases.history('local', 10))[0]).toMatchObject({ status: 'running', finished_at: null });
    expect(await storedRecord('young')).toEqual(before);

    await running('gone', LEASE_START_GRACE_MS + 5_000);
    const shown = await leases.history('local', 10);
    expect(shown.find((r) => r.deploy_id === 'gone')).toMatchObject({
      status: 'failed',
      error: { code: 'orchestration_missing' },
    });
  });

  it('never overwrites a record the finish step recorded while the read was deciding (conditional write)', async () => {
    await running('d1');
    const record = (await deployments.get('local', 'd1')) as DeploymentRecord;
    await deployments.update('local', 'd1', { status: 'succeeded', finished_at: new Date().toISOString() });
    expect(await deployments.closeIfOpen('local', 'd1', { ...record, status: 'failed' })).toMatchObject({
      status: 'succeeded',
    });
    expect(await deployments.get('local', 'd1')).toMatchObject({ status: 'succeeded' });
  });
});

describe('notifications (docs/policies.md#notifications)', () => {
  /** The deliveries the service started through notify(): one Durable instance per event and destination. */
  const deliveries = () =>
    [...durable.instances.entries()]
      .filter(([id]) => id.startsWith('notify-'))
      .map(([, i]) => i.input as { destination: string; event: Record<string, unknown> });

  beforeEach(() => {
    const notifying = {
      ...config,
      notifications: [{ name: 'chat', format: 'slack' as const, kinds: null, targets: null }],
    };
    leases = new DeployLeases(durable.client(), { config: notifying, targets, deployments });
  });

  it('announces a start with its reason, and a finish with its outcome and error, once each', async () => {
    const started = await leases.start({ ...req(), reason: 'rotate_token', tag: null });
    expect(started.started).toBe(true);
    const id = (started as { instanceId: string }).instanceId;
    expect(deliveries()).toEqual([
      {
        destination: 'chat',
        event: expect.objectContaining({
          kind: 'deploy_started',
          target: 'local',
          deploy_id: id,
          reason: 'rotate_token',
          requester: 'ann',
        }),
      },
    ]);

    const failed = output(id, {
      status: 'rolled_back',
      reason: 'rotate_token',
      error: { code: 'token_check_failed', message: 'the service refused the new token' },
    });
    await leases.finish(local(), id, failed);
    // A finish step that runs again (a redelivered activity) sends nothing more.
    await leases.finish(local(), id, failed);
    const events = deliveries().map((d) => d.event);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      kind: 'deploy_failed',
      outcome: 'rolled_back',
      reason: 'rotate_token',
      error: { code: 'token_check_failed', message: 'the service refused the new token' },
    });
    expect(JSON.stringify(deliveries())).not.toMatch(/https?:\/\//);
  });

  it('announces a deploy terminated through the API as failed, outcome terminated', async () => {
    await running('d1');
    durable.set('d1', 'Running');
    await leases.cancel('d1', 'terminate', 'ann', 'local');
    expect(deliveries().map((d) => d.event)).toEqual([
      expect.objectContaining({
        kind: 'deploy_failed',
        deploy_id: 'd1',
        outcome: 'terminated',
        error: expect.objectContaining({ code: 'terminated' }),
      }),
    ]);
  });

  it('never lets a notification fail the operation: a start with Durable refusing deliveries still starts', async () => {
    const client = durable.client();
    const refusing = {
      ...client,
      getStatus: client.getStatus,
      startNew: async (name: string, o: { instanceId: string; input: unknown }) => {
        if (o.instanceId.startsWith('notify-')) throw new Error('Durable is down for notifications');
        return client.startNew(name, o);
      },
    } as unknown as DurableClient;
    const notifying = {
      ...config,
      notifications: [{ name: 'chat', format: 'json' as const, kinds: null, targets: null }],
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const outcome = await new DeployLeases(refusing, { config: notifying, targets, deployments }).start(req());
      expect(outcome.started).toBe(true);
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
