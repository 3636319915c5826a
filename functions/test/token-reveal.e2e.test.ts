// Revealing the service's API token on the real local stack (platform sign-in, as in Azure): deployer only, POST
// only, never cached, audited before it is answered (who, when), and the token opens the stand-in service's /v1
// routes. Then the proof that it went nowhere else: not in any other answer, not in any part's log, and no reveal
// without its audit record (table storage killed: 503, no token).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ENV, swaPrincipal } from '../../test/support/platform';
import { startFastStack } from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';

let stack: Stack;
const revealed: string[] = [];
const REVEAL = '/targets/local/openapi/token/reveal';

async function call(method: string, path: string, who: string | null, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who !== null) headers['x-ms-client-principal'] = who;
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : null) as unknown };
}

const DEPLOYER = () => swaPrincipal(['deployer'], 'dee@example.com');

beforeAll(async () => {
  stack = await startFastStack(PLATFORM_ENV);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('POST …/token/reveal', () => {
  it('answers 404 token_not_found before the first deploy, and records nothing', async () => {
    // The first cluster read of a cold app may exceed its 4 s bound on a busy machine (503 cluster_unavailable).
    const r = await eventually(async () => {
      const a = await call('POST', REVEAL, DEPLOYER());
      return a.status === 503 && (a.body as { code: string }).code === 'cluster_unavailable' ? undefined : a;
    }, 'a first answer from the cluster');
    expect(r, r.text).toMatchObject({ status: 404, body: { code: 'token_not_found' } });
    expect((await call('GET', '/targets/local/openapi/token/audit', swaPrincipal(['reader']))).body).toEqual([]);
  });

  it('reveals to a deployer only, no-store, after the deploy; the token opens the service', async () => {
    const started = await call('POST', '/aks/openapi/deploy', DEPLOYER(), {});
    expect(started.status).toBe(202);
    const baseUrl = await eventually(
      async () => {
        const s = await call('GET', '/targets/local/openapi', swaPrincipal(['reader']));
        const body = s.body as { active_deploy: unknown; service: { base_url: string | null } };
        return body.active_deploy === null && body.service.base_url ? body.service.base_url : undefined;
      },
      'the deploy to finish with an address',
      90_000,
    );

    expect((await call('POST', REVEAL, null)).status).toBe(401);
    expect(await call('POST', REVEAL, swaPrincipal([]))).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await call('POST', REVEAL, swaPrincipal(['reader']))).toMatchObject({ status: 403 });
    // Only POST: a GET of the same path is refused (405 here; the Functions host says 404), never with the token.
    const get = await call('GET', REVEAL, swaPrincipal(['deployer']));
    expect([404, 405]).toContain(get.status);

    const before = Date.now();
    const r = await call('POST', REVEAL, swaPrincipal(['deployer']));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = r.body as { target: string; token: string; audit_id: string; revealed_at: string };
    expect(body.target).toBe('local');
    expect(body.token.length).toBeGreaterThanOrEqual(32);
    expect(Date.parse(body.revealed_at)).toBeGreaterThanOrEqual(before - 1000);
    revealed.push(body.token);
    expect(get.text).not.toContain(body.token);

    const v1 = `${baseUrl.replace(/\/$/, '')}/v1/jobs`;
    expect((await fetch(v1)).status).toBe(401);
    expect((await fetch(v1, { headers: { 'X-ELB-API-Token': `${body.token}x` } })).status).toBe(401);
    expect((await fetch(v1, { headers: { 'X-ELB-API-Token': body.token } })).status).toBe(200);

    // The same token on a second reveal, by someone else; both recorded, newest first.
    const again = await call('POST', REVEAL, swaPrincipal(['deployer'], 'bo@example.com'));
    expect((again.body as { token: string }).token).toBe(body.token);
    const audit = await call('GET', '/targets/local/openapi/token/audit', swaPrincipal(['reader']));
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject([
      { action: 'token_reveal', actor: 'bo@example.com', target: 'local' },
      { action: 'token_reveal', actor: 'ana@example.com', target: 'local', audit_id: body.audit_id },
    ]);
    expect(audit.text).not.toContain(body.token);
  }, 120_000);

  it('the token is in no other answer and in no log line of any part', async () => {
    const token = revealed[0]!;
    expect(token).toBeDefined();
    const reader = swaPrincipal(['reader']);
    const history = await call('GET', '/targets/local/openapi/deployments', reader);
    const id = (history.body as { deploy_id: string }[])[0]!.deploy_id;
    for (const path of [
      '/targets',
      '/targets/local/openapi',
      '/targets/local/openapi/deployments',
      `/targets/local/openapi/deployments/${id}`,
      `/aks/openapi/deploy/${id}/status`,
      '/activity',
      '/monitor/acr',
      '/openapi.json',
      '/healthz',
    ]) {
      const r = await call('GET', path, reader);
      expect(r.status, path).toBeLessThan(500);
      expect(r.text, path).not.toContain(token);
    }
    const parts = Object.keys(stack.partPids());
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const part of parts) {
      const log = readFileSync(stack.logFile(part), 'utf8');
      expect(log.length, part).toBeGreaterThan(0);
      expect(log.includes(token), `${part}.log`).toBe(false);
      expect(log.includes(Buffer.from(token).toString('base64')), `${part}.log (base64)`).toBe(false);
    }
    expect(stack.output().includes(token)).toBe(false);
  });

  it('reveals nothing when the audit record cannot be written (table storage down): 503, no token', async () => {
    process.kill(-stack.partPids().azurite!, 'SIGKILL');
    const r = await call('POST', REVEAL, swaPrincipal(['deployer']));
    expect(r).toMatchObject({ status: 503, body: { code: 'storage_unavailable' } });
    expect(r.text).not.toContain(revealed[0]!);
  }, 60_000);
});
