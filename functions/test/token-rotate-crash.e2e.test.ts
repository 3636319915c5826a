// The token routes against forged and malformed sign-ins, and the rotation when the Functions host dies under it, on
// the real local stack started part by part (test/support/parts.ts; platform sign-in, as in Azure):
// - reveal, rotate, a write through the proxy and the cancel route refuse a reader, a user without a role and
//   principals the platform never sends (not base64, not JSON, roles in the wrong shape or case): 401/403 with a
//   code, nothing recorded, nothing started;
// - the devhost killed (kill -9) inside the rotation's apply, its rollout and its check, then started again: the
//   rotation resumes from its Durable history and ends with one token in the Secret, the one reveal returns and the
//   service accepts; one history record and one audit record for the one rotation;
// - the cluster API hanging, and table storage frozen before and during a rotation: coded 5xx in seconds, no token,
//   nothing recorded; a rotation that lost its storage for a while still ends recorded and consistent;
// - afterwards no token is in an answer, a log (crash traces included), the Durable history or Azurite.
// Runs the compiled app (dist/): `npm run build` first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSimFault, clearSimFaults } from '../../test/support/local-target';
import { startParts, type PartsStack } from '../../test/support/parts';
import { swaPrincipal } from '../../test/support/platform';
import { eventually } from '../../test/support/stack';
import {
  auditCount,
  call,
  ended,
  expectNoTokenAnywhere,
  historyLength,
  idle,
  installOn,
  oneWorkingToken,
  phaseOf,
  READER,
  reveal,
  rotate,
  ROTATE,
  ROTATION_ENV,
} from '../../test/support/token-rotation';

let stack: PartsStack;
const b64 = (text: string) => Buffer.from(text).toString('base64');

