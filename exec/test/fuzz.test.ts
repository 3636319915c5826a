// Bounded fuzz: a few hundred malformed and hostile requests (seeded, so a failure can be replayed), over HTTP
// and raw sockets. Afterwards the server must still answer /healthz, have no child left and no work dir left.
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { markedProcesses, requestDirs, startServer, waitFor, type RunningServer } from './harness';

const SEED = Number(process.env.EXEC_FUZZ_SEED ?? 20261129);
const ROUNDS = 300;

/** mulberry32: small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'kubectl',
  'az',
  'sh',
  'exec',
  'apply',
  'get',
  'rollout',
  'status',
  'proxy',
  'config',
  'view',
  '--raw',
  '--kubeconfig',
  'kubeconfig',
  '../kubeconfig',
  '/etc/passwd',
  '--kubeconfig=/etc/shadow',
  '-f',
  '-',
  '--',
  '--server=http://evil',
  '--token',
  '-n',
  'default',
  '-o',
  'json',
  'go-template={{.}}',
  '--request-timeout=1s',
  'version',
  '--client',
  'emit',
  'report-env',
  'sleeper',
  '1',
  'link-out',
  '\u0000',
  'é',
  '😀',
  '$(id)',
  '`id`',
  ';rm -rf /',
  '|',
  '&&',
  '%00',
  'a'.repeat(5000),
  '-',
  '--=',
  '=',
  '-nfoo',
  'https://x/y',
  'C:\\x',
  '.',
  '..',
];

describe('exec server fuzz', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({ EXEC_MAX_BODY_BYTES: String(256 * 1024), EXEC_KILL_GRACE_SECONDS: '1' });
  });
  afterAll(async () => {
    await s.stop();
  });

  it(`survives ${ROUNDS} hostile requests (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const int = (n: number): number => Math.floor(rand() * n);

    const randomValue = (depth: number): unknown => {
      switch (int(depth > 3 ? 5 : 8)) {
        case 0:
          return pick(WORDS);
        case 1:
          return int(1e9) - 5e8;
        case 2:
          return rand() < 0.5;
        case 3:
          return null;
        case 4:
          return rand() * 1e308;
        case 5:
          return Array.from({ length: int(5) }, () => randomValue(depth + 1));
        case 6:
          return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(WORDS), randomValue(depth + 1)]));
        default:
          return Array.from({ length: int(8) }, () => pick(WORDS));
      }
    };
    const randomArgv = (): unknown =>
      rand() < 0.8
        ? [pick(['kubectl', 'emit', 'report-env', 'az', 'sh']), ...Array.from({ length: int(8) }, () => pick(WORDS))]
        : randomValue(0);
    const randomBody = (): string => {
      const kind = int(10);
      if (kind === 0) return Buffer.from(Array.from({ length: int(200) }, () => int(256))).toString('latin1');
      if (kind === 1) return JSON.stringify({ argv: randomArgv() }).slice(0, int(40));
      if (kind === 2) return '['.repeat(5000) + ']'.repeat(5000);
      if (kind === 3) return JSON.stringify({ argv: ['emit', '1'], stdin: 'x'.repeat(300 * 1024) });
      const body: Record<string, unknown> = {};
      if (rand() < 0.9) body.argv = randomArgv();
      if (rand() < 0.3) body.stdin = randomValue(0);
      if (rand() < 0.4) body.timeout_seconds = pick([1, 2, 0, -1, 1801, 1.5, '2', null]);
      if (rand() < 0.3) body.files = pick([{ kubeconfig: 'x' }, { '../x': 'y' }, { '.kube': 'z' }, [], 'f', { a: 1 }]);
      if (rand() < 0.2)
        body.steps = pick([[], [{ argv: randomArgv() }], [{ argv: ['emit', '1'] }, { argv: randomArgv() }], 'x']);
      if (rand() < 0.2) body.request_id = pick(['fuzz', 'a b', '', '../x', 'x'.repeat(200), 7]);
      if (rand() < 0.1) body[pick(WORDS)] = randomValue(0);
      return JSON.stringify(body);
    };

    const u = new URL(s.url);
    const raw = (payload: string): Promise<void> =>
      new Promise((resolve) => {
        const socket = net.connect(Number(u.port), u.hostname, () => socket.end(payload));
        socket.on('data', () => undefined);
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.setTimeout(20_000, () => socket.destroy());
      });

    const statuses = new Map<number, number>();
    const batch: Array<Promise<void>> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const mode = int(10);
      if (mode === 0) {
        batch.push(
          raw(
            pick([
              'GARBAGE\r\n\r\n',
              `POST /exec HTTP/1.1\r\nHost: x\r\nX-Exec-Token: ${s.token}\r\nContent-Length: 100\r\n\r\n{"argv":`,
              `POST /exec HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`,
              `POST /exec HTTP/1.1\r\nHost: x\r\nX-Exec-Token: ${s.token}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
              `GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
              `DELETE /exec/%ZZ HTTP/1.1\r\nHost: x\r\nX-Exec-Token: ${s.token}\r\n\r\n`,
            ]),
          ),
        );
      } else {
        const route = pick(['/exec', '/exec', '/exec', '/exec/stream', '/exec/fuzz', '/healthz', '/exec/../healthz']);
        const method = route === '/exec/fuzz' ? pick(['DELETE', 'GET']) : pick(['POST', 'POST', 'POST', 'PUT', 'GET']);
        const token = pick([s.token, s.token, s.token, '', 'wrong', `Bearer ${s.token}`]);
        const headers: Record<string, string> = { 'content-type': pick(['application/json', 'text/plain']) };
        if (token.startsWith('Bearer ')) headers.authorization = token;
        else if (token) headers['x-exec-token'] = token;
        if (rand() < 0.2) headers['x-correlation-id'] = pick(WORDS).replace(/[^\x20-\x7e]/g, '?');
        batch.push(
          fetch(`${s.url}${route}`, {
            method,
            headers,
            ...(method === 'POST' || method === 'PUT' ? { body: randomBody() } : {}),
          })
            .then(async (r) => {
              const text = await r.text();
              statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
              expect([200, 202, 400, 401, 403, 404, 405, 409, 413, 503]).toContain(r.status);
              if (r.status >= 400) {
                expect((JSON.parse(text) as { code: unknown }).code).toMatch(/^[a-z_]+$/);
                expect(text).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
              }
            })
            .catch((err: Error) => {
              // A 413 may close the socket while the body is still being sent; that is a refusal, not a crash.
              if (!/fetch failed|other side closed|EPIPE|ECONNRESET/i.test(`${err.message} ${String(err.cause)}`))
                throw err;
            }),
        );
      }
      if (batch.length >= 8) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);

    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', active: 0, queued: 0 });
    await waitFor(() => markedProcesses(s.marker).length === 0, 30_000, 'no child left');
    await waitFor(() => requestDirs(s.workRoot).length === 0, 30_000, 'no work dir left');
    expect(s.stderr()).not.toContain('exec_internal_error');
    expect(statuses.get(500)).toBeUndefined();
    // The mix really reached every layer: auth, validation, policy, and commands that ran.
    for (const status of [200, 400, 401, 403]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  });
});
