// The API's boundary against callers it must not obey, on the real local stack (no-auth mode, as `npm start` runs
// it): cross-site writes a web page could send, and Event Grid pushes that the registry does not confirm. Each
// refusal is asserted on the wire (status and code) and on what it must not have caused: no deploy record, and
// the cluster still running what it ran.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { deliverEvents, imagePushedEvent } from '../../test/support/event-grid';
import { localSummary, startFastStack, waitForDeployed, waitForIdle } from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startFastStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function deployIds(): Promise<string[]> {
  const res = await fetch(`${stack.apiUrl}/targets/local/openapi/deployments`);
  return z.parse(contract.DeploymentList, await res.json()).map((r) => r.deploy_id);
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { code?: string } };
}

async function simPush(deliverEvent: boolean): Promise<string> {
  const res = await fetch(`${stack.registryUrl}/_sim/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'elb-openapi', tag: '3.4', deliver_event: deliverEvent }),
  });
  return ((await res.json()) as { digest: string }).digest;
}

/** A delivery of ImagePushed `digest` from the sim's registry, as Event Grid makes it. */
function imagePushed(digest: string): object[] {
  return [imagePushedEvent({ digest, registryHost: `127.0.0.1:${stack.ports.simRegistry}` })];
}

/** Posts to the Event Grid webhook as a subscription does (system key, aeg-event-type); `headers` override. */
function deliver(events: object[], headers: Record<string, string> = {}): Promise<number> {
  return deliverEvents(new URL(stack.apiUrl).origin, stack.hostKeys().system, events, headers);
}

/** Nothing new in the history and nothing running, for a while after the request that must not start a deploy. */
async function expectNoNewDeploy(before: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 2500));
  expect(await deployIds()).toEqual(before);
  const summary = await localSummary(stack);
  expect(summary.active_deploy).toBeNull();
}

describe('cross-site writes in the no-auth mode', () => {
  it('refuses a write that is not JSON (what a page can send without a preflight) and starts nothing', async () => {
    const before = await deployIds();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await post('/aks/openapi/deploy', '{}', { 'content-type': type });
      expect(r).toEqual({ status: 415, body: expect.objectContaining({ code: 'unsupported_media_type' }) });
    }
    const none = await fetch(`${stack.apiUrl}/aks/openapi/deploy`, { method: 'POST' });
    expect(none.status).toBe(415);
    await expectNoNewDeploy(before);
  });

  it('refuses JSON from a foreign Origin or a cross-site fetch, and starts nothing', async () => {
    const before = await deployIds();
    const json = { 'content-type': 'application/json' };
    for (const headers of [
      { ...json, origin: 'http://evil.example' },
      { ...json, origin: 'null' },
      { ...json, 'sec-fetch-site': 'cross-site' },
    ]) {
      expect(await post('/aks/openapi/deploy', '{}', headers)).toEqual({
        status: 403,
        body: expect.objectContaining({ code: 'cross_origin' }),
      });
      expect((await post('/aks/openapi/deploy/local-20260101t000000-ab12cd34/cancel', '{}', headers)).status).toBe(403);
    }
    await expectNoNewDeploy(before);
  });

  it('still serves reads from anywhere local, and a same-origin JSON write', async () => {
    const read = await fetch(`${stack.apiUrl}/targets`, { headers: { origin: 'http://evil.example' } });
    expect(read.status).toBe(200);
    const own = new URL(stack.apiUrl).origin;
    const r = await post('/aks/openapi/deploy', '{}', { 'content-type': 'application/json', origin: own });
    expect(r.status).toBe(202);
    await waitForIdle(stack);
  });
});

describe('registry pushes are verified before they act', () => {
  it('ignores a pushed digest the registry does not have, and a stale one; deploys the current one', async () => {
    const start = await waitForIdle(stack);
    const before = await deployIds();
    // A digest nobody pushed.
    expect(await deliver(imagePushed(`sha256:${randomUUID().replace(/-/g, '').repeat(2)}`))).toBeLessThan(300);
    // Two real pushes that Event Grid never delivered: the first digest is stale once the second lands.
    const stale = await simPush(false);
    const current = await simPush(false);
    expect(stale).not.toBe(current);
    expect(await deliver(imagePushed(stale))).toBeLessThan(300);
    await expectNoNewDeploy(before);
    expect((await waitForIdle(stack)).deployed?.digest).toBe(start.deployed?.digest);

    // The registry's current digest is what a verified event may deploy.
    expect(await deliver(imagePushed(current))).toBeLessThan(300);
    await waitForDeployed(stack, current);
    const added = (await deployIds()).filter((id) => !before.includes(id));
    expect(added).toHaveLength(1);
  });

  it('refuses a delivery without the system key or without the Event Grid schema header', async () => {
    await waitForIdle(stack);
    const before = await deployIds();
    const current = await simPush(false);
    const event = imagePushed(current);
    expect(await deliver(event, { 'x-functions-key': 'not-the-key' })).toBe(401);
    expect(await deliver(event, { 'x-functions-key': '' })).toBe(401);
    expect(await deliver(event, { 'aeg-event-type': '' })).toBe(400);
    expect(await deliver(event, { 'aeg-event-type': 'Unsubscribe' })).toBe(400);
    expect(
      await deliver(event, {
        'aeg-event-type': '',
        'content-type': 'application/cloudevents-batch+json; charset=utf-8',
      }),
    ).toBe(400);
    expect(await deliver(event, { 'aeg-event-type': '', 'content-type': 'text/plain;profile=cloudevents' })).toBe(400);
    await expectNoNewDeploy(before);
  });

  it('drops what is not an Event Grid event without starting anything', async () => {
    await waitForIdle(stack);
    const before = await deployIds();
    const current = await simPush(false);
    const [valid] = imagePushed(current) as Record<string, unknown>[];
    const cloudEvent = { specversion: '1.0', id: 'x', source: 'evil', type: valid!.eventType, data: valid!.data };
    const { eventTime: _time, ...noTime } = valid!;
    for (const events of [
      [cloudEvent],
      [noTime],
      [{ ...valid, eventType: 'Microsoft.ContainerRegistry.ImageDeleted' }],
    ]) {
      expect(await deliver(events)).toBeLessThan(500);
    }
    await expectNoNewDeploy(before);
    // The same push, delivered properly, is still deployed: nothing above consumed it.
    expect(await deliver(imagePushed(current))).toBeLessThan(300);
    await eventually(
      async () => ((await deployIds()).length > before.length ? true : undefined),
      'the verified push to start a deploy',
      30_000,
    );
    await waitForDeployed(stack, current);
  });
});
