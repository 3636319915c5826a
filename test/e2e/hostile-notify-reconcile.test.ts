// Notifications and the reconcile route tried as a careless or hostile user would, on the real local stack
// (local-run.sh all): webhook destinations that hang, answer slowly, redirect to another host, answer 429 with a huge
// Retry-After or with an endless body — each URL carrying a token in its query string — neither slow nor fail a
// deploy, and the token shows nowhere (API answers, Durable status with history, the parts' logs). POST
// /api/reconcile refuses cross-site, wrongly typed, oversized and malformed requests with a JSON code before any pass
// runs; many passes at once plus an Event Grid push of the same digest deploy it exactly once.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { deliveryInstanceId } from '../../core/notifications';
import { TargetStore } from '../../adapters/state-store';
import { tableClient } from '../../adapters/tables';
import { azuriteTablesUrl } from '../support/node-process';
import { deliverEvents, imagePushedEvent } from '../support/event-grid';
import { jsonApi } from '../support/json-api';
import { pushImage, startFastStack } from '../support/local-target';
import { eventually, type Stack } from '../support/stack';

const TOKEN = 'sig=Hostile-Webhook-Token-5f3a9c';
type Behaviour = 'good' | 'hang' | 'slow' | 'redirect' | 'throttle' | 'huge' | 'elsewhere';
const DESTINATIONS: Behaviour[] = ['good', 'hang', 'slow', 'redirect', 'throttle', 'huge'];

let stack: Stack;
let server: Server;
let port = 0;
const hits: { behaviour: Behaviour; body: string }[] = [];
const api = jsonApi(() => stack.apiUrl);

