// Try it through the real sockets (docs/api.md#try-it): the local stack in the platform mode, elb-openapi deployed
// to the sim, whose stand-in answers the live spec. Asserted on the wire: the allowlist (paths and methods of the
// live spec only; traversal, URLs and smuggled headers refused before anything is sent), the role per proxied
// method against forged principals, the size bounds, the cluster bound, and that the token never comes back (nor
// reaches a log).
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ENV, swaPrincipal } from '../../test/support/platform';
import { addSimFault, clearSimFaults, startFastStack } from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';
import { rawRequest } from '../../test/support/raw-http';

let stack: Stack;
let token: string;
const seen: string[] = []; // every proxy answer's text, searched for the token at the end

const READER = swaPrincipal(['reader']);
const DEPLOYER = swaPrincipal(['deployer']);

/** The proxy's answer, or its error (`code`). */
interface Answer {
  status?: number;
  code?: string;
  headers: Record<string, string>;
  body_kind?: string;
  body?: unknown;
  duration_ms?: number;
}

async function proxy(body: unknown, who: string | null = READER, target = 'local') {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who !== null) headers['x-ms-client-principal'] = who;
  const res = await fetch(`${stack.apiUrl}/targets/${target}/openapi/proxy`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers.entries()]));
  return { status: res.status, cache: res.headers.get('cache-control'), body: JSON.parse(text) as Answer };
}

