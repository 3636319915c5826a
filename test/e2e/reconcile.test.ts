// The reconcile timer on the real local stack (test/support/parts.ts: devhost running the timer trigger on its
// NCRONTAB schedule — every 2 s here —, exec server, Azurite, the sim): a push whose event never came is deployed
// within a tick, by `reconcile`; the same digest seen by an event and the reconcile at once deploys once; a registry
// that hangs during ticks changes nothing and is said so, and the next tick recovers; a Deployment changed behind
// elb-control's back (kubectl set image through the sim's back-door kubeconfig) is reported once with policy
// `notify`, and put back by a `drift` deploy with policy `correct`.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { DEFAULT_POLICY } from '../../core/contract/policy';
import { TargetStore } from '../../adapters/state-store';
import { tableClient } from '../../adapters/tables';
import { deliverEvents, imagePushedEvent } from '../support/event-grid';
import { jsonApi } from '../support/json-api';
import { FAST_DEPLOY_ENV, pushImage } from '../support/local-target';
import { azuriteTablesUrl } from '../support/node-process';
import { startParts, type PartsStack } from '../support/parts';
import { eventually } from '../support/stack';

const run = promisify(execFile);
type Record_ = z.output<typeof contract.DeploymentListItem>;

let stack: PartsStack;
const { request: api, post } = jsonApi(() => stack.apiUrl);
const summary = async () => (await api('/targets/local/openapi', contract.TargetSummary)).body;
const history = async (): Promise<Record_[]> =>
  (await api('/targets/local/openapi/deployments', contract.DeploymentList)).body;
const reconcileNow = () => post('/reconcile', contract.ReconcileAnswer, {});

/** Waits until no deploy runs and the newest record has ended; returns the summary then. */
async function settled() {
  return eventually(
    async () => {
      const s = await summary();
      return s.active_deploy === null && s.last_deploy?.finished_at ? s : undefined;
    },
    'the target to settle',
    45_000,
    200,
  );
}

/** kubectl through the sim's own Kubernetes port (docs/sim.md): a change made outside elb-control. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', stack.kubeconfig, '-n', 'elb-openapi', ...args]);
  return stdout;
}

/** What the sim's webhook sink received about drift, per destination (the stack's three default sinks). */
async function driftNotifications(): Promise<Record<string, string[]>> {
  const res = await fetch(`http://127.0.0.1:${stack.ports.simHooks}/_sim/notifications`);
  const { notifications } = (await res.json()) as { notifications: { name: string; body: unknown }[] };
  const out: Record<string, string[]> = {};
  for (const n of notifications) {
    const text = JSON.stringify(n.body);
    if (!text.includes('Drift detected') && !text.includes('"drift_detected"')) continue;
    (out[n.name] ??= []).push(text);
  }
  return out;
}

async function setLiveImage(image: string): Promise<void> {
  await kubectl('set', 'image', 'deployment/elb-openapi', `openapi=${image}`);
}

