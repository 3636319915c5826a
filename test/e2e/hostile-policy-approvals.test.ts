// The policy API, approvals and wave cancels tried as a careless or hostile deployer would, on the real local stack in
// the platform mode (callers named as Static Web Apps names them): policies with bad ranges, time zones, unknown or
// forged fields and huge bodies are refused with a code and record nothing; a change is recorded under the caller's
// name whatever the body says; an approve and a reject sent at the same moment by two deployers end with exactly one
// decision, the one the record and the answers agree on; a decision on an expired update is refused; wave cancels of
// unknown or tricky ids answer codes. ELB_TEST_HOUR_SECONDS=2 (test-only) makes an approval "hour" two seconds.
// Runs the compiled app (dist/, the bundle in dist/app); build first (`npm run build`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { TargetStore } from '../../adapters/state-store';
import { tableClient } from '../../adapters/tables';
import { azuriteTablesUrl } from '../support/node-process';
import { PLATFORM_ENV, swaPrincipal } from '../support/platform';
import { pushImage, startFastStack } from '../support/local-target';
import { eventually, type Stack } from '../support/stack';

const DANA = swaPrincipal(['deployer'], 'dana@example.com');
const DEREK = swaPrincipal(['deployer'], 'derek@example.com');
const READER = swaPrincipal(['reader'], 'rita@example.com');

let stack: Stack;

async function call(method: string, path: string, principal: string, raw?: string) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      'x-ms-client-principal': principal,
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    body: method === 'GET' ? undefined : raw,
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { code?: string } & Record<string, unknown> };
}

const policy = async () => z.parse(contract.PolicyAnswer, (await call('GET', '/targets/local/policy', READER)).body);
const summary = async () => z.parse(contract.TargetSummary, (await call('GET', '/targets/local/openapi', READER)).body);
const history = async () =>
  z.parse(contract.DeploymentList, (await call('GET', '/targets/local/openapi/deployments', READER)).body);

function pendingFor(digest: string, state: string) {
  return eventually(
    async () => {
      const s = await summary();
      return s.pending_update?.digest === digest && s.pending_update.state === state ? s.pending_update : undefined;
    },
    `the update of ${digest.slice(0, 19)} to be ${state}`,
    20_000,
    200,
  );
}

