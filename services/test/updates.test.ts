// offerUpdate's `gate` route against a real Azurite (started here on a free port): one waiting update per target (its
// instance id on the target row), a newer image supersedes the waiting one and starts its own, and one digest starts
// at most one update whatever offers it — a redelivery, the reconcile timer, or two deliveries at once. Durable's
// client exists only inside a Functions host invocation, so a small recording stand-in plays it (the unit under test
// is what the route asks of it); the real client and orchestration run in test/e2e/approvals.test.ts.
import type { ChildProcess } from 'node:child_process';
import type { DurableClient } from 'durable-functions';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppConfig, loadConfig } from '../../core/config';
import { DEFAULT_POLICY, UpdatePolicy } from '../../core/contract/policy';
import { PushEvent } from '../../core/target-state';
import { SUPERSEDE_EVENT, UPDATE_TARGET_ORCHESTRATOR, UpdateTargetInput } from '../../core/update-model';
import { DeploymentStore, TargetStore } from '../../adapters/state-store';
import { tableClient } from '../../adapters/tables';
import { azuriteTablesUrl, startAzuriteTables, stopProcess } from '../../test/support/node-process';
import { freePorts } from '../../test/support/stack';
import { substituteAdapters } from '../composition';
import { offerUpdate } from '../updates';

/** Records what the route asks of Durable; `failStart` makes startNew refuse, as a Durable outage would. */
class RecordingDurable {
  readonly started: { name: string; id: string; input: UpdateTargetInput }[] = [];
  readonly raised: { id: string; event: string; data: unknown }[] = [];
  failStart = false;

  client(): DurableClient {
    return {
      startNew: async (name: string, o: { instanceId: string; input: UpdateTargetInput }) => {
        // A moment of latency, so two offers at once really overlap.
        await new Promise((ok) => setTimeout(ok, 20));
        if (this.failStart) throw new Error('Durable is down');
        this.started.push({ name, id: o.instanceId, input: o.input });
        return o.instanceId;
      },
      raiseEvent: async (id: string, event: string, data: unknown) => {
        this.raised.push({ id, event, data });
      },
      getStatus: async () => {
        throw new Error('404 Not Found');
      },
    } as unknown as DurableClient;
  }
}

let azurite: ChildProcess;
let tablesUrl = '';
let run = 0;
let targets: TargetStore;
let deployments: DeploymentStore;
let durable: RecordingDurable;
let restore: () => void = () => undefined;