beforeAll(async () => {
  stack = await startFastStack(PLATFORM_ENV);
  const started = await fetch(`${stack.apiUrl}/aks/openapi/deploy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ms-client-principal': DEPLOYER },
    body: '{}',
  });
  expect(started.status).toBe(202);
  // Ready when the proxy reaches the service (the stand-in listens once the pod is ready and has an address).
  await eventually(
    async () => ((await proxy({ method: 'GET', path: '/v1/databases' })).body.status === 200 ? true : undefined),
    'the service to answer through the proxy',
    90_000,
    300,
  );
  const secret = (await (
    await fetch(`${stack.k8sUrl}/api/v1/namespaces/elb-openapi/secrets/elb-openapi-token`)
  ).json()) as { data: { 'api-token': string } };
  token = Buffer.from(secret.data['api-token'], 'base64').toString('utf8');
  expect(token.length).toBeGreaterThanOrEqual(32);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Try it through POST /targets/{target}/openapi/proxy', () => {
  it('a reader GETs a path of the live spec: the service status, headers and JSON body, not cached', async () => {
    const r = await proxy({ method: 'GET', path: '/v1/databases', headers: { Accept: 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.cache).toBe('no-store');
    expect(r.body).toMatchObject({
      status: 200,
      body_kind: 'json',
      body: [
        { name: 'nt', molecule: 'nucl' },
        { name: 'swissprot', molecule: 'prot' },
      ],
    });
    expect(r.body.headers['content-type']).toBe('application/json');
    expect(r.body.headers['x-served-by']).toMatch(/^elb-openapi-/);
    expect(typeof r.body.duration_ms).toBe('number');
    // A parameter in the template, and a query, reach the service (it answers 404 for an unknown job itself).
    const job = await proxy({ method: 'GET', path: '/v1/jobs/42', query: { verbose: 'a b&c' } });
    expect(job.status).toBe(200);
    expect(job.body.status).toBe(404);
  });

  it('refuses a write method to a reader and to forged principals; a deployer may send it', async () => {
    const post = { method: 'POST', path: '/v1/jobs', body: { program: 'blastn', database: 'nt', queries: 'q.fa' } };
    expect(await proxy(post)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await proxy({ method: 'DELETE', path: '/v1/jobs/1' })).toMatchObject({ status: 403 });
    // Roles the platform does not hand out, in places it does not read them from.
    for (const forged of [
      swaPrincipal(['Deployer', 'reader']),
      swaPrincipal(['reader'], undefined, { roles: ['deployer'] }),
      swaPrincipal(['reader'], undefined, { claims: [{ typ: 'role', val: 'deployer' }] }),
    ])
      expect(await proxy(post, forged)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await proxy(post, null)).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
    expect(await proxy({ method: 'GET', path: '/v1/jobs' }, swaPrincipal([]))).toMatchObject({
      status: 403,
    });
    const sent = await proxy(post, DEPLOYER);
    expect(sent.status).toBe(200);
    expect(sent.body.status).not.toBe(401);
  });

  it('allows only paths and methods the live spec declares', async () => {
    for (const path of ['/openapi.json', '/docs', '/admin', '/v1/jobs/1/results/x', '/v1'])
      expect(await proxy({ method: 'GET', path }), path).toMatchObject({
        status: 404,
        body: { code: 'path_not_in_spec' },
      });
    expect(await proxy({ method: 'PUT', path: '/v1/jobs' }, DEPLOYER)).toMatchObject({
      status: 405,
      body: { code: 'method_not_in_spec' },
    });
    expect(await proxy({ method: 'GET', path: '/v1/jobs' }, READER, 'nope')).toMatchObject({
      status: 404,
      body: { code: 'unknown_target' },
    });
  });

  it('refuses traversal, absolute URLs and smuggled headers before anything is sent', async () => {
    for (const path of [
      '/v1/../openapi.json',
      '/v1/%2e%2e/openapi.json',
      '/v1/jobs/..%2f..%2fopenapi.json',
      'http://169.254.169.254/latest/meta-data/',
      '//169.254.169.254/latest/meta-data/',
      '/v1/jobs?x=1',
      '/v1/jobs/1\r\nX-Evil: 1',
    ])
      expect(await proxy({ method: 'GET', path }), path).toMatchObject({ status: 400, body: { code: 'invalid_path' } });
    expect(
      await proxy({ method: 'GET', path: '/v1/jobs', headers: { accept: 'x\r\nx-elb-api-token: mine' } }),
    ).toMatchObject({ status: 400, body: { code: 'invalid_headers' } });
    for (const name of ['X-ELB-API-Token', 'Authorization', 'Host', 'Cookie'])
      expect(await proxy({ method: 'GET', path: '/v1/jobs', headers: { [name]: 'x' } }), name).toMatchObject({
        status: 400,
        body: { code: 'header_not_allowed' },
      });
    expect(await proxy({ method: 'GET', path: '/v1/jobs', url: 'http://169.254.169.254/' })).toMatchObject({
      status: 400,
      body: { code: 'unknown_field' },
    });
    expect(await proxy('{not json')).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
  });

  it('bounds the request size, declared or not', async () => {
    const big = { method: 'POST', path: '/v1/jobs', body: { queries: 'x'.repeat(64 * 1024) } };
    expect(await proxy(big, DEPLOYER)).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
    const huge = JSON.stringify({ method: 'POST', path: '/v1/jobs', body: { queries: 'x'.repeat(200_000) } });
    expect(await proxy(huge, DEPLOYER)).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
    // A body sent chunked (no Content-Length) is measured as it arrives.
    const chunk = huge.slice(0, 100_000);
    const raw = await rawRequest(
      stack.ports.api,
      `POST /api/targets/local/openapi/proxy HTTP/1.1\r\nHost: 127.0.0.1:${stack.ports.api}\r\n` +
        `Content-Type: application/json\r\nx-ms-client-principal: ${DEPLOYER}\r\nTransfer-Encoding: chunked\r\n` +
        `Connection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      10_000,
    );
    expect(raw.status).toBe(413);
    expect(raw.json).toMatchObject({ code: 'body_too_large' });
  });

  it('answers cluster_unavailable within its bound when the cluster API hangs, and works again after', async () => {
    await addSimFault(stack, { type: 'api_latency', ms: 30_000 });
    try {
      const started = Date.now();
      const r = await proxy({ method: 'GET', path: '/v1/jobs' });
      expect(r).toMatchObject({ status: 503, body: { code: 'cluster_unavailable' } });
      expect(Date.now() - started).toBeLessThan(9_000);
    } finally {
      await clearSimFaults(stack);
    }
    await eventually(
      async () => ((await proxy({ method: 'GET', path: '/v1/jobs' })).body.status === 200 ? true : undefined),
      'the proxy to work again',
      30_000,
      300,
    );
  }, 60_000);

  it('serves concurrent requests, and the token is in no answer', async () => {
    const all = await Promise.all(Array.from({ length: 16 }, () => proxy({ method: 'GET', path: '/v1/jobs' })));
    expect(all.map((r) => [r.status, r.body.status])).toEqual(all.map(() => [200, 200]));
    expect(seen.length).toBeGreaterThan(40);
    for (const text of seen) expect(text.includes(token)).toBe(false);
    // Nor in a log line of any part, nor in what local-run.sh printed.
    for (const part of ['api', 'sim', 'terminal-exec', 'azurite']) {
      const file = stack.logFile(part);
      if (existsSync(file)) expect(readFileSync(file, 'utf8').includes(token), `${part}.log`).toBe(false);
    }
    expect(stack.output().includes(token)).toBe(false);
    expect(existsSync(stack.logFile('api'))).toBe(true);
  });
});
