// A hostile caller against the real exec server process, over raw sockets and HTTP: malformed request-targets and
// headers, oversize and slow requests, wrong routes and methods, a handler made to throw, and — with the shipped
// production policy — every dangerous command the issue lists. Assertions: the process never exits, nothing answers
// 5xx but the induced internal_error, every refusal is JSON with a `code`, and every connection is closed in time.
import { mkdirSync, renameSync, rmdirSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyArgv } from '../../adapters/cluster-exec';
import { readBody } from '../body';
import { HttpError, sendError, sendJson } from '../http-answers';
import { post, REPO_ROOT, SIM_LIKE_KUBECONFIG, startServer, type RunningServer } from './harness';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (rather than the test giving up). */
  closed: boolean;
  ms: number;
}

/** Writes `chunks` (pausing `gapMs` between them), then reads until the server closes or `waitMs` passes. */
function raw(url: string, chunks: Array<string | Buffer>, waitMs = 10_000, gapMs = 0): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(u.port), u.hostname);
    let data = Buffer.alloc(0);
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split >= 0 ? text.slice(0, split) : text;
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split >= 0 ? text.slice(split + 4) : '',
        closed,
        ms: Date.now() - started,
      });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
    const writeSlowly = async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    };
    // Writing never rejects (a destroyed socket stops the loop), so nothing awaits it.
    socket.on('connect', () => void writeSlowly());
  });
}

function expectJsonError(a: RawAnswer, status: number, code?: string): void {
  expect(a.status, a.body).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(a.body) as { code?: unknown };
  expect(typeof body.code).toBe('string');
  if (code) expect(body.code).toBe(code);
}