beforeAll(async () => {
  stack = await startParts({ env: ROTATION_ENV, sim: { readyDelayMs: 1500, lbDelayMs: 0 } });
  await installOn(stack);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('forged and malformed sign-ins on the token routes', () => {
  it('401/403 with a code for every one, nothing recorded or started; a reader may still read and Try a GET', async () => {
    await idle();
    const [audits, records] = [await auditCount(), await historyLength()];
    const revealsBefore = ((await call('GET', '/targets/local/openapi/token/audit', READER)).body as unknown as [])
      .length;
    const unauthenticated = [
      null,
      '',
      'not base64 at all!',
      b64('not json'),
      b64('null'),
      b64('{"claims":5}'),
      b64('{"claims":[null]}'),
    ];
    const forbidden = [
      READER,
      swaPrincipal([]),
      b64('[]'),
      b64('"deployer"'),
      b64('{"userRoles":"deployer"}'),
      b64('{"userRoles":[["deployer"]]}'),
      b64('{"userRoles":{"0":"deployer"}}'),
      swaPrincipal(['Deployer']),
      swaPrincipal(['deployer ']),
      swaPrincipal(['deployers']),
      b64(JSON.stringify({ userDetails: 'x', claims: [{ typ: 'role', val: 'deployer' }] })),
    ];
    const writes: [string, unknown][] = [
      ['/targets/local/openapi/token/reveal', undefined],
      [ROTATE, undefined],
      ['/targets/local/openapi/proxy', { method: 'POST', path: '/v1/jobs', body: {} }],
      ['/targets/local/openapi/deployments/local-20260101t000000-00000000/cancel', undefined],
    ];
    for (const [path, body] of writes) {
      for (const who of unauthenticated) {
        const r = await call('POST', path, who, body);
        expect(r, `${path} ${who}`).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
      }
      for (const who of forbidden) {
        const r = await call('POST', path, who, body);
        expect(r, `${path} ${Buffer.from(who, 'base64').toString()}`).toMatchObject({
          status: 403,
          body: { code: 'forbidden' },
        });
      }
    }
    expect(await auditCount()).toBe(audits);
    expect(await historyLength()).toBe(records);
    expect(((await call('GET', '/targets/local/openapi/token/audit', READER)).body as unknown as []).length).toBe(
      revealsBefore,
    );
    expect((await call('GET', '/targets/local/openapi', READER)).body.active_deploy).toBeNull();
    const tried = await call('POST', '/targets/local/openapi/proxy', READER, { method: 'GET', path: '/v1/jobs' });
    expect(tried).toMatchObject({ status: 200, body: { status: 200 } });
  });
});

describe('a dependency that hangs or is down', () => {
  it('the cluster API hangs: reveal and rotate answer a coded 5xx within their bounds, nothing recorded or started', async () => {
    await idle();
    const [audits, records] = [await auditCount(), await historyLength()];
    const reveals = ((await call('GET', '/targets/local/openapi/token/audit', READER)).body as unknown as []).length;
    await addSimFault(stack, { type: 'api_latency', ms: 15_000 });
    try {
      for (const path of ['/targets/local/openapi/token/reveal', ROTATE]) {
        const t0 = Date.now();
        const r = await call('POST', path);
        expect(Date.now() - t0, path).toBeLessThan(10_000);
        expect([502, 503], `${path}: ${r.text}`).toContain(r.status);
        expect(r.body.code, path).toMatch(/_unavailable$/);
        expect(r.text).not.toMatch(/"token"/);
      }
    } finally {
      await clearSimFaults(stack);
    }
    expect(await auditCount()).toBe(audits);
    expect(await historyLength()).toBe(records);
    expect(((await call('GET', '/targets/local/openapi/token/audit', READER)).body as unknown as []).length).toBe(
      reveals,
    );
  }, 60_000);

  it('table storage frozen: reveal and rotate 503 storage_unavailable in seconds, no token; frozen during a rotation and back, the rotation ends recorded and consistent', async () => {
    // SIGSTOP rather than kill -9: Azurite writes its tables to disk only every few seconds, so a killed one
    // forgets the newest records — a loss real table storage never has.
    const azurite = Number(readFileSync(join(stack.localDir, 'run', 'azurite.pid'), 'utf8'));
    const freeze = (on: boolean) => process.kill(-azurite, on ? 'SIGSTOP' : 'SIGCONT');
    await idle();
    const before = await reveal();
    const [audits, records] = [await auditCount(), await historyLength()];
    freeze(true);
    try {
      for (const path of ['/targets/local/openapi/token/reveal', ROTATE]) {
        const t0 = Date.now();
        const r = await call('POST', path);
        expect(Date.now() - t0, path).toBeLessThan(15_000);
        expect(r, `${path}: ${r.text}`).toMatchObject({ status: 503, body: { code: 'storage_unavailable' } });
        expect(r.text).not.toContain(before);
      }
    } finally {
      freeze(false);
    }
    expect(await auditCount()).toBe(audits);
    expect(await historyLength()).toBe(records);
    const id = await rotate();
    await eventually(async () => ((await phaseOf(id)) === 'waiting_for_rollout' ? true : undefined), 'rollout');
    freeze(true);
    try {
      await new Promise((ok) => setTimeout(ok, 3000));
    } finally {
      freeze(false);
    }
    const out = await ended(id, 60_000);
    expect(['succeeded', 'rolled_back'], JSON.stringify(out)).toContain(out.status);
    await oneWorkingToken();
    expect(await historyLength()).toBe(records + 1);
    expect(await auditCount()).toBe(audits + 1);
  }, 90_000);
});

describe('the devhost killed (kill -9) during a rotation, then started again', () => {
  for (const phase of ['applying_token', 'waiting_for_rollout', 'verifying_token'] as const) {
    it(`in ${phase}: the rotation resumes and ends with one working token; one record, one audit`, async () => {
      await idle();
      const before = await reveal();
      const [audits, records] = [await auditCount(), await historyLength()];
      const id = await rotate();
      try {
        // The apply and the check take several requests to the cluster: 1.5 s each keeps the rotation inside them.
        if (phase !== 'waiting_for_rollout') {
          if (phase === 'verifying_token')
            await eventually(async () => ((await phaseOf(id)) === 'waiting_for_rollout' ? true : undefined), 'rollout');
          await addSimFault(stack, { type: 'api_latency', ms: 1500 });
        }
        await eventually(async () => ((await phaseOf(id)) === phase ? true : undefined), phase, 60_000, 50);
        if (phase === 'applying_token') await new Promise((ok) => setTimeout(ok, 2000));
        await stack.kill('api');
      } finally {
        await clearSimFaults(stack);
      }
      await stack.start('api');
      const out = await ended(id, 90_000);
      expect(['succeeded', 'rolled_back'], JSON.stringify(out)).toContain(out.status);
      const after = await oneWorkingToken();
      if (out.status === 'succeeded') expect(after).not.toBe(before);
      else expect(after).toBe(before);
      expect(await historyLength()).toBe(records + 1);
      expect(await auditCount()).toBe(audits + 1);
    }, 90_000);
  }

  it('a rotation started right after the restart works as usual', async () => {
    await idle();
    expect((await ended(await rotate())).status).toBe('succeeded');
    await oneWorkingToken();
  });

  it('no token seen is in any GET answer, any part’s log (crash traces included) or the orchestration history', async () => {
    await expectNoTokenAnywhere(stack);
  });
});
