// Requests only a raw socket can send: odd request-targets (`//`, `http://[::1`, absolute forms, broken percent
// escapes), broken framing (bad versions, header lines without a colon, lying or duplicated Content-Length,
// bad chunking, header floods, huge targets) and seeded mutations of ordinary requests. Every one must get an
// answer — a coded JSON error for what is malformed — and none may end the process.
import type { HostileContext } from '../context';
import { bytesFor } from '../context';
import { refused, statusIn, type Case, type Expectation, type Part } from '../ledger';

/** Request-targets that are odd but fit on a request line. */
export const ODD_TARGETS = [
  '//',
  '///',
  '//api/targets',
  '//evil.example/api/targets',
  '/\\evil.example',
  'http://[::1',
  'http://[::1 ',
  'http://[::1]:99999/',
  'http://[',
  'http://',
  'http:',
  'http://evil.example/api/targets',
  'https://evil.example/',
  'http://user:pass@127.0.0.1/api/targets',
  'http://[fe80::1%25eth0]/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '*',
  '?',
  '#',
  '@evil.example',
  'evil.example:80',
  '/%',
  '/%%',
  '/%zz',
  '/%E0%A4%A',
  '/%C0%AF',
  '/%00',
  '/%ff%fe',
  '/api/%E0%A4%A',
  '/api/targets/%E0%A4%A/openapi',
  '/api/targets?%',
  '/api/targets?a=%zz',
  '/api/targets#frag',
  '/api/../../etc/passwd',
  '/api/..%2f..%2fetc%2fpasswd',
  '/api/targets/..%2F..%2F',
  '/runtime/webhooks/durabletask/instances/%E0%A4%A',
  '/durabletask/instances/%E0%A4%A',
  '/runtime/webhooks/EventGrid?functionName=%E0%A4%A',
  '/runtime/webhooks/EventGrid?functionName=',
  '/runtime/webhooks/%2e%2e/admin/host/status',
  '/admin/host/status/..',
  '/api/aks/openapi/deploy/%2e%2e/status',
  `/api/targets/${'%41'.repeat(2000)}`,
  `/${'a/'.repeat(3000)}`,
  `/api/targets?${'a=1&'.repeat(2000)}`,
  '/api/targets\u00e9',
  '/api/targets\u00ff\u00fe',
  '/\u0001',
  '/exec\u007f',
  '/healthz?\u0000',
];

/** Complete raw requests with broken framing; `{port}` and `{host}` are filled in. */
const BROKEN_FRAMING = [
  'GET / HTTP/9.9\r\nHost: {host}\r\n\r\n',
  'GET / HTTP/1.1.1\r\nHost: {host}\r\n\r\n',
  'GET /\r\n\r\n',
  'GET / FOO/1.1\r\nHost: {host}\r\n\r\n',
  'get /api/targets HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n',
  'FOO /api/targets HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n',
  'G\u0000ET / HTTP/1.1\r\nHost: {host}\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nBad Header\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nX-A : b\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\n: empty-name\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nX-Nul: a\u0000b\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nX-Fold: a\r\n  folded\r\nConnection: close\r\n\r\n',
  'GET /api/targets HTTP/1.1\nHost: {host}\nConnection: close\n\n',
  'GET /api/targets HTTP/1.1\rHost: {host}\r\r',
  'GET /api/targets HTTP/1.1\r\nConnection: close\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nOrigin: http://evil.example\r\n\r\n{}',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nContent-Length: -1\r\nOrigin: http://evil.example\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nContent-Length: abc\r\nOrigin: http://evil.example\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nContent-Length: 99999999999999999999999\r\nOrigin: http://evil.example\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nOrigin: http://evil.example\r\n\r\n0\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\nffffffffffffffff\r\n{}\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: gzip\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n{}',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked, identity\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n2;' +
    'x'.repeat(20_000) +
    '\r\n{}\r\n0\r\n\r\n',
  'POST /api/aks/openapi/deploy HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n\r\n{}GET /admin/host/status HTTP/1.1\r\nHost: {host}\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nExpect: 999-nonsense\r\nConnection: close\r\n\r\n',
  'GET /api/targets HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  'GET /api/targets HTTP/1.0\r\n\r\n',
  'TRACE /api/targets HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n',
  `GET /api/targets HTTP/1.1\r\nHost: {host}\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
  `GET /api/targets HTTP/1.1\r\nHost: {host}\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
  `GET /${'u'.repeat(70_000)} HTTP/1.1\r\nHost: {host}\r\n\r\n`,
  `GET /api/targets HTTP/1.1\r\nHost: ${'h'.repeat(10_000)}\r\nConnection: close\r\n\r\n`,
  '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003',
  'SSH-2.0-OpenSSH_9.6\r\n',
];