/** One loopback server plays every destination, by its path; `elsewhere` is where the redirect points. */
function answer(behaviour: Behaviour, res: ServerResponse): void {
  switch (behaviour) {
    case 'good':
    case 'elsewhere':
      return void res.writeHead(200).end('ok');
    case 'hang':
      return; // accepts and never answers
    case 'slow':
      return void setTimeout(() => res.writeHead(200).end('ok'), 3000);
    case 'redirect':
      return void res.writeHead(302, { location: `http://localhost:${port}/hooks/elsewhere?${TOKEN}` }).end();
    case 'throttle':
      return void res.writeHead(429, { 'retry-after': '999999' }).end();
    case 'huge': {
      // 200 and then an endless body (bounded here at 256 MiB so a regression cannot take the machine down).
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      let sent = 0;
      const more = () => {
        while (sent < 256 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
  }
}

function hooksSetting(): string {
  return JSON.stringify(
    DESTINATIONS.map((b) => ({
      name: `hook-${b}`,
      url: `http://127.0.0.1:${port}/hooks/${b}?${TOKEN}`,
      format: 'json',
    })),
  );
}

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

async function finished(id: string) {
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

const records = async () =>
  (await api.request('/targets/local/openapi/deployments', contract.DeploymentList)).body as z.output<
    typeof contract.DeploymentList
  >;
const apiLog = () => readFileSync(stack.logFile('api'), 'utf8');
const manualPasses = () =>
  apiLog()
    .split('\n')
    .filter((l) => /reconcile \(by [^)]+\): local: /.test(l)).length;

beforeAll(async () => {
  server = createServer((req, res) => {
    const behaviour = (req.url ?? '').split('?')[0]!.replace('/hooks/', '') as Behaviour;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ behaviour, body });
      answer(behaviour, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
  stack = await startFastStack({ ELB_NOTIFY_WEBHOOKS: hooksSetting() });
  await eventually(
    async () => ((await fetch(`${stack.apiUrl}/healthz`)).ok ? true : undefined),
    'the stack to be healthy',
    30_000,
    250,
  );
}, 150_000);

afterAll(async () => {
  await stack?.stop();
  server?.closeAllConnections();
  await new Promise((ok) => server?.close(ok));
});

describe('hostile webhook destinations', () => {
  it('hanging, slow, redirecting, throttling and endless destinations neither slow nor fail a deploy', async () => {
    const started = Date.now();
    const id = await deploy();
    const final = await finished(id);
    expect(final.runtime_status).toBe('Completed');
    expect(final.output!.status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(30_000);

    // The good destination got both messages; every other one was at least tried.
    const good = await eventually(
      async () => {
        const mine = hits.filter((h) => h.behaviour === 'good' && h.body.includes(id));
        return mine.length >= 2 ? mine : undefined;
      },
      'both messages at the good destination',
      20_000,
      200,
    );
    expect(good.map((h) => (JSON.parse(h.body) as { kind: string }).kind).sort()).toEqual([
      'deploy_started',
      'deploy_succeeded',
    ]);
    for (const b of DESTINATIONS)
      await eventually(async () => (hits.some((h) => h.behaviour === b) ? true : undefined), `a POST to ${b}`, 15_000);
    // The redirect was not followed: the message (and the token) did not go to the other address.
    expect(hits.filter((h) => h.behaviour === 'elsewhere')).toHaveLength(0);

    // What each delivery recorded, through Durable's status route with history: the destination's name, no token.
    const eventId = (JSON.parse(good[0]!.body) as { id: string }).id;
    const key = stack.hostKeys().system;
    const statusOf = async (destination: string) => {
      const instance = deliveryInstanceId(eventId, destination);
      const res = await fetch(
        `http://127.0.0.1:${stack.ports.api}/runtime/webhooks/durabletask/instances/${instance}` +
          '?showHistory=true&showHistoryOutput=true&showInput=true',
        { headers: { 'x-functions-key': key } },
      );
      // 202 while it runs (Durable's convention), 200 once it ended.
      expect([200, 202], destination).toContain(res.status);
      const text = await res.text();
      expect(text, destination).not.toContain('Hostile-Webhook-Token');
      expect(text, destination).not.toContain(`127.0.0.1:${port}`);
      return JSON.parse(text) as { runtimeStatus: string; output: unknown };
    };
    expect(await statusOf('hook-good')).toMatchObject({ runtimeStatus: 'Completed', output: { delivered: true } });
    expect(await statusOf('hook-huge')).toMatchObject({ runtimeStatus: 'Completed', output: { delivered: true } });
    expect(await statusOf('hook-redirect')).toMatchObject({
      runtimeStatus: 'Completed',
      output: { delivered: false, status: 302, reason: 'rejected' },
    });
    // The hanging and throttling ones are still retrying (or gave up): either way nothing with the URL in it.
    for (const d of ['hook-hang', 'hook-slow', 'hook-throttle']) await statusOf(d);
  }, 80_000);

  it('no webhook token in any answer or any part’s log', async () => {
    for (const path of [
      '/targets/local/openapi',
      '/targets/local/openapi/activity',
      '/targets/local/openapi/deployments',
      '/activity',
      '/openapi.json',
      '/targets',
      '/healthz',
    ]) {
      const text = await (await fetch(`${stack.apiUrl}${path}`)).text();
      expect(text, path).not.toContain('Hostile-Webhook-Token');
      expect(text, path).not.toContain(`127.0.0.1:${port}/hooks`);
    }
    const runDir = join(stack.localDir, 'run');
    for (const file of readdirSync(runDir).filter((f) => f.endsWith('.log'))) {
      const text = readFileSync(join(runDir, file), 'utf8');
      expect(text, file).not.toContain('Hostile-Webhook-Token');
      expect(text, file).not.toContain(`127.0.0.1:${port}/hooks`);
    }
    expect(stack.output()).not.toContain('Hostile-Webhook-Token');
  }, 20_000);
});

describe('POST /api/reconcile, hostile', () => {
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${stack.apiUrl}/reconcile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('refuses cross-site, wrongly typed, oversized and malformed requests with a JSON code, before any pass', async () => {
    const before = manualPasses();
    const cases: [string, Promise<Response>, number, string][] = [
      ['foreign Origin', post('{}', { origin: 'https://evil.example' }), 403, 'cross_origin'],
      ['Sec-Fetch-Site cross-site', post('{}', { 'sec-fetch-site': 'cross-site' }), 403, 'cross_origin'],
      ['text/plain', post('{}', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
      [
        'form',
        post('target=local', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'unsupported_media_type',
      ],
      ['oversized', post(JSON.stringify({ target: 'x'.repeat(70_000) })), 413, 'body_too_large'],
      ['not JSON', post('{"target":'), 400, 'invalid_json'],
      ['an array', post('[]'), 400, 'invalid_body'],
      ['null', post('null'), 400, 'invalid_body'],
      ['path trick', post('{"target":"../local"}'), 400, 'invalid_target'],
      ['upper case', post('{"target":"LOCAL"}'), 400, 'invalid_target'],
      ['a number', post('{"target":7}'), 400, 'invalid_target'],
      ['unknown field', post('{"target":"local","force":true}'), 400, 'unknown_field'],
      ['__proto__', post('{"__proto__":{"target":"local"}}'), 400, 'unknown_field'],
      ['unknown target', post('{"target":"nope"}'), 404, 'unknown_target'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      const text = await res.text();
      expect(res.status, `${what}: ${text}`).toBe(status);
      expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
      expect((JSON.parse(text) as { code: string }).code, what).toBe(code);
      // An error names the problem, not the input back at length.
      expect(text.length, what).toBeLessThan(2000);
    }
    // A refused request ran no pass (each pass logs a line per target).
    await new Promise((ok) => setTimeout(ok, 500));
    expect(manualPasses()).toBe(before);
    // The API is still there and answers a good call.
    const ok = await api.post('/reconcile', contract.ReconcileAnswer, { target: 'local' });
    expect(ok.status).toBe(200);
    expect(manualPasses()).toBe(before + 1);
  }, 30_000);

  it('ten passes at once plus the Event Grid push of the same digest: exactly one deploy', async () => {
    const before = (await records()).length;
    const { digest } = await pushImage(stack, '--no-event');
    const event = imagePushedEvent({ digest, registryHost: `127.0.0.1:${stack.ports.simRegistry}` });
    const base = `http://127.0.0.1:${stack.ports.api}`;
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => api.post('/reconcile', contract.ReconcileAnswer, {})),
      deliverEvents(base, stack.hostKeys().system, [event]),
    ]);
    const passes = answers.slice(0, 10) as { status: number; body: z.output<typeof contract.ReconcileAnswer> }[];
    for (const p of passes) expect(p.status).toBe(200);
    expect(answers[10]).toBe(202);
    // At most one pass offered and started it (the push may have been first).
    const started = passes.filter((p) => p.body.findings[0]!.update.deploy_id !== null);
    expect(started.length, JSON.stringify(passes.map((p) => p.body.findings[0]!.message))).toBeLessThanOrEqual(1);
    await eventually(
      async () => {
        const { body } = await api.request('/targets/local/openapi', contract.TargetSummary);
        return body.deployed?.digest === digest && body.active_deploy === null ? true : undefined;
      },
      'the pushed digest to be deployed',
      45_000,
      200,
    );
    // A late pass finds it deployed; nothing else starts.
    const late = await api.post('/reconcile', contract.ReconcileAnswer, {});
    expect(late.body.findings[0]!.update).toMatchObject({ action: 'none', reason: 'up_to_date', digest });
    await new Promise((ok) => setTimeout(ok, 2000));
    const after = await records();
    expect(after.length - before, JSON.stringify(after.slice(0, 3))).toBe(1);
    expect(after[0]).toMatchObject({ reason: 'auto', status: 'succeeded', digest });
  }, 70_000);

  it('a push whose deploy never started (kill -9 between the lease and the start) is deployed by the next pass', async () => {
    const before = (await records()).length;
    const { digest } = await pushImage(stack, '--no-event');
    // What the push path's claim leaves when the process dies before the deploy starts (services/deploy-leases.ts):
    // the lease on an instance Durable never heard of, and the digest marked offered.
    const store = new TargetStore(tableClient('targets', azuriteTablesUrl(stack.ports.azuriteTable)));
    await store.update('local', (s) => ({
      next: {
        ...s,
        lastAutoDigest: digest,
        activeInstanceId: 'local-20260101t000000-deadbeef',
        activeReason: 'auto',
        activeSince: '2026-01-01T00:00:00.000Z',
      },
      result: undefined,
    }));
    const pass = await api.post('/reconcile', contract.ReconcileAnswer, {});
    expect(pass.status).toBe(200);
    await eventually(
      async () => {
        const { body } = await api.request('/targets/local/openapi', contract.TargetSummary);
        return body.deployed?.digest === digest && body.active_deploy === null ? true : undefined;
      },
      `the missed digest to be deployed (the pass said: ${pass.body.findings[0]!.message})`,
      30_000,
      250,
    );
    const after = await records();
    expect(after.length - before).toBe(1);
    expect(after[0]).toMatchObject({ status: 'succeeded', digest, requester: 'reconcile' });
  }, 50_000);
});
