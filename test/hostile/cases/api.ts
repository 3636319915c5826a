// Hostile requests to the app's HTTP API (/api/…) in local no-auth mode: cross-site starts and cancels, foreign
// Hosts, unknown routes, wrong methods, malformed and oversize bodies, odd ids and query strings. None of them may
// start a deploy: every mutating request here carries something that must refuse it (a foreign Origin, a body
// that is not JSON-typed, a foreign Host, or a body the API must reject).
import { EVIL_ORIGIN, bytesFor, type HostileContext } from '../context';
import { methodNotAllowed, refused, refusedWith, statusIn, type Case, type Expectation } from '../ledger';

const START_ROUTES = ['/api/aks/openapi/deploy', '/api/targets/local/openapi/deployments'];
const CANCEL_ROUTES = [
  '/api/aks/openapi/deploy/local-20260101t120000-1a2b3c4d/cancel',
  '/api/targets/local/openapi/deployments/local-20260101t120000-1a2b3c4d/cancel',
];
/** Bodies that would start a deploy if the request were let through. */
const START_BODIES = [
  '{}',
  '{"tag":"3.3"}',
  '{"target":"local","reason":"rollback"}',
  '',
  '{"tag":"3.3","reason":"update"}',
];

const READ_ROUTES = [
  '/api/healthz',
  '/api/openapi.json',
  '/api/targets',
  '/api/targets/local/openapi',
  '/api/targets/local/openapi/deployments',
  '/api/targets/local/openapi/spec',
  '/api/monitor/acr',
  '/api/monitor/aks/service-ip?service_name=elb-openapi',
];

const notFound: Expectation = refusedWith(404, 'not_found');

/** Codes that show the request got past the guard and was acted on (or looked up): a refusal must come first. */
const ACTED_ON = ['deploy_in_progress', 'unknown_deploy', 'deploy_not_running'];

/** A 4xx that refused the request itself, not one that reached the deploy logic. */
const refusedBeforeActing: Expectation = {
  describe: 'a 4xx refusal before the deploy logic',
  check: (res, body) => {
    const code = (body as { code?: unknown } | undefined)?.code;
    if (res.status < 400 || res.status >= 500) return `got ${res.status}`;
    return ACTED_ON.includes(String(code))
      ? `got ${res.status} ${String(code)} (the request reached the deploy logic)`
      : undefined;
  },
};