beforeAll(async () => {
  stack = await startParts({
    sim: { readyDelayMs: 300, lbDelayMs: 100 },
    env: { ...FAST_DEPLOY_ENV, ELB_RECONCILE_SCHEDULE: '*/2 * * * * *' },
  });
  // On a busy machine the preflight's 2 s probe of the exec server may miss once: try again (nothing is recorded).
  await eventually(
    async () => {
      const install = await api(
        '/targets/local/openapi/deployments',
        z.union([contract.DeployAccepted, contract.ErrorBody]),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      );
      if (install.status === 202) return true;
      expect(install.status, JSON.stringify(install.body)).toBe(503);
      return undefined;
    },
    'the install to start',
    30_000,
    1000,
  );
  await settled();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe('reconcile on a schedule', () => {
  it('a push without an event is deployed within a tick, by reconcile, and the summary says what it found', async () => {
    const before = (await history()).length;
    const { digest } = await pushImage(stack, '--no-event');
    const pushedAt = Date.now();
    const started = await eventually(
      async () => {
        const s = await summary();
        return s.active_deploy || s.deployed?.digest === digest ? s : undefined;
      },
      'the reconcile to start the update',
      8000,
      200,
    );
    // Every 2 s, plus the pass itself: well within two ticks.
    expect(Date.now() - pushedAt).toBeLessThan(6000);
    expect(started).toBeTruthy();
    const s = await settled();
    expect(s.deployed?.digest).toBe(digest);
    const records = await history();
    expect(records.length).toBe(before + 1);
    expect(records[0]).toMatchObject({ reason: 'auto', requester: 'reconcile', status: 'succeeded', digest });
    // A later tick found it in sync and says so.
    const later = await eventually(
      async () => {
        const r = (await summary()).last_reconcile;
        // A pass may still see the lease for a moment after the record says finished (the finish step releases it).
        return r && Date.parse(r.at) > Date.parse(records[0]!.finished_at!) && r.skipped === null ? r : undefined;
      },
      'a tick after the deploy',
      6000,
      200,
    );
    expect(later).toMatchObject({ skipped: null, error: null, update: { reason: 'up_to_date', digest } });
    expect(later.message).toMatch(/^3\.4 \([0-9a-f]{12}\) is deployed$/);
  }, 60_000);

  it('the same digest seen by an event and by the reconcile at once: exactly one deploy', async () => {
    const before = (await history()).length;
    const { digest } = await pushImage(stack, '--no-event');
    const event = imagePushedEvent({ digest, registryHost: `127.0.0.1:${stack.ports.simRegistry}` });
    // The event, a manual pass and the timer's next tick, all at once; the event twice (a redelivery).
    const [delivered, manual, again] = await Promise.all([
      deliverEvents(`http://127.0.0.1:${stack.ports.api}`, stack.hostKeys().system, [event]),
      reconcileNow(),
      deliverEvents(`http://127.0.0.1:${stack.ports.api}`, stack.hostKeys().system, [event]),
    ]);
    expect([delivered, again]).toEqual([202, 202]);
    expect(manual.status).toBe(200);
    const s = await settled();
    expect(s.deployed?.digest).toBe(digest);
    // Two more ticks: nothing else starts.
    await new Promise((ok) => setTimeout(ok, 4500));
    const records = await history();
    expect(records.length - before, JSON.stringify(records.slice(0, 3))).toBe(1);
    expect(records[0]).toMatchObject({ reason: 'auto', status: 'succeeded', digest });
    expect(['event-grid', 'reconcile']).toContain(records[0]!.requester);
  }, 60_000);

  it('a registry that hangs during ticks: nothing changes, the reconcile says it could not read it; the next tick recovers', async () => {
    const before = (await history()).length;
    stack.setRegistryDelay(60_000);
    try {
      const { digest } = await pushImage(stack, '--no-event');
      const answer = await reconcileNow();
      expect(answer.status).toBe(200);
      expect(answer.body.findings).toHaveLength(1);
      expect(answer.body.findings[0]).toMatchObject({
        target: 'local',
        error: null,
        update: { action: 'none', reason: 'registry_unavailable', tag: null },
        drift: { state: 'none' },
      });
      expect(answer.body.findings[0]!.message).toBe('could not read the registry');
      const recorded = await eventually(
        async () => {
          const r = (await summary()).last_reconcile;
          return r?.update.reason === 'registry_unavailable' ? r : undefined;
        },
        'the summary to show the failed read',
        12_000,
        300,
      );
      expect(recorded.message).toBe('could not read the registry');
      expect((await history()).length).toBe(before);
      stack.setRegistryDelay(0);
      const s = await eventually(
        async () => {
          const x = await summary();
          return x.deployed?.digest === digest && x.active_deploy === null ? x : undefined;
        },
        'the next tick to deploy the missed push',
        40_000,
        300,
      );
      expect(s.last_deploy).toMatchObject({ reason: 'auto', requester: 'reconcile', status: 'succeeded' });
      expect((await history()).length).toBe(before + 1);
    } finally {
      stack.setRegistryDelay(0);
    }
  }, 80_000);

  it('drift with policy notify: reported once (when, what), nothing deployed', async () => {
    const s0 = await settled();
    const before = (await history()).length;
    // The image of the install (the oldest record): in the registry, not the deployed one.
    const installed = (await history()).at(-1)!.digest!;
    expect(installed).not.toBe(s0.deployed!.digest);
    const other = `127.0.0.1:${stack.ports.simRegistry}/elb-openapi@${installed}`;
    await setLiveImage(other);
    const changedAt = Date.now();
    // Two manual passes at once, and the timer's: the drift is reported by one of them only.
    const passes = await Promise.all([reconcileNow(), reconcileNow()]);
    const actions = passes.map((p) => p.body.findings[0]!.drift.action);
    expect(actions.filter((a) => a === 'reported').length, actions.join()).toBeLessThanOrEqual(1);
    for (const a of actions) expect(['reported', 'known']).toContain(a);
    const s = await eventually(
      async () => {
        const x = await summary();
        // The drift is recorded first, the pass's finding last: wait for both.
        return x.drift.since && x.last_reconcile?.drift.state === 'detected' ? x : undefined;
      },
      'the drift to be recorded',
      8000,
      200,
    );
    expect(Date.now() - changedAt).toBeLessThan(6000);
    expect(s.drift).toMatchObject({ detected: true, live_image: other });
    expect(Date.parse(s.drift.since!)).toBeGreaterThanOrEqual(changedAt - 1000);
    const deployed = `127.0.0.1:${stack.ports.simRegistry}/elb-openapi@${s.deployed!.digest}`;
    expect(s.last_reconcile?.drift).toMatchObject({ state: 'detected', live_image: other, deployed_image: deployed });
    // Later ticks know it: the record keeps its time, the finding says "known", nothing is deployed.
    await new Promise((ok) => setTimeout(ok, 4500));
    const later = await summary();
    expect(later.drift.since).toBe(s.drift.since);
    expect(later.last_reconcile?.drift.action).toBe('known');
    expect(later.last_reconcile?.message).toContain(
      `drift: the cluster runs ${other}, elb-control deployed ${deployed}`,
    );
    expect((await history()).length).toBe(before);
    expect(
      await kubectl('get', 'deployment/elb-openapi', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toBe(other);
    // Notified once, to each destination, in its format, with what runs and what was deployed.
    const sent = await driftNotifications();
    expect(Object.keys(sent).sort()).toEqual(['sink-json', 'sink-slack', 'sink-teams']);
    for (const list of Object.values(sent)) expect(list).toHaveLength(1);
    const event = JSON.parse(sent['sink-json']![0]!) as Record<string, unknown>;
    expect(event).toMatchObject({ kind: 'drift_detected', target: 'local', requester: 'reconcile', deploy_id: null });
    expect(event.summary).toBe(
      `Drift: the cluster runs ${other}, elb-control deployed ${deployed}; reported only (policy notify).`,
    );
  }, 40_000);

  it('drift with policy correct: a drift deploy puts the deployed image back, and History says why', async () => {
    const s0 = await summary();
    const deployed = `127.0.0.1:${stack.ports.simRegistry}/elb-openapi@${s0.deployed!.digest}`;
    // The policy as the policy API stores it on the target row (core/update-policy.ts policyOf reads it).
    const store = new TargetStore(tableClient('targets', azuriteTablesUrl(stack.ports.azuriteTable)));
    await store.update('local', (s) => ({
      next: { ...s, policyOverride: JSON.stringify({ ...DEFAULT_POLICY, drift: 'correct' }) },
      result: undefined,
    }));
    const before = (await history()).length;
    // A new drifted image (the one already reported stays "known" until the cluster changes again).
    const other = `127.0.0.1:${stack.ports.simRegistry}/elb-openapi:3.4`;
    await setLiveImage(other);
    const record = await eventually(
      async () => (await history()).find((r) => r.reason === 'drift'),
      'the drift deploy',
      8000,
      200,
    );
    expect(record).toMatchObject({ reason: 'drift', requester: 'reconcile', digest: s0.deployed!.digest });
    const s = await settled();
    expect(s.last_deploy).toMatchObject({ deploy_id: record.deploy_id, status: 'succeeded', reason: 'drift' });
    expect(s.drift).toEqual({ detected: false, live_image: deployed, since: null });
    expect(s.deployed?.digest).toBe(s0.deployed!.digest);
    expect(
      await kubectl('get', 'deployment/elb-openapi', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toBe(deployed);
    expect((await history()).length).toBe(before + 1);
    const event = await eventually(
      async () => {
        const json = (await driftNotifications())['sink-json'] ?? [];
        return json.length === 2 ? (JSON.parse(json[1]!) as Record<string, unknown>) : undefined;
      },
      'the second drift notification',
      10_000,
      300,
    );
    expect(event).toMatchObject({ kind: 'drift_detected', deploy_id: record.deploy_id, reason: 'drift' });
    expect(event.summary).toBe(
      `Drift: the cluster runs ${other}, elb-control deployed ${deployed}; a drift deploy puts the deployed image back.`,
    );
  }, 60_000);

  it('POST /api/reconcile: one target or all, clear errors', async () => {
    const one = await post('/reconcile', contract.ReconcileAnswer, { target: 'local' });
    expect(one.status).toBe(200);
    expect(one.body.findings.map((f) => f.target)).toEqual(['local']);
    const unknown = await post('/reconcile', contract.ErrorBody, { target: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown_target');
    const extra = await post('/reconcile', contract.ErrorBody, { targets: ['local'] });
    expect([extra.status, extra.body.code]).toEqual([400, 'unknown_field']);
    // One log line per target per pass, naming images and digests only: no token, no key.
    const log = readFileSync(join(stack.localDir, 'run', 'api.log'), 'utf8');
    const lines = log.split('\n').filter((l) => /reconcile \((timer|by local)\): local: /.test(l));
    expect(lines.some((l) => l.includes('reconcile (timer): local: '))).toBe(true);
    expect(lines.some((l) => l.includes('reconcile (by local): local: '))).toBe(true);
    const secrets = [
      readFileSync(join(stack.localDir, 'run', 'exec-token'), 'utf8').trim(),
      ...Object.values(stack.hostKeys()),
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(log).not.toContain(secret);
    }
  }, 30_000);
});
