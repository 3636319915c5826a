// Notifications on the real local stack (local-run.sh all, as `npm start` runs it): the app's default three
// destinations on the sim's webhook sink (one per format) receive exactly deploy_started and deploy_succeeded for a
// deploy, deploy_failed with the error code for a broken image; a sink that drops connections does not slow or fail
// the deploy and the message arrives after Durable's retry; and no answer, Durable history or log holds a webhook URL.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { deliveryInstanceId } from '../../core/notifications';
import type { SinkRecord } from '../../sim/hooks/sink';
import { jsonApi } from '../support/json-api';
import { pushImage, startFastStack } from '../support/local-target';
import { eventually, type Stack } from '../support/stack';

type DeployStatus = z.output<typeof contract.DeployStatus>;

let stack: Stack;
const api = jsonApi(() => stack.apiUrl);
const FORMATS = ['json', 'teams', 'slack'] as const;
const DESTINATIONS = FORMATS.map((f) => `sink-${f}`);

const hooks = () => `http://127.0.0.1:${stack.ports.simHooks}`;
async function received(): Promise<SinkRecord[]> {
  const res = await fetch(`${hooks()}/_sim/notifications`);
  return ((await res.json()) as { notifications: SinkRecord[] }).notifications;
}
async function clearSink(): Promise<void> {
  await fetch(`${hooks()}/_sim/notifications`, { method: 'DELETE' });
}

/** Which kind a received message is, whatever its format, and its text (every format names the deploy id). */
function about(r: SinkRecord): { kind: string; text: string } {
  const text = JSON.stringify(r.body);
  if (r.name === 'sink-json') return { kind: (r.body as { kind: string }).kind, text };
  const title =
    r.name === 'sink-slack'
      ? (r.body as { text: string }).text
      : (r.body as { attachments: { content: { body: { text: string }[] } }[] }).attachments[0]!.content.body[0]!.text;
  const kind = /started/.test(title)
    ? 'deploy_started'
    : /succeeded/.test(title)
      ? 'deploy_succeeded'
      : 'deploy_failed';
  return { kind, text };
}

