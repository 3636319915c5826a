// Automatic updates are visible and a failed digest is remembered, on the real local stack (test/support/parts.ts:
// devhost, exec server, Azurite, the sim sending real Event Grid deliveries on push): the activity feed shows an
// auto deploy within 2 s of the push and its outcome within 2 s of it ending; a broken push is rolled back, marked
// on the target and never deployed again automatically — not by a redelivered event after the target moved on —
// while an operator may still deploy it explicitly.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { deliverEvents, imagePushedEvent } from '../support/event-grid';
import * as contract from '../../core/contract';
import { jsonApi } from '../support/json-api';
import { FAST_DEPLOY_ENV, pushImage } from '../support/local-target';
import { startParts, type PartsStack } from '../support/parts';
import { eventually } from '../support/stack';

type Brief = z.output<typeof contract.DeployBrief>;

let stack: PartsStack;

const { request: api, post } = jsonApi(() => stack.apiUrl);
const activity = async () => (await api('/targets/local/openapi/activity', contract.TargetActivity)).body;
const summary = async () => (await api('/targets/local/openapi', contract.TargetSummary)).body;
const history = async () => (await api('/targets/local/openapi/deployments', contract.DeploymentList)).body;

async function push(...args: string[]): Promise<string> {
  const answer = await pushImage(stack, ...args);
  if (!args.includes('--no-event')) expect(answer.event.delivered).toBe(true);
  return answer.digest;
}

/** Follows the feed as a page polling every second would (here every 200 ms, to measure): the auto deploy's start
 *  and its end, each with the delay after which the feed showed it. */
async function followAutoDeploy(pushedAt: number): Promise<{ brief: Brief; seenMs: number; lagMs: number }> {
  const started = await eventually(
    async () => {
      const a = await activity();
      return a.active_deploy?.reason === 'auto' ? a : undefined;
    },
    'the auto deploy to show',
    15_000,
    200,
  );
  const seenMs = Date.now() - pushedAt;
  expect(started.active_deploy).toMatchObject({ reason: 'auto', requester: 'event-grid' });
  const id = started.active_deploy!.instance_id;
  const ended = await eventually(
    async () => {
      const a = await activity();
      return a.active_deploy === null && a.last_deploy?.deploy_id === id && a.last_deploy.finished_at ? a : undefined;
    },
    'the auto deploy to end',
    60_000,
    200,
  );
  const lagMs = Date.now() - Date.parse(ended.last_deploy!.finished_at!);
  return { brief: ended.last_deploy!, seenMs, lagMs };
}

beforeAll(async () => {
  stack = await startParts({
    sim: { readyDelayMs: 500, lbDelayMs: 300 },
    env: {
      ...FAST_DEPLOY_ENV,
      ELB_DEPENDENCY_RETRY_SECONDS: '5',
    },
  });
  const install = await post('/targets/local/openapi/deployments', contract.DeployAccepted);
  expect(install.status, JSON.stringify(install.body)).toBe(202);
  await eventually(
    async () => ((await activity()).last_deploy?.status === 'succeeded' ? true : undefined),
    'the install',
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('automatic updates are visible; a failed digest is remembered', () => {
  it('a push shows as an auto deploy within 2 s, and its result within 2 s of it ending', async () => {
    const before = await activity();
    const digest = await push();
    // The push answers once the sim delivered its event (and the app accepted it): from then on the server knows.
    const pushedAt = Date.now();
    const { brief, seenMs, lagMs } = await followAutoDeploy(pushedAt);
    expect(seenMs).toBeLessThan(2000);
    expect(lagMs).toBeLessThan(2000);
    expect(brief).toMatchObject({ reason: 'auto', requester: 'event-grid', status: 'succeeded', digest, error: null });
    expect(brief.cluster_state).toMatch(/^running \S+@sha256:/);
    // The finish writes the history record and then the target row: for a moment the two reads may straddle them.
    // Within the page's 2 s the feed and the summary must agree.
    const { now, s } = await eventually(
      async () => {
        const [feed, sum] = [await activity(), await summary()];
        return feed.change_token === sum.change_token ? { now: feed, s: sum } : undefined;
      },
      'the feed and the summary to agree',
      2000,
      100,
    );
    expect(now.change_token).not.toBe(before.change_token);
    expect(s.last_deploy).toEqual(now.last_deploy);
    // The feed of all targets says the same.
    const all = (await api('/activity', contract.ActivityList)).body;
    expect(all.targets).toEqual([now]);
  }, 60_000);

  it('a broken push is rolled back, marked failed, and not deployed again by itself', async () => {
    const good = (await summary()).deployed!.digest;
    const pushedAt = Date.now();
    const broken = await push('--broken', 'crash-loop');
    const { brief, lagMs } = await followAutoDeploy(pushedAt);
    expect(lagMs).toBeLessThan(2000);
    expect(brief).toMatchObject({
      reason: 'auto',
      status: 'rolled_back',
      digest: broken,
      error: { code: 'crash_loop' },
    });
    expect(brief.error!.message).not.toContain('\n');

    const s = await summary();
    expect(s.deployed!.digest).toBe(good);
    expect(s.failed_digests[0]).toMatchObject({
      digest: broken,
      tag: '3.4',
      deploy_id: brief.deploy_id,
      outcome: 'rolled_back',
      code: 'crash_loop',
    });
    // The registry's 3.4 is that digest: an update is available, and the summary says it failed before.
    expect(s.update_available).toBe(true);
    expect(s.registry_digest_failed).toEqual(s.failed_digests[0]);

    // No second deploy of it.
    const count = (await history()).length;
    await new Promise((ok) => setTimeout(ok, 3000));
    expect((await history()).length).toBe(count);
    expect((await activity()).active_deploy).toBeNull();
  }, 90_000);

  it('a redelivered push of the failed digest is ignored even after the target moved on', async () => {
    const broken = (await summary()).failed_digests[0]!.digest;
    // A good build rolls out by itself, so the "once per digest" bookkeeping now points at it …
    await push();
    await followAutoDeploy(Date.now());
    const count = (await history()).length;
    // … and Event Grid delivers the old push of the broken digest once more.
    const event = imagePushedEvent({ digest: broken, registryHost: `127.0.0.1:${stack.ports.simRegistry}` });
    const status = await deliverEvents(`http://127.0.0.1:${stack.ports.api}`, stack.hostKeys().system, [event]);
    expect(status).toBeLessThan(300);
    await new Promise((ok) => setTimeout(ok, 3000));
    expect((await history()).length).toBe(count);
    expect((await activity()).active_deploy).toBeNull();
    expect((await summary()).failed_digests.map((f) => f.digest)).toContain(broken);
  }, 60_000);

  it('an operator may still deploy the failed digest explicitly; failing again updates its mark', async () => {
    const broken = (await summary()).failed_digests[0]!;
    const started = await post('/targets/local/openapi/deployments', contract.DeployAccepted, {
      digest: broken.digest,
      reason: 'update',
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const ended = await eventually(
      async () => {
        const a = await activity();
        return a.active_deploy === null && a.last_deploy?.deploy_id === started.body.id && a.last_deploy.finished_at
          ? a.last_deploy
          : undefined;
      },
      'the explicit deploy to end',
      60_000,
      200,
    );
    expect(ended).toMatchObject({ reason: 'update', status: 'rolled_back', digest: broken.digest });
    const s = await summary();
    expect(s.failed_digests.filter((f) => f.digest === broken.digest)).toEqual([
      expect.objectContaining({ deploy_id: started.body.id, code: 'crash_loop' }),
    ]);
  }, 60_000);
});
