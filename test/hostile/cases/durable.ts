// Hostile requests to the devhost's Durable HTTP API and admin routes: starts, lists, purges, events and
// terminations without a key, with wrong keys or keys in the wrong place, from a foreign Host, with text/plain
// bodies any web page can send; and malformed requests with the right key. The Functions host in Azure requires
// the system key (or the master key) for these routes and the master key for /admin.
import { EVIL_ORIGIN, bytesFor, type HostileContext } from '../context';
import { keyRequired, refused, statusIn, type Case, type Expectation } from '../ledger';

const PREFIXES = ['/runtime/webhooks/durabletask', '/durabletask'];

/** A deploy input as an attacker would hand-make it: deploy 3.3 to the local target. */
function forgedDeployInput(): string {
  return JSON.stringify({
    target: 'local',
    reason: 'update',
    tag: '3.3',
    digest: null,
    requester: 'evil',
    requestedAt: new Date().toISOString(),
    timings: {
      pollIntervalSeconds: 1,
      watchSeconds: 2,
      rolloutTimeoutSeconds: 30,
      externalIpTimeoutSeconds: 10,
      verifyTimeoutSeconds: 10,
    },
  });
}

interface KeyMode {
  name: string;
  /** Appended to the query string (with & or ?). */
  query?: string;
  headers?: Array<[string, string]>;
}

/** Ways to present no key or a wrong one; none may open the Durable API. */
function wrongKeys(ctx: HostileContext): KeyMode[] {
  const sys = ctx.keys.system;
  const modes: KeyMode[] = [
    { name: 'no key' },
    { name: 'random code=', query: `code=${ctx.rng.hex(40)}` },
    { name: 'empty code=', query: 'code=' },
    { name: 'random x-functions-key', headers: [['x-functions-key', ctx.rng.hex(40)]] },
    { name: 'exec token as key', headers: [['x-functions-key', ctx.execToken]] },
    { name: 'Code= (wrong case)', query: `Code=${ctx.rng.hex(40)}` },
    // A cookie is what a browser sends by itself: it must never count as a key.
    { name: 'key in a cookie', headers: [['Cookie', `code=${sys ?? ctx.rng.hex(40)}`]] },
  ];
  if (sys) {
    modes.push(
      { name: 'system key truncated', query: `code=${encodeURIComponent(sys.slice(0, -1))}` },
      { name: 'system key with a suffix', headers: [['x-functions-key', `${sys}x`]] },
      { name: 'system key in another case', headers: [['x-functions-key', swapCase(sys)]] },
    );
  }
  return modes;
}