beforeAll(async () => {
  stack = await startFastStack({ ...PLATFORM_ENV, ELB_TEST_HOUR_SECONDS: '2' });
  await eventually(
    async () => {
      const r = await call('POST', '/targets/local/openapi/deployments', DANA, '{}');
      return r.status === 202 ? true : r.status === 503 ? undefined : expect.fail(r.text);
    },
    'the install to start',
    30_000,
    1000,
  );
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

describe('policy API, hostile', () => {
  it('bad, forged and huge policies are refused with a code, and record nothing', async () => {
    const before = await policy();
    const refusals: [string, number, string][] = [
      ['{"mode":"AUTO"}', 400, 'invalid_mode'],
      ['{"track":{"range":"latest"}}', 400, 'invalid_track'],
      ['{"track":{"range":"~3.4","tag":"3.4"}}', 400, 'invalid_track'],
      ['{"track":{"tag":"../../etc/passwd"}}', 400, 'invalid_track'],
      ['{"approvalTimeoutHours":100000}', 400, 'invalid_approvalTimeoutHours'],
      ['{"approvalTimeoutHours":1.5}', 400, 'invalid_approvalTimeoutHours'],
      ['{"window":{"days":["sat"],"start":"02:00","end":"05:00","timeZone":"Mars/Olympus"}}', 400, 'invalid_window'],
      ['{"window":{"days":["sat"],"start":"02:00","end":"05:00","timeZone":":/etc/localtime"}}', 400, 'invalid_window'],
      ['{"window":{"days":["sat"],"start":"25:00","end":"05:00","timeZone":"UTC"}}', 400, 'invalid_window'],
      ['{"window":{"days":["funday"],"start":"02:00","end":"05:00","timeZone":"UTC"}}', 400, 'invalid_window'],
      ['{"window":{"days":[],"start":"02:00","end":"05:00","timeZone":"UTC"}}', 400, 'invalid_window'],
      ['{"mode":"approve","actor":"ceo@example.com"}', 400, 'unknown_field'],
      ['{"mode":"approve","__proto__":{"mode":"auto"}}', 400, 'unknown_field'],
      ['{"drift":"ignore"}', 400, 'invalid_drift'],
      ['[]', 400, 'invalid_body'],
      ['null', 400, 'invalid_body'],
      ['', 400, 'invalid_body'],
      ['{"mode":', 400, 'invalid_json'],
      [`{"mode":"approve","track":{"tag":"${'x'.repeat(70_000)}"}}`, 413, 'body_too_large'],
    ];
    for (const [raw, status, code] of refusals) {
      const r = await call('PUT', '/targets/local/policy', DANA, raw);
      expect({ raw: raw.slice(0, 80), status: r.status, code: r.body.code }).toEqual({
        raw: raw.slice(0, 80),
        status,
        code,
      });
      expect(r.text.length, raw.slice(0, 80)).toBeLessThan(2000);
    }
    expect((await call('DELETE', '/targets/local/policy', DANA, '{"actor":"x"}')).body.code).toBe('invalid_body');
    expect((await call('PUT', '/targets/local/policy', READER, '{"mode":"manual"}')).status).toBe(403);
    const after = await policy();
    expect(after.changes).toEqual(before.changes);
    expect(after.policy).toEqual(before.policy);
  }, 30_000);

  it('a change is recorded under the signed-in caller; of two changes at once, each that took effect is recorded with its true before', async () => {
    const start = await policy();
    const [a, b] = await Promise.all([
      call('PUT', '/targets/local/policy', DANA, '{"mode":"approve","approvalTimeoutHours":1}'),
      call('PUT', '/targets/local/policy', DEREK, '{"mode":"approve","approvalTimeoutHours":2}'),
    ]);
    const answers = [a, b];
    for (const r of answers) {
      if (r.status !== 200) {
        // The loser read the policy before the winner changed it: refused, and told to read it again.
        expect(r.status, r.text).toBe(409);
        expect(r.body.code).toBe('policy_changed_concurrently');
      }
    }
    const won = answers.filter((r) => r.status === 200).length;
    expect(won).toBeGreaterThanOrEqual(1);
    const p = await policy();
    const newest = p.changes.slice(0, won);
    expect(p.changes.length - start.changes.length).toBe(won);
    // The newest record is the policy in force, and the records chain: each one's before is the previous one's after.
    expect(newest[0]!.after).toEqual(p.policy);
    if (won === 2) expect(newest[0]!.before).toEqual(newest[1]!.after);
    expect(newest[won - 1]!.before).toEqual(start.policy);
    expect(newest.map((c) => c.actor).every((actor) => ['dana@example.com', 'derek@example.com'].includes(actor))).toBe(
      true,
    );
  }, 20_000);
});

describe('approvals, hostile', () => {
  it('approve and reject at the same moment by two deployers: exactly one decision, and the answers agree', async () => {
    await call('PUT', '/targets/local/policy', DANA, '{"mode":"approve","approvalTimeoutHours":30}');
    const before = (await history()).length;
    const { digest } = await pushImage(stack);
    const { update_id: id } = await pendingFor(digest, 'waiting_for_approval');
    const [approve, reject] = await Promise.all([
      call('POST', '/targets/local/update/approve', DANA, '{"comment":"ship it"}'),
      call('POST', '/targets/local/update/reject', DEREK, '{"comment":"not today"}'),
    ]);
    const answers = [approve, reject];
    const accepted = answers.filter((r) => r.status === 202);
    expect(accepted.length, answers.map((r) => r.text).join('\n')).toBeGreaterThanOrEqual(1);
    // The loser is told: already decided, or (when the update had moved on by its look) no longer waiting.
    for (const r of answers)
      if (r.status !== 202) {
        expect(r.status, r.text).toBe(409);
        expect(['already_decided', 'no_update_waiting']).toContain(r.body.code);
      }
    // Every answer that names a decision names the same one: the one the update took.
    const decisions = answers.flatMap((r) => {
      const d = r.body.decision as { decision: string; by: string } | undefined;
      return d ? [d] : [];
    });
    expect(decisions.length).toBeGreaterThanOrEqual(1);
    expect(new Set(decisions.map((d) => `${d.decision} ${d.by}`)).size, JSON.stringify(decisions)).toBe(1);
    const taken = decisions[0]!;
    await eventually(
      async () => {
        const x = await summary();
        return x.pending_update === null && x.active_deploy === null ? x : undefined;
      },
      'the update to end',
      40_000,
      250,
    );
    // The one record of it: an approved update deploys under its own id, a rejected one ends under the update's.
    const record = (await history())[0]!;
    if (taken.decision === 'approve')
      expect(record).toMatchObject({ status: 'succeeded', digest, approval: { decision: 'approve', by: taken.by } });
    else expect(record).toMatchObject({ deploy_id: id, status: 'rejected' });
    expect((await history()).length - before).toBe(1);
    // Too late now: nothing waits.
    const late = await call('POST', '/targets/local/update/approve', DANA, '{}');
    expect([late.status, late.body.code]).toEqual([409, 'no_update_waiting']);
  }, 60_000);

  it('an update that expired cannot be approved afterwards', async () => {
    await call('PUT', '/targets/local/policy', DANA, '{"mode":"approve","approvalTimeoutHours":1}');
    const { digest } = await pushImage(stack);
    const { update_id: id } = await pendingFor(digest, 'waiting_for_approval');
    await eventually(
      async () => (await history()).find((r) => r.deploy_id === id && r.status === 'expired'),
      'the update to expire',
      20_000,
      250,
    );
    const r = await call('POST', '/targets/local/update/approve', DANA, '{}');
    expect(r.status, r.text).toBe(409);
    expect(r.body.code).toBe('no_update_waiting');
    expect((await summary()).deployed?.digest).not.toBe(digest);
  }, 40_000);
});

describe('a crash between the claim and the start', () => {
  // The gate claims a digest on the target row (lastAutoDigest and pendingUpdateId), then starts the updateTarget
  // instance; a kill -9 in between leaves a claim with no instance. The reconcile pass, the safety net for missed
  // updates, must not answer "offered before" for that digest forever.
  it('the reconcile offers a digest again whose claimed update never started', async () => {
    await call('PUT', '/targets/local/policy', DANA, '{"mode":"approve","approvalTimeoutHours":30}');
    const { digest } = await pushImage(stack, '--no-event');
    // What the gate's claim leaves when the process dies before client.startNew (services/updates.ts gate()).
    const store = new TargetStore(tableClient('targets', azuriteTablesUrl(stack.ports.azuriteTable)));
    await store.update('local', (s) => ({
      next: { ...s, lastAutoDigest: digest, pendingUpdateId: 'local-update-20260101t000000-deadbeef' },
      result: undefined,
    }));
    const r = await call('POST', '/reconcile', DANA, '{}');
    expect(r.status, r.text).toBe(200);
    await pendingFor(digest, 'waiting_for_approval');
  }, 40_000);
});

describe('wave cancel, hostile', () => {
  it('unknown, malformed and tricky wave ids answer codes; a reader cannot cancel', async () => {
    const cases: [string, string, number, string | null][] = [
      ['/waves/wave-00000000000000000000/cancel', DANA, 404, 'unknown_wave'],
      ['/waves/wave-0000000000000000000g/cancel', DANA, 400, 'invalid_wave_id'],
      ['/waves/WAVE-00000000000000000000/cancel', DANA, 400, 'invalid_wave_id'],
      [`/waves/wave-${'0'.repeat(400)}/cancel`, DANA, 400, 'invalid_wave_id'],
      ['/waves/wave-%2e%2e%2fwave-00000000000000000000/cancel', DANA, 400, 'invalid_wave_id'],
      ['/waves/local-20260101t120000-1a2b3c4d/cancel', DANA, 400, 'invalid_wave_id'],
      ['/waves/wave-00000000000000000000/cancel', READER, 403, 'forbidden'],
    ];
    for (const [path, who, status, code] of cases) {
      const r = await call('POST', path, who, '{}');
      expect({ path: path.slice(0, 60), status: r.status, code: r.body.code ?? null }).toEqual({
        path: path.slice(0, 60),
        status,
        code,
      });
    }
    const waves = await call('GET', '/waves', READER);
    expect(waves.status).toBe(200);
  }, 20_000);
});