describe('exec server under hostile input', () => {
  let s: RunningServer;
  const answers: Array<{ what: string; status: number; body: string }> = [];
  const record = (what: string, a: { status: number; body: unknown }) =>
    answers.push({ what, status: a.status, body: typeof a.body === 'string' ? a.body : JSON.stringify(a.body) });

  beforeAll(async () => {
    s = await startServer({ EXEC_CLIENT_TIMEOUT_SECONDS: '2' });
  });
  afterAll(async () => {
    await s.stop();
  });

  const host = 'Host: x\r\n';
  it.each([
    ['a double-slash target', `GET // HTTP/1.1\r\n${host}\r\n`, 404, 'not_found'],
    ['a broken IPv6 absolute target', `GET http://[::1 HTTP/1.1\r\n${host}\r\n`, 404, 'not_found'],
    ['a bad percent-escape', `GET /%E0%A4%A HTTP/1.1\r\n${host}\r\n`, 404, 'not_found'],
    [
      'a bad escape as a request id',
      `DELETE /exec/%E0%A4%A HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
      401,
      'unauthorized',
    ],
    ['an asterisk target', `OPTIONS * HTTP/1.1\r\n${host}\r\n`, 404, 'not_found'],
    ['an absolute target', `GET http://evil.example/healthz HTTP/1.1\r\n${host}\r\n`, 404, 'not_found'],
    ['a garbage request line', `HELLO\r\n\r\n`, 400, 'malformed_request'],
    ['an unknown method', `BREW /exec HTTP/1.1\r\n${host}\r\n`, 400, 'malformed_request'],
    ['an unknown HTTP version', `GET /healthz HTTP/9.9\r\n${host}\r\n`, 400, 'malformed_request'],
    ['a NUL in the target', `GET /he\0althz HTTP/1.1\r\n${host}\r\n`, 400, 'malformed_request'],
    ['a header without a colon', `GET /healthz HTTP/1.1\r\n${host}broken header\r\n\r\n`, 400, 'malformed_request'],
    ['a header name with spaces', `GET /healthz HTTP/1.1\r\n${host}Bad Name: x\r\n\r\n`, 400, 'malformed_request'],
    ['a control character in a value', `GET /healthz HTTP/1.1\r\n${host}X-A: a\x01b\r\n\r\n`, 400, 'malformed_request'],
    [
      'Content-Length and Transfer-Encoding together',
      `POST /exec HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      'malformed_request',
    ],
    [
      'two different Content-Lengths',
      `POST /exec HTTP/1.1\r\n${host}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
      400,
      'malformed_request',
    ],
    ['a negative Content-Length', `POST /exec HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`, 400, 'malformed_request'],
    [
      'a bad chunk size',
      `POST /exec HTTP/1.1\r\n${host}X-Exec-Token: TOKEN\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
      400,
      'malformed_request',
    ],
    ['a CONNECT', `CONNECT evil.example:443 HTTP/1.1\r\n${host}\r\n`, 405, 'method_not_allowed'],
    [
      'a protocol upgrade',
      `GET /ws HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      404,
      'not_found',
    ],
    [
      'headers over the size cap',
      `GET /healthz HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['a target over the size cap', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${host}\r\n`, 431, 'headers_too_large'],
    ['an HTTP/1.1 request without Host', `GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n`, 400, 'missing_host'],
    [
      'an Expect other than 100-continue',
      `GET /healthz HTTP/1.1\r\n${host}Expect: 999-nonsense\r\nConnection: close\r\n\r\n`,
      417,
      'expectation_failed',
    ],
  ])('answers %s with JSON and closes', async (what, request, status, code) => {
    const a = await raw(s.url, [request.replace('TOKEN', s.token)]);
    record(what, a);
    expectJsonError(a, status, code);
    expect(a.closed).toBe(true);
  });

  it('answers unknown routes 404 not_found and wrong methods 405 with Allow, for every method', async () => {
    const routes: Array<[string, string]> = [
      ['/healthz', 'GET, HEAD'],
      ['/exec', 'POST'],
      ['/exec/stream', 'POST'],
      ['/exec/some-id', 'DELETE'],
    ];
    const send = (method: string, route: string) =>
      raw(s.url, [`${method} ${route} HTTP/1.1\r\n${host}Content-Length: 2\r\nConnection: close\r\n\r\n{}`]);
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']) {
      for (const [route, allow] of routes) {
        if (allow.split(', ').includes(method)) continue;
        const a = await send(method, route);
        record(`${method} ${route}`, a);
        expect(a.status, `${method} ${route}`).toBe(405);
        expect(a.headers.allow).toBe(allow);
        if (method !== 'HEAD') expectJsonError(a, 405, 'method_not_allowed');
      }
      for (const route of [
        '/',
        '/api',
        '/exec/a/b',
        '/healthz/x',
        '/EXEC',
        '/exec/',
        '/exec%2Fstream',
        '/healthz.json',
      ]) {
        const a = await send(method, route);
        record(`${method} ${route}`, a);
        expect(a.status, `${method} ${route}`).toBe(404);
        if (method !== 'HEAD') expectJsonError(a, 404, 'not_found');
      }
    }
  });

  it('answers 408 and closes when a declared body never arrives (Content-Length 1000, 2 bytes sent)', async () => {
    const a = await raw(s.url, [
      `POST /exec HTTP/1.1\r\n${host}X-Exec-Token: ${s.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"`,
    ]);
    record('slow body', a);
    expectJsonError(a, 408, 'request_timeout');
    expect(a.closed).toBe(true);
    expect(a.ms).toBeGreaterThanOrEqual(1500); // the client timeout is 2 s
    expect(a.ms).toBeLessThan(8000);
  });

  it('answers 408 and closes when the headers never finish', async () => {
    const a = await raw(s.url, [`POST /exec HTTP/1.1\r\n${host}X-Slow: `]);
    record('slow headers', a);
    expectJsonError(a, 408, 'request_timeout');
    expect(a.closed).toBe(true);
    expect(a.ms).toBeLessThan(8000);
  });

  it('cuts off a trickling sender at the deadline, however steadily it sends', async () => {
    const head = `POST /exec HTTP/1.1\r\n${host}X-Exec-Token: ${s.token}\r\nContent-Length: 200\r\n\r\n`;
    const a = await raw(s.url, [head, ...Array.from({ length: 100 }, () => ' ')], 10_000, 100);
    record('trickle', a);
    expectJsonError(a, 408, 'request_timeout');
    expect(a.ms).toBeLessThan(8000);
  });

  it('answers 413 for oversize bodies, declared or chunked, and closes', async () => {
    const declared = await raw(s.url, [
      `POST /exec HTTP/1.1\r\n${host}X-Exec-Token: ${s.token}\r\nContent-Length: ${1024 * 1024 * 1024}\r\n\r\n`,
    ]);
    record('declared oversize', declared);
    expectJsonError(declared, 413, 'body_too_large');
    expect(declared.closed).toBe(true);
  });

  it('answers every malformed body with 400 JSON', async () => {
    const bodies = [
      '',
      'null',
      '[]',
      '"x"',
      '{',
      '{"argv":',
      '\u00ff\u00fe',
      '{"argv":["kubectl"],"argv":5}',
      'x'.repeat(1000),
    ];
    for (const body of bodies) {
      const r = await post(s, body);
      record(`body ${body.slice(0, 20)}`, r);
      expect(r.status, body).toBe(400);
      expect(typeof r.body.code).toBe('string');
    }
  });

  it('survives a burst of random bytes on raw sockets', async () => {
    let seed = 1234567;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const prefixes = ['', 'GET ', 'POST /exec HTTP/1.1\r\n', 'GET /healthz HTTP/1.1\r\nHost: x\r\n'];
    for (let i = 0; i < 100; i++) {
      const noise = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
      const a = await raw(s.url, [Buffer.concat([Buffer.from(prefixes[i % prefixes.length] as string), noise])], 5000);
      record(`noise ${i}`, a);
      if (a.status !== 0) {
        expect(a.status).toBeLessThan(500);
        expect(JSON.parse(a.body)).toHaveProperty('code');
      }
    }
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('answers 500 internal_error when a handler fails, and keeps serving', async () => {
    // The audit file turned into a directory: every audit write now throws inside the handler.
    renameSync(s.auditFile, `${s.auditFile}.kept`);
    mkdirSync(s.auditFile);
    try {
      const r = await post(s, { argv: ['report-env'] });
      record('induced failure', r);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ code: 'internal_error', message: 'the exec server failed' });
      expect(s.stderr()).toContain('exec_internal_error');
    } finally {
      rmdirSync(s.auditFile);
      renameSync(`${s.auditFile}.kept`, s.auditFile);
    }
    const after = await post(s, { argv: ['report-env'] });
    record('after the induced failure', after);
    expect(after.status).toBe(200);
    expect(s.proc.exitCode).toBeNull();
  });

  it('over everything above: the process lives, and nothing but the induced failure answered 5xx', async () => {
    expect(s.proc.exitCode).toBeNull();
    expect(s.proc.signalCode).toBeNull();
    expect(answers.filter((a) => a.status >= 500 && !a.what.startsWith('induced'))).toEqual([]);
    expect(answers.filter((a) => a.what.startsWith('induced')).map((a) => a.status)).toEqual([500]);
    expect(answers.length).toBeGreaterThan(150);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });
});