function swapCase(s: string): string {
  const swapped = [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  return swapped === s ? `${s}A` : swapped;
}

function withQuery(target: string, query: string | undefined): string {
  if (!query) return target;
  return `${target}${target.includes('?') ? '&' : '?'}${query}`;
}

export function durableCases(ctx: HostileContext): Case[] {
  const port = ctx.ports.api;
  const cases: Case[] = [];
  const add = (kind: string, r: Parameters<typeof bytesFor>[1], expect?: Expectation, detail?: string) =>
    cases.push({ part: 'durable', kind, port, bytes: bytesFor(port, r), expect, detail });

  const someId = `local-20260101t120000-${ctx.rng.hex(8)}`;
  for (const prefix of PREFIXES) {
    for (const key of wrongKeys(ctx)) {
      const h = key.headers ?? [];
      // The attack: a forged deploy start, text/plain, foreign Host. Aimed at the real orchestrator only with
      // the first two key modes (each one that gets through moves the cluster); the rest use an unknown name.
      const realStart = key.name === 'no key' || key.name === 'random code=';
      add(
        `forged orchestration start, no valid key`,
        {
          method: 'POST',
          target: withQuery(
            `${prefix}/orchestrators/${realStart ? 'deployOpenApi' : 'noSuchOrchestrator'}/${ctx.rng.uuid()}`,
            key.query,
          ),
          host: 'evil.example',
          headers: [['Content-Type', 'text/plain'], ['Origin', EVIL_ORIGIN], ...h],
          body: forgedDeployInput(),
        },
        keyRequired,
        key.name,
      );
      add(
        `list instances with inputs, no valid key`,
        {
          method: 'GET',
          target: withQuery(`${prefix}/instances/?showInput=true`, key.query),
          headers: h,
        },
        keyRequired,
        key.name,
      );
      add(
        `instance status, no valid key`,
        {
          method: 'GET',
          target: withQuery(`${prefix}/instances/${someId}?showHistory=true&showInput=true`, key.query),
          headers: h,
        },
        keyRequired,
        key.name,
      );
      add(
        `purge one instance, no valid key`,
        {
          method: 'DELETE',
          target: withQuery(`${prefix}/instances/${someId}`, key.query),
          headers: h,
        },
        keyRequired,
        key.name,
      );
      add(
        `purge by filter, no valid key`,
        {
          method: 'DELETE',
          target: withQuery(`${prefix}/instances/?createdTimeFrom=2000-01-01T00:00:00Z`, key.query),
          headers: h,
        },
        keyRequired,
        key.name,
      );
      for (const op of ['raiseEvent/cancel', 'terminate?reason=evil', 'suspend', 'resume', 'rewind']) {
        add(
          `instance operation ${op.split(/[/?]/)[0]}, no valid key`,
          {
            method: 'POST',
            target: withQuery(`${prefix}/instances/${someId}/${op}`, key.query),
            headers: [['Content-Type', 'text/plain'], ...h],
            body: '"x"',
          },
          keyRequired,
          key.name,
        );
      }
    }
  }

  // Admin routes: the master key only.
  for (const key of [
    ...wrongKeys(ctx),
    ...(ctx.keys.system
      ? [{ name: 'system key', headers: [['x-functions-key', ctx.keys.system]] as Array<[string, string]> }]
      : []),
  ]) {
    for (const target of [
      '/admin/host/status',
      '/admin/functions/deployOpenApi',
      '/admin/host/keys',
      '/admin/host/systemkeys/durabletask_extension',
    ]) {
      add(
        `admin route, no valid key`,
        { method: 'GET', target: withQuery(target, key.query), headers: key.headers ?? [] },
        keyRequired,
        key.name,
      );
    }
    add(
      `admin invoke of a non-HTTP function, no valid key`,
      {
        method: 'POST',
        target: withQuery('/admin/functions/acrImagePushed', key.query),
        headers: [['Content-Type', 'application/json'], ...(key.headers ?? [])],
        body: '{"input":"{}"}',
      },
      keyRequired,
      key.name,
    );
  }

  // With the right key: malformed requests must be refused as coded JSON, never 5xx. Nothing here starts a deploy.
  const sys = ctx.keys.system;
  const keyHeaders: Array<[string, string]> = sys ? [['x-functions-key', sys]] : [];
  const malformed: Array<[string, string, string | undefined, Expectation]> = [
    ['GET', '/instances/%E0%A4%A', undefined, refused],
    ['GET', '/instances/%', undefined, refused],
    ['GET', '/instances/%00', undefined, refused],
    ['GET', `/instances/${'x'.repeat(300)}`, undefined, refused],
    ['GET', '/instances/?top=-1', undefined, statusIn(200, 400)],
    ['GET', '/instances/?top=abc', undefined, statusIn(200, 400)],
    ['GET', '/instances/?top=1e99', undefined, statusIn(200, 400)],
    ['GET', '/instances/?createdTimeFrom=notadate', undefined, statusIn(200, 400)],
    ['GET', '/instances/?runtimeStatus=Bogus', undefined, statusIn(200, 400)],
    ['GET', '/instances/?instanceIdPrefix=%E0%A4%A', undefined, statusIn(200, 400)],
    ['POST', '/orchestrators/deployOpenApi/%E0%A4%A', '{', refused],
    ['POST', '/orchestrators/deployOpenApi', '{"target":', refused],
    ['POST', '/orchestrators/noSuchOrchestrator', '{}', refused],
    ['POST', '/orchestrators/', '{}', refused],
    ['POST', `/instances/${someId}/raiseEvent/%E0%A4%A`, '{}', refused],
    ['POST', `/instances/${someId}/raiseEvent/cancel`, '{', refused],
    ['PUT', '/instances/', '{}', refused],
    ['PATCH', `/instances/${someId}`, '{}', refused],
    ['GET', '/nope', undefined, refused],
  ];
  for (const prefix of PREFIXES) {
    for (const [method, path, body, expect] of malformed) {
      add(
        'malformed request with the key',
        {
          method,
          target: `${prefix}${path}`,
          headers: [
            ...keyHeaders,
            ...(body !== undefined ? ([['Content-Type', 'application/json']] as Array<[string, string]>) : []),
          ],
          body,
        },
        expect,
      );
    }
    add(
      'continuation token garbage with the key',
      {
        method: 'GET',
        target: `${prefix}/instances/`,
        headers: [...keyHeaders, ['x-ms-continuation-token', ctx.rng.string(64, 'abc%$#@!{}[]"\\')]],
      },
      statusIn(200, 400),
    );
  }
  return cases;
}
