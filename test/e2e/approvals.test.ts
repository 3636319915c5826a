// Approvals and maintenance windows end to end on the real local stack (devhost running the compiled app through the
// real durable-functions replay, Azurite, the exec server, the sim sending real Event Grid pushes), in the platform
// mode, with callers named as Static Web Apps names them. One stack for the file. The `local` target is put in
// approve mode through the policy API; a push then waits for a deployer (summary says so), approve deploys the
// pushed digest, reject and a newer push end it (recorded), an unanswered one expires — ELB_TEST_HOUR_SECONDS=2, a
// test-only setting, makes an approval "hour" two seconds — and a manual deploy outside the window is refused
// unless it says why. Hostile requests are refused with codes, and record nothing.
// Runs the compiled app (dist/, the bundle in dist/app); build first (`npm run build`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { PLATFORM_ENV, swaPrincipal } from '../support/platform';
import { pushImage, startFastStack } from '../support/local-target';
import { eventually, type Stack } from '../support/stack';

const DEPLOYER = swaPrincipal(['deployer'], 'dana@example.com');
const READER = swaPrincipal(['reader'], 'rita@example.com');
const ErrorBody = z.looseObject({ code: z.string(), message: z.string() });

let stack: Stack;

async function call(method: string, path: string, principal: string, body?: unknown, raw?: string) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      'x-ms-client-principal': principal,
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    body: method === 'GET' ? undefined : (raw ?? (body === undefined ? undefined : JSON.stringify(body))),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

const summary = async () => z.parse(contract.TargetSummary, (await call('GET', '/targets/local/openapi', READER)).body);
const history = async () =>
  z.parse(contract.DeploymentList, (await call('GET', '/targets/local/openapi/deployments', READER)).body);

async function setPolicy(policy: object) {
  const r = await call('PUT', '/targets/local/policy', DEPLOYER, policy);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return z.parse(contract.PolicyAnswer, r.body);
}

async function push(): Promise<string> {
  const answer = await pushImage(stack);
  expect(answer.event.delivered).toBe(true);
  return answer.digest;
}

/** The pending update once it is in `state` for `digest`. */
function pendingFor(digest: string, state: string) {
  return eventually(
    async () => {
      const s = await summary();
      return s.pending_update?.digest === digest && s.pending_update.state === state ? s : undefined;
    },
    `the update of ${digest.slice(0, 19)} to be ${state}`,
    20_000,
    200,
  );
}

/** The history record of an update that ended without deploying (its id is the update's). */
function recordOf(id: string, status: string) {
  return eventually(
    async () => (await history()).find((r) => r.deploy_id === id && r.status === status),
    `the record ${id} ${status}`,
    20_000,
    250,
  );
}

const decide = (verb: 'approve' | 'reject', body: unknown = {}, principal = DEPLOYER) =>
  call('POST', `/targets/local/update/${verb}`, principal, body);