function fill(template: string, port: number): Buffer {
  return Buffer.from(template.replaceAll('{host}', `127.0.0.1:${port}`).replaceAll('{port}', String(port)), 'latin1');
}

/** Answered, and coded JSON when refused. The sim's error shapes are its own (Kubernetes Status, registry errors). */
export function rawCases(ctx: HostileContext, part: Part, port: number, ordinaryTargets: string[]): Case[] {
  const cases: Case[] = [];
  const errorShape = part === 'sim' ? 'sim' : 'code';
  const add = (kind: string, bytes: Buffer, expect?: Expectation, head = false) =>
    cases.push({ part, kind, port, bytes, expect, errorShape, head });

  for (const target of ODD_TARGETS) {
    for (const method of ['GET', 'POST', 'OPTIONS']) {
      add(
        'odd request-target',
        bytesFor(port, {
          method,
          target,
          // POSTs carry what refuses a start anyway: the point here is the target.
          headers:
            method === 'POST'
              ? [
                  ['Origin', 'http://evil.example'],
                  ['Content-Type', 'text/plain'],
                ]
              : [],
          body: method === 'POST' ? '{}' : undefined,
        }),
      );
    }
  }
  for (const template of BROKEN_FRAMING) add('broken framing', fill(template, port));
  add(
    'oversize headers are refused as 431',
    fill(`GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`, port),
    statusIn(431),
  );
  add(
    'an oversize request-target is refused',
    fill(`GET /${'u'.repeat(40_000)} HTTP/1.1\r\nHost: {host}\r\n\r\n`, port),
    statusIn(414, 431, 400),
  );
  add('a missing Host is refused as JSON', fill('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', port), refused);

  // Seeded mutations of ordinary GETs: odd characters put into the target at random places.
  const inserts = [
    '%',
    '%E0',
    '%A',
    '\u0000',
    '\u007f',
    '\u00ff',
    '[',
    ']',
    '@',
    '#',
    '?',
    '\\',
    '//',
    '..',
    '%2e%2e',
    '%2F',
    ';',
    '{',
    '}',
    '|',
    '^',
    '`',
    '"',
    "'",
    '<',
    '>',
    '\u00e9',
  ];
  for (let i = 0; i < 60; i++) {
    const base = ctx.rng.pick(ordinaryTargets);
    const at = ctx.rng.int(base.length + 1);
    const target = `${base.slice(0, at)}${ctx.rng.pick(inserts)}${base.slice(at)}`;
    const method = ctx.rng.pick(['GET', 'HEAD', 'OPTIONS']);
    add('mutated request-target', bytesFor(port, { method, target }), undefined, method === 'HEAD');
  }
  return cases;
}

/** Slow senders: a declared body that never fully arrives, and headers sent a byte at a time. */
export function slowCases(
  port: number,
  part: Part,
  target: string,
  headers: Array<[string, string]>,
  boundMs: number,
): Case[] {
  const head = (extra: string) =>
    Buffer.from(
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}${extra}`,
      'latin1',
    );
  const timedOut: Expectation = {
    describe: `408 within ${boundMs / 1000} s`,
    check: (res) => (res.status === 408 ? undefined : `got ${res.status}`),
  };
  const trickle = Array.from({ length: Math.floor(boundMs / 2000) }, (_, i) => ({
    afterMs: (i + 1) * 2000,
    bytes: Buffer.from('x'),
  }));
  return [
    {
      part,
      kind: 'slow body (Content-Length 1000, 2 bytes sent)',
      port,
      bytes: Buffer.concat([head('Content-Length: 1000\r\n\r\n'), Buffer.from('{"')]),
      expect: timedOut,
      timeoutMs: boundMs,
    },
    {
      part,
      kind: 'slow headers (a byte every 2 s)',
      port,
      bytes: head('X-Slow: '),
      later: trickle,
      expect: timedOut,
      timeoutMs: boundMs,
    },
  ];
}