/** Starts a deploy. A start refused because a part did not answer its probe in time (a busy machine) is asked again. */
async function deploy(): Promise<string> {
  return eventually(
    async () => {
      const res = await fetch(`${stack.apiUrl}/aks/openapi/deploy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      const body = (await res.json()) as { id?: string; code?: string };
      if (res.status === 503 && /_unavailable$/.test(body.code ?? '')) return undefined;
      expect(res.status, JSON.stringify(body)).toBe(202);
      return body.id!;
    },
    'the deploy to start',
    15_000,
    500,
  );
}

async function finished(id: string): Promise<DeployStatus> {
  return eventually(
    async () => {
      const { body } = await api.request(`/aks/openapi/deploy/${id}/status`, contract.DeployStatus);
      return ['Completed', 'Failed', 'Terminated'].includes(body.runtime_status) ? body : undefined;
    },
    `deploy ${id} to finish`,
    45_000,
    100,
  );
}

/** The delivered (200) messages about `deployId`, once `count` of them have arrived, after a short quiet time. */
async function deliveredFor(deployId: string, count: number): Promise<SinkRecord[]> {
  // Deploy ids end in 8 random hex digits: one never contains another.
  const mine = async () => (await received()).filter((r) => r.answered === 200 && about(r).text.includes(deployId));
  await eventually(async () => ((await mine()).length >= count ? true : undefined), `${count} messages`, 20_000, 100);
  // Anything extra (a duplicate) would arrive within moments of the rest.
  await new Promise((ok) => setTimeout(ok, 1500));
  return mine();
}

beforeAll(async () => {
  stack = await startFastStack();
  // Every part answering (on a busy machine the exec server may take a moment after its port opens).
  await eventually(
    async () => ((await fetch(`${stack.apiUrl}/healthz`)).ok ? true : undefined),
    'the stack to be healthy',
    30_000,
    250,
  );
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

describe('notifications to the sim webhook sink', () => {
  let installId = '';

  it('a deploy sends exactly deploy_started and deploy_succeeded to each destination, each in its format', async () => {
    installId = await deploy();
    const final = await finished(installId);
    expect(final.runtime_status).toBe('Completed');
    expect(final.output!.status).toBe('succeeded');

    const got = await deliveredFor(installId, 6);
    const byDest = (name: string) => got.filter((r) => r.name === name).map((r) => about(r).kind);
    for (const name of DESTINATIONS) expect(byDest(name).sort(), name).toEqual(['deploy_started', 'deploy_succeeded']);
    for (const r of got) expect(r.content_type).toBe('application/json');

    const json = got.find((r) => r.name === 'sink-json' && about(r).kind === 'deploy_succeeded')!.body;
    expect(json).toMatchObject({
      schema: 'elb-control.notification/v1',
      kind: 'deploy_succeeded',
      target: 'local',
      deploy_id: installId,
      outcome: 'succeeded',
      digest: final.output!.openapi_deploy.digest,
      link: '/history?target=local',
    });
    const teams = got.find((r) => r.name === 'sink-teams')!.body as { attachments: { contentType: string }[] };
    expect(teams.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const slack = got.find((r) => r.name === 'sink-slack')!.body as { text: string; blocks: unknown[] };
    expect(slack.blocks.length).toBeGreaterThan(0);

    // What an operator types to see it: one readable line per message.
    const shown = await stack.run('notifications');
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes('sink-json') && l.includes(`deploy ${installId}`))).toHaveLength(2);
    expect(lines.filter((l) => /sink-slack {2}200 {2}slack Deploy succeeded: local/.test(l))).toHaveLength(1);
  }, 60_000);

  it('a sink that drops connections neither slows nor fails the deploy; the message arrives after a retry', async () => {
    await clearSink();
    // The next three requests (the three deploy_started messages) get their connection dropped.
    const set = await fetch(`${hooks()}/_sim/notifications/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'reset', count: 3 }),
    });
    expect(set.status).toBe(201);
    const started = Date.now();
    const id = await deploy();
    const final = await finished(id);
    expect(final.runtime_status).toBe('Completed');
    expect(final.output!.status).toBe('succeeded');
    // A repeat deploy of the running image is quick; the dropped deliveries did not hold it up.
    expect(final.output!.elapsed_seconds).toBeLessThan(15);
    expect(Date.now() - started).toBeLessThan(20_000);

    const got = await deliveredFor(id, 6);
    for (const name of DESTINATIONS)
      expect(
        got
          .filter((r) => r.name === name)
          .map((r) => about(r).kind)
          .sort(),
        name,
      ).toEqual(['deploy_started', 'deploy_succeeded']);
    const all = await received();
    expect(all.filter((r) => r.answered === 0)).toHaveLength(3);
    // Each dropped message came again, about 2 s later (Durable's first retry interval).
    for (const drop of all.filter((r) => r.answered === 0)) {
      const retry = all.find((r) => r.answered === 200 && r.name === drop.name && about(r).kind === 'deploy_started');
      expect(retry, drop.name).toBeDefined();
      expect(Date.parse(retry!.time) - Date.parse(drop.time)).toBeGreaterThanOrEqual(1500);
    }
  }, 60_000);

  it('a broken image sends deploy_failed with the error code and outcome', async () => {
    await clearSink();
    await pushImage(stack, '--broken', 'crash-loop');
    const failedId = await eventually(
      async () => {
        const json = (await received()).find((r) => r.name === 'sink-json' && about(r).kind === 'deploy_failed');
        return json ? (json.body as { deploy_id: string }).deploy_id : undefined;
      },
      'deploy_failed at the sink',
      45_000,
      200,
    );
    const got = await deliveredFor(failedId, 6);
    const failed = got.filter((r) => about(r).kind === 'deploy_failed');
    expect(failed.map((r) => r.name).sort()).toEqual([...DESTINATIONS].sort());
    expect(failed.find((r) => r.name === 'sink-json')!.body).toMatchObject({
      kind: 'deploy_failed',
      reason: 'auto',
      requester: 'event-grid',
      outcome: 'rolled_back',
      error: { code: 'crash_loop' },
    });
    for (const r of failed) expect(about(r).text).toContain('crash_loop');
  }, 60_000);

  it('no webhook URL in any answer, the Durable history or the parts’ logs', async () => {
    const secrets = [`127.0.0.1:${stack.ports.simHooks}/hooks`, '/hooks/sink-'];
    const clean = (where: string, text: string) => {
      for (const s of secrets) expect(text.includes(s), `${where} contains ${s}`).toBe(false);
    };
    for (const path of [
      '/targets/local/openapi',
      '/targets/local/openapi/activity',
      '/targets/local/openapi/deployments',
      '/activity',
      `/aks/openapi/deploy/${installId}/status`,
      '/openapi.json',
      '/targets',
      '/healthz',
    ]) {
      const res = await fetch(`${stack.apiUrl}${path}`);
      clean(path, await res.text());
    }

    // The delivery instances, with input, history and its outputs, through Durable's status route.
    const json = (await received()).find((r) => r.name === 'sink-json')!.body as { id: string };
    const key = stack.hostKeys().system;
    for (const name of DESTINATIONS) {
      const instance = deliveryInstanceId(json.id, name);
      const res = await fetch(
        `http://127.0.0.1:${stack.ports.api}/runtime/webhooks/durabletask/instances/${instance}` +
          '?showHistory=true&showHistoryOutput=true&showInput=true',
        { headers: { 'x-functions-key': key } },
      );
      expect(res.status, instance).toBe(200);
      const text = await res.text();
      expect(text).toContain(name);
      expect(JSON.parse(text)).toMatchObject({
        runtimeStatus: 'Completed',
        output: { destination: name, delivered: true },
      });
      clean(`history of ${instance}`, text);
    }

    const runDir = join(stack.localDir, 'run');
    for (const file of readdirSync(runDir).filter((f) => f.endsWith('.log')))
      clean(file, readFileSync(join(runDir, file), 'utf8'));
  }, 30_000);
});