export function apiCases(ctx: HostileContext): Case[] {
  const port = ctx.ports.api;
  const cases: Case[] = [];
  const add = (kind: string, r: Parameters<typeof bytesFor>[1], expect?: Expectation) =>
    cases.push({ part: 'api', kind, port, bytes: bytesFor(port, r), expect, head: r.method === 'HEAD' });

  // Cross-site starts and cancels: what any web page can send. A foreign Origin must be refused as cross_origin
  // whatever the content type; a body that is not typed application/json must be refused even without an Origin.
  // Besides plainly foreign ones: origins that begin like the dashboard's (a prefix or substring check would pass
  // them), another loopback port, and the opaque `null` of sandboxed frames and file: pages.
  const foreignOrigins = [
    EVIL_ORIGIN,
    'null',
    `http://127.0.0.1:${ctx.ports.exec}`,
    'http://127.0.0.1.evil.example',
    `${ctx.webOrigin}.evil.example`,
    `${ctx.webOrigin}0`,
  ];
  const simpleTypes = [
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ];
  for (const route of [...START_ROUTES, ...CANCEL_ROUTES]) {
    for (const origin of foreignOrigins) {
      for (const type of [...simpleTypes, 'application/json']) {
        // JSON-typed: only the Origin can refuse it (403 cross_origin). A simple type may be refused by either rule.
        const json = type === 'application/json';
        add(
          json
            ? 'cross-site start/cancel (foreign Origin, JSON)'
            : 'cross-site start/cancel (foreign Origin, simple type)',
          {
            method: 'POST',
            target: route,
            headers: [
              ['Origin', origin],
              ['Content-Type', type],
            ],
            body: ctx.rng.pick(START_BODIES),
          },
          json ? refusedWith(403, 'cross_origin') : refusedBeforeActing,
        );
      }
    }
    for (const type of [...simpleTypes, 'application/jsonx', 'text/json', 'text/plain; profile=application/json']) {
      add(
        'non-JSON content type on a mutating route',
        {
          method: 'POST',
          target: route,
          headers: [['Content-Type', type]],
          body: ctx.rng.pick(START_BODIES.filter((b) => b !== '')),
        },
        refusedBeforeActing,
      );
    }
    add('mutating route without a content type', { method: 'POST', target: route, body: '{}' }, refusedBeforeActing);
    // DNS rebinding: a page on another name reaching the loopback API.
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
      add(
        'foreign Host (DNS rebinding)',
        {
          method: 'POST',
          target: route,
          host,
          headers: [['Content-Type', 'application/json']],
          body: '{}',
        },
        refusedBeforeActing,
      );
      // What a rebinding browser really sends: its page's origin, which then equals the Host it names.
      add(
        'foreign Host with the matching Origin (DNS rebinding)',
        {
          method: 'POST',
          target: route,
          host,
          headers: [
            ['Origin', `http://${host}`],
            ['Content-Type', 'application/json'],
          ],
          body: '{}',
        },
        refusedBeforeActing,
      );
    }
    add(
      'foreign X-Forwarded-Host',
      {
        method: 'POST',
        target: route,
        headers: [
          ['Content-Type', 'application/json'],
          ['X-Forwarded-Host', 'evil.example'],
        ],
        body: '{}',
      },
      refusedBeforeActing,
    );
  }

  // Two Origin headers, the dashboard's first: whatever the server makes of them, it is not the dashboard alone.
  add(
    'cross-site start with two Origin headers',
    {
      method: 'POST',
      target: START_ROUTES[0]!,
      headers: [
        ['Origin', ctx.webOrigin],
        ['Origin', EVIL_ORIGIN],
        ['Content-Type', 'application/json'],
      ],
      body: '{}',
    },
    refusedBeforeActing,
  );

  // Malformed, wrongly typed and oversize bodies (JSON-typed, no Origin: each must be rejected for the body itself).
  const badBodies = [
    '{',
    '{"tag":',
    'null',
    '[]',
    '"x"',
    '42',
    '{"tag":5}',
    '{"tag":"../../etc/passwd"}',
    '{"tag":"3.3\\u0000"}',
    '{"digest":"sha256:zz"}',
    '{"digest":"sha256:' + 'a'.repeat(63) + '"}',
    '{"reason":"destroy"}',
    '{"target":"nope"}',
    '{"target":"../local"}',
    '{"unknown":1}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '\uFEFF{"tag":[]}',
    '{"tag":"' + 'x'.repeat(300) + '"}',
    '['.repeat(5000) + ']'.repeat(5000),
    '{"a":'.repeat(2000) + '1' + '}'.repeat(2000),
  ];
  for (const route of START_ROUTES) {
    for (const body of badBodies) {
      add(
        'malformed body on a start route',
        {
          method: 'POST',
          target: route,
          headers: [['Content-Type', 'application/json']],
          body,
        },
        refusedBeforeActing,
      );
    }
    add(
      'oversize body (17 KiB)',
      {
        method: 'POST',
        target: route,
        headers: [
          ['Content-Type', 'application/json'],
          ['Origin', EVIL_ORIGIN],
        ],
        body: `{"tag":"${'x'.repeat(17 * 1024)}"}`,
      },
      refusedBeforeActing,
    );
    add(
      'oversize body (2 MiB)',
      {
        method: 'POST',
        target: route,
        headers: [['Content-Type', 'application/json']],
        body: `{"tag":"${'y'.repeat(2 * 1024 * 1024)}"}`,
      },
      statusIn(413),
    );
    add(
      'binary body',
      {
        method: 'POST',
        target: route,
        headers: [['Content-Type', 'application/json']],
        body: ctx.rng.bytes(512),
      },
      refusedBeforeActing,
    );
  }

  // The contract's schemas at the boundary (core/contract/requests.ts): each hostile body gets its own 400 code,
  // not just any refusal: unknown fields, wrong types, prototype keys, deep nesting and huge arrays (all inside
  // the 16 KiB body limit, so the schema, not the size check, is what refuses them).
  const hugeArray = (item: string, n: number) => `[${Array.from({ length: n }, () => item).join(',')}]`;
  const schemaBodies: [string, string][] = [
    ['{"tagg":"3.4"}', 'unknown_field'],
    ['{"tag":"3.4","force":true}', 'unknown_field'],
    ['{"__proto__":{"tag":"3.3"}}', 'unknown_field'],
    ['{"tag":"3.4","__proto__":null}', 'unknown_field'],
    ['{"constructor":{"prototype":{"tag":"3.3"}}}', 'unknown_field'],
    ['{"toString":"x","hasOwnProperty":1}', 'unknown_field'],
    ['{"tag":5}', 'invalid_tag'],
    ['{"tag":true}', 'invalid_tag'],
    ['{"tag":{"__proto__":{"x":1}}}', 'invalid_tag'],
    ['{"reason":["update"]}', 'invalid_reason'],
    ['{"target":{}}', 'invalid_target'],
    ['{"digest":12}', 'invalid_digest'],
    [`{"tag":${'['.repeat(4000)}${']'.repeat(4000)}}`, 'invalid_tag'],
    [`{"a":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`, 'unknown_field'],
    ['['.repeat(8000) + ']'.repeat(8000), 'invalid_body'],
    [`{"tag":${hugeArray('0', 7000)}}`, 'invalid_tag'],
    [`{"reason":${hugeArray('"update"', 1500)}}`, 'invalid_reason'],
    [hugeArray('{}', 5000), 'invalid_body'],
    ['null', 'invalid_body'],
  ];
  for (const route of START_ROUTES) {
    for (const [body, code] of schemaBodies) {
      cases.push({
        part: 'api',
        kind: 'schema: hostile deploy body',
        detail: `${code}: ${body.slice(0, 60)}`,
        port,
        bytes: bytesFor(port, {
          method: 'POST',
          target: route,
          headers: [['Content-Type', 'application/json']],
          body,
        }),
        expect: refusedWith(400, code),
      });
    }
  }
  // Route parameters and queries checked by the same schemas; prototype names are never looked up as targets.
  const schemaQueries: [string, string, number, string][] = [
    ['GET', '/api/targets/__proto__/openapi', 400, 'invalid_target'],
    ['GET', '/api/targets/constructor/openapi', 404, 'unknown_target'],
    ['GET', '/api/targets/local/openapi/deployments?limit=__proto__', 400, 'invalid_limit'],
    ['GET', '/api/targets/local/openapi/deployments?limit=1e3', 400, 'invalid_limit'],
    ['GET', '/api/targets/local/openapi/deployments?limit=99999999999999999999', 400, 'invalid_limit'],
    ['GET', '/api/monitor/aks/service-ip?service_name=__proto__', 400, 'unknown_service'],
    ['GET', '/api/monitor/acr?target=__proto__', 400, 'invalid_target'],
    ['GET', '/api/aks/openapi/deploy/__proto__/status', 400, 'invalid_deploy_id'],
    ['POST', `${CANCEL_ROUTES[1]}?mode=__proto__`, 400, 'invalid_mode'],
    ['POST', `${CANCEL_ROUTES[0]}?mode=kill`, 400, 'invalid_mode'],
  ];
  for (const [method, target, status, code] of schemaQueries) {
    cases.push({
      part: 'api',
      kind: 'schema: hostile route parameter or query',
      detail: `${method} ${target}`,
      port,
      bytes: bytesFor(port, {
        method,
        target,
        headers: [['Content-Type', 'application/json']],
        body: method === 'POST' ? '{}' : undefined,
      }),
      expect: refusedWith(status, code),
    });
  }

  // Unknown routes under /api: 404 not_found as JSON.
  const unknown = [
    '/api',
    '/api/',
    '/api/nope',
    '/api/targets/local/nope',
    '/api/aks',
    '/api/aks/openapi',
    '/api/targets/local/openapi/deployments/x/y/z',
    '/api/admin',
    '/api/.env',
    '/api/targets/local/openapi/spec/extra',
  ];
  for (const target of unknown) add('unknown /api route', { method: 'GET', target }, notFound);
  for (let i = 0; i < 20; i++) {
    const seg = ctx.rng.string(1 + ctx.rng.int(12), 'abcdefghijklmnopqrstuvwxyz0123456789-_.~');
    add('unknown /api route (generated)', { method: 'GET', target: `/api/${seg}/${ctx.rng.hex(4)}` }, notFound);
  }

  // Wrong methods on known routes: 405 method_not_allowed with Allow.
  for (const target of READ_ROUTES.slice(0, 6)) {
    for (const method of ['PUT', 'PATCH', 'DELETE']) add('wrong method', { method, target }, methodNotAllowed);
  }
  for (const target of [...START_ROUTES.slice(0, 1), ...CANCEL_ROUTES]) {
    for (const method of ['GET', 'PUT', 'DELETE']) add('wrong method', { method, target }, methodNotAllowed);
  }

  // Reads with odd parameters and ids: answered, never 5xx; errors are coded JSON.
  for (const target of READ_ROUTES) {
    cases.push({
      part: 'api',
      kind: 'plain read',
      port,
      bytes: bytesFor(port, { method: 'GET', target }),
      expect: statusIn(200, 404, 502, 503),
      dependencyCodes: ['cluster_unavailable', 'registry_unavailable', 'service_unreachable'],
    });
  }
  // `..` and `%2e%2e` are resolved by URL parsing (they name another route); they only must not fail.
  for (const id of ['..', '%2e%2e'])
    add('dot-segment deploy id', { method: 'GET', target: `/api/targets/local/openapi/deployments/${id}` });
  const oddIds = [
    'LOCAL-20260101T120000-1A2B3C4D',
    'a'.repeat(200),
    '%00',
    '%E0%A4%A',
    'local-20260101t120000-1a2b3c4d%0d%0aX-Evil:1',
    '-x',
    "x'or'1'='1",
    '%F0%9F%92%A5',
  ];
  for (const id of oddIds) {
    add('odd deploy id', { method: 'GET', target: `/api/aks/openapi/deploy/${id}/status` }, refused);
    add('odd deploy id', { method: 'GET', target: `/api/targets/local/openapi/deployments/${id}` }, refused);
  }
  for (let i = 0; i < 15; i++) {
    const id = `local-${ctx.rng.hex(8)}t${ctx.rng.hex(6)}-${ctx.rng.hex(8)}`;
    add('unknown deploy id', { method: 'GET', target: `/api/aks/openapi/deploy/${id}/status` }, statusIn(404, 400));
  }
  const oddTargets = ['nope', 'LOCAL', '..', '%2F', 'a'.repeat(100), '%E0%A4%A', 'local%00', ctx.rng.hex(10)];
  for (const t of oddTargets) {
    add('odd target name', { method: 'GET', target: `/api/targets/${t}/openapi` }, refused);
    add('odd target name', { method: 'GET', target: `/api/monitor/acr?target=${t}` }, refused);
  }
  const oddQueries = [
    'limit=-1',
    'limit=abc',
    'limit=0',
    'limit=99999999999999999999',
    'limit=1e9',
    'limit=%E0%A4%A',
    'limit=1&limit=2',
    'limit[]=1',
  ];
  for (const q of oddQueries)
    add('odd query', { method: 'GET', target: `/api/targets/local/openapi/deployments?${q}` }, statusIn(200, 400));
  for (const q of [
    '',
    'service_name=',
    'service_name=kube-dns',
    'service_name=%00',
    'service_name=elb-openapi&target=nope',
    `service_name=${'s'.repeat(5000)}`,
  ])
    add('odd monitor query', { method: 'GET', target: `/api/monitor/aks/service-ip?${q}` }, refused);
  for (const mode of ['destroy', '', 'TERMINATE', '%00'])
    add(
      'odd cancel mode',
      {
        method: 'POST',
        target: `${CANCEL_ROUTES[0]}?mode=${mode}`,
        headers: [
          ['Content-Type', 'application/json'],
          ['Origin', EVIL_ORIGIN],
        ],
        body: '{}',
      },
      refused,
    );
  // Headers that try to pass as the platform's sign-in in no-auth mode or confuse the host checks.
  const principal = Buffer.from(JSON.stringify({ userRoles: ['deployer'], userDetails: 'evil' })).toString('base64');
  add(
    'forged platform principal with a cross-site start',
    {
      method: 'POST',
      target: START_ROUTES[0]!,
      headers: [
        ['Origin', EVIL_ORIGIN],
        ['Content-Type', 'application/json'],
        ['x-ms-client-principal', principal],
      ],
      body: '{}',
    },
    refusedWith(403, 'cross_origin'),
  );
  add('HEAD on a read route', { method: 'HEAD', target: '/api/targets' }, statusIn(200, 405));
  add(
    'OPTIONS preflight from a foreign origin',
    {
      method: 'OPTIONS',
      target: START_ROUTES[0]!,
      headers: [
        ['Origin', EVIL_ORIGIN],
        ['Access-Control-Request-Method', 'POST'],
        ['Access-Control-Request-Headers', 'content-type'],
      ],
    },
    {
      describe: 'no CORS grant for a foreign origin',
      check: (res) =>
        res.headers['access-control-allow-origin'] === EVIL_ORIGIN || res.headers['access-control-allow-origin'] === '*'
          ? `granted: ${res.headers['access-control-allow-origin']}`
          : undefined,
    },
  );
  return cases;
}