const WINDOW = { days: ['sat' as const], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' };

function configWith(policy: Partial<UpdatePolicy>): AppConfig {
  return loadConfig({
    ELB_AUTH_MODE: 'none',
    ELB_TARGETS: JSON.stringify([
      { name: 'prod', kind: 'kubeconfig', kubeconfig: '/nonexistent', policy: { ...DEFAULT_POLICY, ...policy } },
    ]),
  });
}

beforeAll(async () => {
  const [port] = (await freePorts(1)) as [number];
  azurite = (await startAzuriteTables(port)).child;
  tablesUrl = azuriteTablesUrl(port);
}, 120_000);

afterAll(async () => {
  if (azurite) await stopProcess(azurite);
});

beforeEach(async () => {
  run++;
  targets = new TargetStore(await tableClient(`gatetargets${run}`, tablesUrl));
  deployments = new DeploymentStore(await tableClient(`gatedeployments${run}`, tablesUrl), 10);
  durable = new RecordingDurable();
});

afterEach(() => restore());

function use(policy: Partial<UpdatePolicy>): AppConfig {
  const config = configWith(policy);
  restore = substituteAdapters({
    config,
    targets,
    deployments,
    clusterPower: () => null,
  });
  return config;
}

const push = (n: string, tag = '3.4'): PushEvent => ({
  repository: 'elb-openapi',
  tag,
  digest: `sha256:${n.repeat(64)}`,
});
const row = async () => (await targets.get('prod')).state;

describe('offerUpdate: the gate route (approval and maintenance window)', () => {
  it('approve mode: starts one updateTarget with the policy in force and keeps its id on the target row', async () => {
    const config = use({ mode: 'approve', approvalTimeoutHours: 6 });
    const target = config.targets[0]!;
    const outcome = await offerUpdate(durable.client(), target, push('a'), 'push');
    expect(outcome).toMatchObject({ route: 'gate', action: 'start', superseded: null });
    expect(durable.started).toHaveLength(1);
    const [started] = durable.started;
    expect(started!.name).toBe(UPDATE_TARGET_ORCHESTRATOR);
    expect(started!.id).toMatch(/^prod-update-\d{8}t\d{6}-[0-9a-f]{8}$/);
    expect(started!.input).toMatchObject({
      target: 'prod',
      image: { tag: '3.4', digest: push('a').digest },
      trigger: 'push',
      policy: { mode: 'approve', approvalTimeoutHours: 6 },
      waveId: null,
    });
    expect(await row()).toMatchObject({ pendingUpdateId: started!.id, lastAutoDigest: push('a').digest });
  });

  it('once per digest: a redelivery and the reconcile timer offering the same digest start nothing more', async () => {
    const config = use({ mode: 'approve' });
    const target = config.targets[0]!;
    await offerUpdate(durable.client(), target, push('a'), 'push');
    expect(await offerUpdate(durable.client(), target, push('a'), 'push')).toEqual({
      route: 'gate',
      action: 'ignore',
      reason: 'duplicate',
    });
    expect(await offerUpdate(durable.client(), target, push('a'), 'reconcile')).toMatchObject({ action: 'ignore' });
    expect(durable.started).toHaveLength(1);
    expect(durable.raised).toEqual([]);
  });

  it('once per digest, concurrently: five deliveries of one push at once start exactly one update', async () => {
    const config = use({ mode: 'approve' });
    const target = config.targets[0]!;
    const outcomes = await Promise.all(
      ['push', 'push', 'reconcile', 'push', 'reconcile'].map((t) =>
        offerUpdate(durable.client(), target, push('a'), t as 'push' | 'reconcile'),
      ),
    );
    expect(outcomes.filter((o) => o.action === 'start')).toHaveLength(1);
    expect(durable.started).toHaveLength(1);
    expect((await row()).pendingUpdateId).toBe(durable.started[0]!.id);
  });

  it('a newer image supersedes the waiting update and starts its own', async () => {
    const config = use({ mode: 'approve' });
    const target = config.targets[0]!;
    await offerUpdate(durable.client(), target, push('a'), 'push');
    const first = durable.started[0]!.id;
    const second = await offerUpdate(durable.client(), target, push('b'), 'push');
    expect(second).toMatchObject({ route: 'gate', action: 'start', superseded: first });
    const newer = durable.started[1]!.id;
    expect(durable.raised).toEqual([{ id: first, event: SUPERSEDE_EVENT, data: { by: newer } }]);
    expect(await row()).toMatchObject({ pendingUpdateId: newer, lastAutoDigest: push('b').digest });
  });

  it('Durable refusing the start gives the digest and the slot back, so the redelivery starts it', async () => {
    const config = use({ mode: 'approve' });
    const target = config.targets[0]!;
    durable.failStart = true;
    await expect(offerUpdate(durable.client(), target, push('a'), 'push')).rejects.toMatchObject({
      code: 'orchestration_start_failed',
    });
    expect(await row()).toMatchObject({ pendingUpdateId: null, lastAutoDigest: null });
    durable.failStart = false;
    expect(await offerUpdate(durable.client(), target, push('a'), 'push')).toMatchObject({ action: 'start' });
    expect(durable.started).toHaveLength(1);
  });

  it('auto mode with a window goes through the gate too; the digest already deployed is not offered', async () => {
    const config = use({ mode: 'auto', window: WINDOW });
    const target = config.targets[0]!;
    await targets.update('prod', (s) => ({ next: { ...s, deployedDigest: push('c').digest }, result: undefined }));
    expect(await offerUpdate(durable.client(), target, push('c'), 'push')).toMatchObject({
      action: 'ignore',
      reason: 'already_deployed',
    });
    expect(await offerUpdate(durable.client(), target, push('d'), 'push')).toMatchObject({
      route: 'gate',
      action: 'start',
    });
    expect(durable.started[0]!.input.policy.window).toEqual(WINDOW);
  });

  it('a tag the target does not follow is not offered', async () => {
    const config = use({ mode: 'approve' });
    const target = config.targets[0]!;
    expect(await offerUpdate(durable.client(), target, push('a', '9.9'), 'push')).toMatchObject({
      action: 'ignore',
      reason: 'tag_not_desired',
    });
    expect(durable.started).toEqual([]);
  });

  it('tracking a range: the pushed tag in the range becomes the desired tag, and is offered for approval', async () => {
    const config = use({ mode: 'approve', track: { range: '~3.4' } });
    const target = config.targets[0]!;
    expect(await offerUpdate(durable.client(), target, push('e', '3.4.2'), 'push')).toMatchObject({ action: 'start' });
    expect(await row()).toMatchObject({ desiredTagOverride: '3.4.2' });
    expect(durable.started[0]!.input.image.tag).toBe('3.4.2');
  });

  it('the policy set through the API is the one in force (an approve override on an auto target)', async () => {
    const config = use({ mode: 'auto' });
    const target = config.targets[0]!;
    await targets.update('prod', (s) => ({
      next: { ...s, policyOverride: JSON.stringify({ ...DEFAULT_POLICY, mode: 'approve' }) },
      result: undefined,
    }));
    expect(await offerUpdate(durable.client(), target, push('f'), 'push')).toMatchObject({ route: 'gate' });
    expect(durable.started[0]!.input.policy.mode).toBe('approve');
  });
});