describe('the production policy through the real server', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({ EXEC_POLICY: path.join(REPO_ROOT, 'exec', 'policy', 'production.json') });
  });
  afterAll(async () => {
    expect(s.proc.exitCode).toBeNull();
    await s.stop();
  });

  const SUB = '6f1c2a4e-0b7d-4c1e-9a53-2d8e7f6a1b90';
  const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1`;
  const OID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
  const grant = (role: string, scope: string): string[] => [
    ...['az', 'role', 'assignment', 'create', '--subscription', SUB, '--assignee-object-id', OID],
    ...['--assignee-principal-type', 'ServicePrincipal', '--role', role, '--scope', scope],
  ];
  const K = ['kubectl', '--kubeconfig', 'kubeconfig'];

  it.each([
    [
      'az aks get-credentials --admin',
      [
        ...['az', 'aks', 'get-credentials', '--subscription', SUB, '--resource-group', 'rg', '--name', 'aks1'],
        '--file',
        'kubeconfig',
        '--admin',
      ],
      'binaries.az.commands.aks get-credentials.flags',
    ],
    [
      'az role assignment create --role Owner',
      grant('Owner', CLUSTER),
      'binaries.az.commands.role assignment create.flags.--role',
    ],
    [
      'a role assignment on the subscription',
      grant('Azure Kubernetes Service Cluster User Role', `/subscriptions/${SUB}`),
      'binaries.az.commands.role assignment create.flags.--scope',
    ],
    [
      'blob access granted on a cluster',
      grant('Storage Blob Data Contributor', CLUSTER),
      'binaries.az.commands.role assignment create.flag_combinations',
    ],
    [
      'azcopy copy',
      ['azcopy', 'copy', 'https://a.blob.core.windows.net/c/x', 'https://b.blob.core.windows.net/c/x'],
      'binaries',
    ],
    ['kubectl get secrets -A -o yaml', [...K, 'get', 'secrets', '-A', '-o', 'yaml'], 'binaries.kubectl.commands'],
    ['kubectl delete ns', [...K, 'delete', 'ns', 'elb-openapi'], 'binaries.kubectl.commands'],
    ['kubectl exec', [...K, 'exec', 'pod', '--', 'sh'], 'binaries.kubectl.commands'],
    [
      'kubectl -v=9 (logs tokens)',
      ['kubectl', '-v=9', '--kubeconfig', 'kubeconfig', ...applyArgv().slice(3)],
      'binaries.kubectl.global_flags',
    ],
    ['az rest', ['az', 'rest', '--url', 'https://management.azure.com/'], 'binaries.az.commands'],
    ['kubelogin get-token', ['kubelogin', 'get-token', '--login', 'msi'], 'binaries.kubelogin.commands'],
    ['a shell', ['sh', '-c', 'id'], 'binaries'],
  ])('denies %s with 403 naming the rule', async (_what, argv, rule) => {
    const r = await post(s, { argv });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'denied_by_policy', rule });
    expect(typeof r.body.message).toBe('string');
  });

  it('denies a dangerous later step before the first one runs', async () => {
    const r = await post(s, {
      steps: [
        { argv: ['az', 'login', '--identity', '--allow-no-subscriptions', '--only-show-errors', '--output', 'none'] },
        { argv: grant('Owner', CLUSTER) },
      ],
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'denied_by_policy', step: 1 });
  });

  it('lets the product apply through (kubectl is not at the production path here: 127, not 403)', async () => {
    const r = await post(s, { argv: applyArgv(), stdin: '---\n{}\n', files: { kubeconfig: SIM_LIKE_KUBECONFIG } });
    expect(r.status).toBe(200);
    expect([127, 1]).toContain(r.body.exit_code);
  });
});

describe('readBody deadlines (a real socket, an in-process server)', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    // Stall limit 300 ms, whole body 1.5 s: as the exec server uses them, scaled down.
    server = http.createServer((req, res) => {
      readBody(req, 1024, Date.now() + 1500, 300).then(
        (body) => sendJson(res, 200, { size: body.length }),
        (err: HttpError) => sendError(res, err),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const head = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n';

  it('cuts off a stalled sender after the stall limit, not the whole deadline', async () => {
    const a = await raw(url, [head, 'ab'], 5000);
    expectJsonError(a, 408, 'request_timeout');
    expect(a.closed).toBe(true);
    expect(a.ms).toBeGreaterThanOrEqual(250);
    expect(a.ms).toBeLessThan(1400); // well before the 1.5 s whole-body deadline
  });

  it('cuts off a steady trickle at the whole deadline', async () => {
    const a = await raw(url, [head, ...Array.from({ length: 60 }, () => 'x')], 5000, 100);
    expectJsonError(a, 408, 'request_timeout');
    expect(a.ms).toBeGreaterThanOrEqual(1400);
    expect(a.ms).toBeLessThan(3500);
  });

  it('reads a body that arrives in time', async () => {
    const a = await raw(url, [head, 'x'.repeat(50), 'y'.repeat(50)], 2000, 100);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ size: 100 });
  });
});