beforeAll(async () => {
  stack = await startFastStack({ ...PLATFORM_ENV, ELB_TEST_HOUR_SECONDS: '2' });
  const install = await call('POST', '/targets/local/openapi/deployments', DEPLOYER, {});
  expect(install.status, JSON.stringify(install.body)).toBe(202);
  await eventually(
    async () => ((await history())[0]?.status === 'succeeded' ? true : undefined),
    'the install',
    60_000,
    250,
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('approvals and maintenance windows on the local stack', () => {
  it('the policy API: set by a deployer (recorded: who, before, after), read by a reader; a reader cannot set it', async () => {
    const before = z.parse(contract.PolicyAnswer, (await call('GET', '/targets/local/policy', READER)).body);
    expect(before).toMatchObject({ source: 'configuration', policy: { mode: 'auto' }, changes: [] });
    expect(await call('PUT', '/targets/local/policy', READER, { mode: 'approve' })).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
    const set = await setPolicy({ mode: 'approve', approvalTimeoutHours: 30 });
    expect(set).toMatchObject({ source: 'api', policy: { mode: 'approve', approvalTimeoutHours: 30 } });
    expect(set.changes[0]).toMatchObject({
      actor: 'dana@example.com',
      action: 'set',
      before: { mode: 'auto' },
      before_source: 'configuration',
      after: { mode: 'approve', approvalTimeoutHours: 30 },
      after_source: 'api',
    });
    expect((await summary()).policy).toMatchObject({ source: 'api', policy: { mode: 'approve' } });
    expect(await call('PUT', '/targets/local/policy', DEPLOYER, { mode: 'sometimes' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_mode' },
    });
  }, 30_000);

  it('approve: a push waits for a deployer (the summary says until when), approve deploys exactly that digest', async () => {
    const deployedBefore = (await summary()).deployed!.digest;
    const digest = await push();
    const waiting = await pendingFor(digest, 'waiting_for_approval');
    // Nothing deploys while it waits.
    expect(waiting.active_deploy).toBeNull();
    expect(waiting.deployed!.digest).toBe(deployedBefore);
    const expiresIn = Date.parse(waiting.pending_update!.expires_at!) - Date.now();
    expect(expiresIn).toBeGreaterThan(30_000);
    expect(expiresIn).toBeLessThanOrEqual(60_000);
    // A reader may not decide.
    expect(await decide('approve', {}, READER)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const approved = await decide('approve', { comment: 'changelog checked' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(202);
    expect(z.parse(contract.DecisionAccepted, approved.body)).toMatchObject({
      digest,
      decision: { decision: 'approve', by: 'dana@example.com', comment: 'changelog checked' },
    });
    const done = await eventually(
      async () => {
        const s = await summary();
        return s.deployed?.digest === digest && s.active_deploy === null && s.pending_update === null ? s : undefined;
      },
      'the approved digest to be deployed',
      60_000,
      250,
    );
    expect(done.deployed!.digest).toBe(digest);
    const record = (await history()).find((r) => r.digest === digest && r.status === 'succeeded')!;
    expect(record).toMatchObject({
      reason: 'auto',
      requester: 'dana@example.com',
      approval: { decision: 'approve', by: 'dana@example.com', comment: 'changelog checked' },
    });
  }, 90_000);

  it('reject: the update ends rejected (who and why in the history), nothing is deployed; a second decision is 409', async () => {
    const deployedBefore = (await summary()).deployed!.digest;
    const digest = await push();
    const waiting = await pendingFor(digest, 'waiting_for_approval');
    const id = waiting.pending_update!.update_id;
    const rejected = await decide('reject', { comment: 'not before the release' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(202);
    const record = await recordOf(id, 'rejected');
    expect(record).toMatchObject({
      digest,
      requester: 'dana@example.com',
      approval: { decision: 'reject', by: 'dana@example.com', comment: 'not before the release' },
      error: { code: 'rejected' },
    });
    const after = await summary();
    expect(after.pending_update).toBeNull();
    expect(after.deployed!.digest).toBe(deployedBefore);
    expect(await decide('approve')).toMatchObject({ status: 409, body: { code: 'no_update_waiting' } });
  }, 60_000);

  it('a newer push supersedes the waiting update (recorded), and waits in its place', async () => {
    const first = await push();
    const firstId = (await pendingFor(first, 'waiting_for_approval')).pending_update!.update_id;
    const second = await push();
    const waiting = await pendingFor(second, 'waiting_for_approval');
    expect(waiting.pending_update!.update_id).not.toBe(firstId);
    expect(await recordOf(firstId, 'superseded')).toMatchObject({ digest: first, error: { code: 'superseded' } });
    expect((await decide('reject')).status).toBe(202);
    await recordOf(waiting.pending_update!.update_id, 'rejected');
  }, 60_000);

  it('hostile decisions are refused with codes and change nothing', async () => {
    const digest = await push();
    const id = (await pendingFor(digest, 'waiting_for_approval')).pending_update!.update_id;
    const refusals: [unknown, number, string][] = [
      [{ comment: 'x'.repeat(501) }, 400, 'invalid_comment'],
      [{ comment: 'one\nline only' }, 400, 'invalid_comment'],
      [{ by: 'ceo@example.com' }, 400, 'unknown_field'],
      [{ decision: 'approve', at: '2020-01-01T00:00:00Z' }, 400, 'unknown_field'],
      [[], 400, 'invalid_body'],
    ];
    for (const [body, status, code] of refusals) {
      const r = await decide('approve', body);
      expect({ body, status: r.status, code: (r.body as { code?: string }).code }).toEqual({ body, status, code });
    }
    const huge = await call(
      'POST',
      '/targets/local/update/approve',
      DEPLOYER,
      undefined,
      `{"comment":"${'y'.repeat(5000)}"}`,
    );
    expect(huge).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
    const notJson = await fetch(`${stack.apiUrl}/targets/local/update/approve`, {
      method: 'POST',
      headers: { 'x-ms-client-principal': DEPLOYER, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(notJson.status).toBe(415);
    // Still waiting, undecided.
    const s = await summary();
    expect(s.pending_update).toMatchObject({ update_id: id, state: 'waiting_for_approval', decision: null });
    expect((await decide('reject', { comment: 'cleanup' })).status).toBe(202);
    await recordOf(id, 'rejected');
  }, 60_000);

  it('expire: an update nobody decides ends expired at its deadline (1 h = 2 s here)', async () => {
    await setPolicy({ mode: 'approve', approvalTimeoutHours: 1 });
    const digest = await push();
    const started = Date.now();
    const id = (await pendingFor(digest, 'waiting_for_approval')).pending_update!.update_id;
    const record = await recordOf(id, 'expired');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(record).toMatchObject({ digest, approval: null, error: { code: 'expired' } });
    expect((await summary()).pending_update).toBeNull();
    expect(await decide('approve')).toMatchObject({ status: 409, body: { code: 'no_update_waiting' } });
  }, 40_000);

  it('a closed window: a push waits for it (and says so); a manual deploy is refused, then allowed with a reason', async () => {
    // A window on the day after tomorrow only: closed now, whatever the time of day.
    const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 2) % 7]!;
    const answer = await setPolicy({
      mode: 'auto',
      window: { days: [day], start: '02:00', end: '03:00', timeZone: 'UTC' },
    });
    expect(answer.window).toMatchObject({ open: false });
    const text = answer.window!.text;
    const digest = await push();
    const waiting = await pendingFor(digest, 'waiting_for_window');
    expect(waiting.pending_update).toMatchObject({ window: text, window_opens_at: answer.window!.next });
    expect(waiting.active_deploy).toBeNull();

    const refused = await call('POST', '/targets/local/openapi/deployments', DEPLOYER, {});
    expect(refused.status).toBe(409);
    expect(z.parse(ErrorBody, refused.body)).toMatchObject({ code: 'outside_window', window: text });
    expect(
      await call('POST', '/targets/local/openapi/deployments', DEPLOYER, { override_window: { reason: '' } }),
    ).toMatchObject({ status: 400, body: { code: 'invalid_override_window' } });
    const allowed = await call('POST', '/targets/local/openapi/deployments', DEPLOYER, {
      override_window: { reason: 'hotfix for the login outage' },
    });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(202);
    const id = z.parse(contract.DeployAccepted, allowed.body).id;
    const record = await eventually(
      async () => (await history()).find((r) => r.deploy_id === id && r.finished_at !== null),
      'the override deploy to finish',
      60_000,
      250,
    );
    expect(record).toMatchObject({
      status: 'succeeded',
      requester: 'dana@example.com',
      window_override: { reason: 'hotfix for the login outage', by: 'dana@example.com' },
    });
    // Back to the configured policy: recorded as a reset.
    const reset = z.parse(contract.PolicyAnswer, (await call('DELETE', '/targets/local/policy', DEPLOYER)).body);
    expect(reset).toMatchObject({ source: 'configuration', policy: { mode: 'auto', window: null } });
    expect(reset.changes[0]).toMatchObject({
      action: 'reset',
      actor: 'dana@example.com',
      after_source: 'configuration',
    });
  }, 90_000);
});
