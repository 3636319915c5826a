// End-to-end tests of the exec server CLI: real HTTP, the real /usr/bin/kubectl, fixture scripts for the
// stdin/stdout, timeout and process-group cases. Every server here binds 127.0.0.1 on a free port.
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  instanceDirs,
  isAlive,
  markedProcesses,
  post,
  requestDirs,
  SIM_LIKE_KUBECONFIG,
  startServer,
  startupFailure,
  waitFor,
  type RunningServer,
} from './harness';

const KUBECTL = existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : undefined;
/** The one command elb-control sends for a kubeconfig target (adapters/cluster-exec.ts). */
const APPLY_FLAGS = ['apply', '--server-side', '--field-manager=elb-control', '--force-conflicts', '-f', '-'];
const APPLY = ['kubectl', '--kubeconfig', 'kubeconfig', ...APPLY_FLAGS];

describe('exec server', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({ EXEC_KILL_GRACE_SECONDS: '1' });
  });
  afterAll(async () => {
    await waitFor(() => markedProcesses(s.marker).length === 0, 30_000, 'children to be gone');
    await s.stop();
  });

  describe('startup and health', () => {
    it('prints one READY line with the URL and never the token', () => {
      expect(s.stdout()).toMatch(/^READY exec http:\/\/127\.0\.0\.1:\d+\n$/);
      expect(s.stdout() + s.stderr()).not.toContain(s.token);
    });

    it('answers /healthz without a token', async () => {
      const r = await fetch(`${s.url}/healthz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: 'ok', max_concurrency: 4 });
    });

    it('refuses to start with a missing or short token, without echoing it', async () => {
      const missing = await startupFailure({});
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('token_too_short');
      const short = await startupFailure({ EXEC_TOKEN: 'short-token-value-0123456789' });
      expect(short.code).toBe(2);
      expect(short.stderr).toContain('token_too_short');
      expect(short.stderr).not.toContain('short-token-value-0123456789');
    });

    it('refuses a non-loopback address unless explicitly allowed', async () => {
      const refused = await startupFailure({ EXEC_TOKEN: 'x'.repeat(40), EXEC_HOST: '0.0.0.0' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('non_loopback_refused');
      const allowed = await startServer({ EXEC_HOST: '0.0.0.0', EXEC_ALLOW_NON_LOOPBACK: '1' });
      try {
        expect(allowed.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      } finally {
        await allowed.stop();
      }
    });

    it('refuses a policy file that is not a valid policy', async () => {
      const bad = await startupFailure({ EXEC_TOKEN: 'x'.repeat(40), EXEC_POLICY: '/nonexistent/policy.json' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('policy_unreadable');
    });
  });

  describe('authentication', () => {
    const req = { argv: ['kubectl', 'version', '--client'] };

    it('rejects a missing token with 401', async () => {
      const r = await post(s, req, { token: null });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
    });

    it('rejects a wrong token, including a prefix of the right one', async () => {
      expect((await post(s, req, { token: 'wrong' })).status).toBe(401);
      expect((await post(s, req, { token: s.token.slice(0, -1) })).status).toBe(401);
      expect((await post(s, req, { token: `${s.token}x` })).status).toBe(401);
    });

    it('accepts Authorization: Bearer', async () => {
      const r = await post(s, req, { token: null, headers: { authorization: `Bearer ${s.token}` } });
      expect(r.status).toBe(200);
    });
  });

  describe('request validation', () => {
    it.each([
      ['not JSON', '{"argv": [', 'invalid_json'],
      ['an array body', '[]', 'invalid_body'],
      ['argv not an array', { argv: 'kubectl version' }, 'invalid_argv'],
      ['argv with a number', { argv: ['kubectl', 3] }, 'invalid_argv'],
      ['empty argv', { argv: [] }, 'invalid_argv'],
      ['a path as binary', { argv: ['/usr/bin/kubectl', 'version'] }, 'invalid_argv'],
      ['a NUL byte', { argv: ['kubectl', 'get\u0000x'] }, 'invalid_argv'],
      ['stdin not a string', { argv: ['kubectl', 'version'], stdin: 5 }, 'invalid_stdin'],
      ['a fractional timeout', { argv: ['kubectl', 'version'], timeout_seconds: 1.5 }, 'invalid_timeout'],
      ['a timeout over the max', { argv: ['kubectl', 'version'], timeout_seconds: 1801 }, 'timeout_out_of_range'],
      ['an unknown field', { argv: ['kubectl', 'version'], cwd: '/' }, 'unknown_field'],
      ['argv and steps', { argv: ['kubectl'], steps: [{ argv: ['kubectl'] }] }, 'argv_or_steps'],
      ['a file name with a slash', { argv: ['kubectl', 'version'], files: { '../x': 'a' } }, 'invalid_file_name'],
      ['a dot file', { argv: ['kubectl', 'version'], files: { '.kube': 'a' } }, 'invalid_file_name'],
      ['a bad request_id', { argv: ['kubectl', 'version'], request_id: 'a b' }, 'invalid_request_id'],
    ])('answers 400 for %s', async (_name, body, code) => {
      const r = await post(s, body);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(code);
      expect(typeof r.body.message).toBe('string');
    });

    it('answers 404 for unknown routes and 405 for wrong methods', async () => {
      expect((await fetch(`${s.url}/nope`)).status).toBe(404);
      expect((await fetch(`${s.url}/exec`)).status).toBe(405);
    });
  });

  describe('policy', () => {
    it.each(['exec', 'proxy', 'port-forward', 'cp', 'debug', 'attach', 'auth', 'config', 'create', 'edit'])(
      'denies kubectl %s with 403 and the rule',
      async (verb) => {
        const r = await post(s, { argv: ['kubectl', '--kubeconfig', 'kubeconfig', verb, 'x'] });
        expect(r.status).toBe(403);
        expect(r.body).toMatchObject({ code: 'denied_by_policy', rule: 'binaries.kubectl.commands' });
      },
    );

    it('denies binaries the policy does not name', async () => {
      for (const bin of ['sh', 'bash', 'az', 'git', 'python3']) {
        const r = await post(s, { argv: [bin, '-c', 'id'] });
        expect(r.status).toBe(403);
        expect(r.body.rule).toBe('binaries');
      }
    });

    it('denies flags the policy does not name, and says which rule', async () => {
      const r = await post(s, {
        argv: [...APPLY, '--token=secret-token-value'],
      });
      expect(r.status).toBe(403);
      expect(r.body.rule).toBe('binaries.kubectl.commands.apply.flags');
      expect(JSON.stringify(r.body)).not.toContain('secret-token-value');
    });

    it.each([
      ['a parent-relative kubeconfig', ['kubectl', '--kubeconfig', '../kubeconfig', ...APPLY_FLAGS]],
      ['an absolute kubeconfig', ['kubectl', '--kubeconfig', '/etc/passwd', ...APPLY_FLAGS]],
      ['a sneaky relative path', ['kubectl', '--kubeconfig=a/../../../etc/passwd', ...APPLY_FLAGS]],
      ['an absolute manifest', ['kubectl', '--kubeconfig', 'kubeconfig', 'apply', '--server-side', '-f', '/etc/hosts']],
      ['a manifest URL', ['kubectl', '--kubeconfig', 'kubeconfig', 'apply', '-f', 'https://example.com/x.yaml']],
    ])('denies %s', async (_name, argv) => {
      const r = await post(s, { argv });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('denied_by_policy');
    });

    it.each([
      [
        'runs a credential plugin',
        'user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: ["-c", "id"]',
        'kubeconfig.exec_commands',
      ],
      ['reads a token file outside the work dir', 'user:\n    tokenFile: /proc/self/environ', 'path_roots'],
    ])('denies a kubeconfig that %s', async (_what, user, rule) => {
      const r = await post(s, {
        argv: APPLY,
        files: { kubeconfig: SIM_LIKE_KUBECONFIG.replace('user: {}', user) },
      });
      expect(r.status).toBe(403);
      expect(r.body.rule).toBe(rule);
    });

    it('stops a later step whose path escapes through a symlink an earlier step made', async () => {
      const r = await post(s, {
        steps: [
          { argv: ['link-out', '/etc'] },
          { argv: ['kubectl', '--kubeconfig', 'outside/passwd', ...APPLY_FLAGS] },
        ],
      });
      expect(r.status).toBe(200);
      const steps = r.body.steps as Array<Record<string, unknown>>;
      expect(steps).toHaveLength(2);
      expect(steps[0]?.exit_code).toBe(0);
      expect(steps[1]?.exit_code).toBe(126);
      expect(r.body.error).toMatchObject({ code: 'denied_by_policy', rule: 'path_roots' });
    });
  });

  describe.skipIf(!KUBECTL)('with the real kubectl', () => {
    it('runs kubectl version --client', async () => {
      const r = await post(s, { argv: ['kubectl', 'version', '--client', '-o', 'json'] });
      expect(r.status).toBe(200);
      expect(r.body.exit_code).toBe(0);
      expect(JSON.parse(r.body.stdout as string)).toHaveProperty('clientVersion');
      expect(r.body).toMatchObject({ timed_out: false, stdout_truncated: false, stderr_truncated: false });
      expect(typeof r.body.request_id).toBe('string');
      expect(typeof r.body.duration_ms).toBe('number');
    });

    it('reports kubectl exit code and stderr against an unreachable server, with the kubeconfig from files', async () => {
      const r = await post(s, {
        argv: APPLY,
        stdin: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: elb-openapi\n',
        files: { kubeconfig: SIM_LIKE_KUBECONFIG },
        request_id: 'kubectl-unreachable-1',
      });
      expect(r.status).toBe(200);
      expect(r.body.request_id).toBe('kubectl-unreachable-1');
      expect(r.body.exit_code).toBe(1);
      expect(r.body.stderr).toMatch(/127\.0\.0\.1:1/);
    });

    it('accepts the deploy path apply command shape (and kubectl fails only on the network)', async () => {
      const r = await post(s, {
        argv: APPLY,
        stdin: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: elb-openapi\n',
        files: { kubeconfig: SIM_LIKE_KUBECONFIG },
        timeout_seconds: 30,
      });
      expect(r.status).toBe(200);
      expect(r.body.exit_code).not.toBe(0);
      expect(r.body.stderr).toMatch(/refused|127\.0\.0\.1:1/);
    });
  });

  describe('children', () => {
    it('get a minimal environment without EXEC_TOKEN, a private work dir as cwd and HOME, and the files', async () => {
      const r = await post(s, { argv: ['report-env'], files: { kubeconfig: 'x', 'values.yaml': 'y' } });
      expect(r.status).toBe(200);
      const report = JSON.parse(r.body.stdout as string) as {
        env: Record<string, string>;
        cwd: string;
        files: string[];
      };
      expect(report.env.EXEC_TOKEN).toBeUndefined();
      expect(JSON.stringify(report.env)).not.toContain(s.token);
      expect(Object.keys(report.env).sort()).toEqual(
        ['ELB_EXEC_TEST_MARKER', 'ELB_EXEC_TEST_PASSED', 'HOME', 'KUBECONFIG', 'LANG', 'PATH', 'TMPDIR'].sort(),
      );
      expect(report.env.HOME).toBe(report.cwd);
      // <work root>/srv-<this server>/req-<this request>
      expect(path.dirname(path.dirname(report.cwd))).toBe(s.workRoot);
      expect(path.basename(path.dirname(report.cwd))).toBe(instanceDirs(s.workRoot)[0]);
      expect(report.files).toEqual(['kubeconfig', 'values.yaml']);
      expect(existsSync(report.cwd)).toBe(false); // removed when the request ended
    });

    it('share one work dir across steps, stop at the first failure, and report each step', async () => {
      const r = await post(s, {
        steps: [{ argv: ['report-env'] }, { argv: ['emit', '10', '10', '3'] }, { argv: ['report-env'] }],
        files: { creds: 'c' },
      });
      expect(r.status).toBe(200);
      const steps = r.body.steps as Array<Record<string, unknown>>;
      expect(steps).toHaveLength(2);
      expect(steps[1]?.exit_code).toBe(3);
      expect(r.body.exit_code).toBe(3);
      const cwd = (JSON.parse(steps[0]?.stdout as string) as { cwd: string }).cwd;
      expect(existsSync(cwd)).toBe(false);
      expect(requestDirs(s.workRoot)).toEqual([]);
    });

    it('pass 2 MiB of stdin to a command that writes 2 MiB back without deadlock', async () => {
      const big = 'abcdefghij'.repeat((2 * 1024 * 1024) / 10 + 1).slice(0, 2 * 1024 * 1024);
      const r = await post(s, { argv: ['echo-stdin'], stdin: big, timeout_seconds: 60 });
      expect(r.status).toBe(200);
      expect(r.body.timed_out).toBe(false);
      expect(r.body.exit_code).toBe(0);
      expect((r.body.stdout as string).length).toBe(big.length);
      expect(r.body.stdout === big).toBe(true);
    });

    it('kill the whole process group on timeout, SIGTERM then SIGKILL', async () => {
      const r = await post(s, { argv: ['sleeper', '120', 'ignore-term'], timeout_seconds: 1 });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ timed_out: true, exit_code: 124 });
      const pids = JSON.parse((r.body.stdout as string).replace(/^started /, '')) as Record<string, number>;
      await waitFor(
        () => !isAlive(pids.child as number) && !isAlive(pids.grandchild as number),
        30_000,
        'group killed',
      );
    });

    it('leave no grandchild behind when the command exits normally', async () => {
      const r = await post(s, { argv: ['sleeper', '0'], timeout_seconds: 30 });
      expect(r.body.exit_code).toBe(0);
      const pids = JSON.parse((r.body.stdout as string).replace(/^started /, '')) as Record<string, number>;
      await waitFor(() => !isAlive(pids.grandchild as number), 30_000, 'grandchild killed');
    });
  });

  describe('streaming and cancel', () => {
    it('streams NDJSON lines with the summary last', async () => {
      const r = await post(s, { argv: ['emit', '30', '10'] }, { route: '/exec/stream' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = r.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.filter((l) => l.stream === 'stdout')).toHaveLength(3);
      expect(lines.filter((l) => l.stream === 'stderr')).toHaveLength(3);
      expect(lines[lines.length - 1]).toMatchObject({ summary: true, exit_code: 0, timed_out: false });
      expect(lines[lines.length - 1]).not.toHaveProperty('stdout');
    });

    it('answers 403 on the stream route before any line', async () => {
      const r = await post(s, { argv: ['kubectl', 'exec'] }, { route: '/exec/stream' });
      expect(r.status).toBe(403);
    });

    it('kills the child when a streaming client disconnects', async () => {
      const controller = new AbortController();
      const response = await fetch(`${s.url}/exec/stream`, {
        method: 'POST',
        headers: { 'x-exec-token': s.token, 'content-type': 'application/json', 'x-exec-caller': 'disconnect-test' },
        body: JSON.stringify({ argv: ['sleeper', '120'], timeout_seconds: 600, request_id: 'disconnect-1' }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
      const first = JSON.parse(text.split('\n')[0] as string) as { line: string };
      const pids = JSON.parse(first.line.replace(/^started /, '')) as Record<string, number>;
      controller.abort();
      await waitFor(() => !isAlive(pids.child as number) && !isAlive(pids.grandchild as number), 30_000, 'kill');
      await waitFor(() => s.audit().some((a) => a.request_id === 'disconnect-1'), 30_000, 'audit line');
      expect(s.audit().find((a) => a.request_id === 'disconnect-1')).toMatchObject({
        outcome: 'client_aborted',
        caller: { name: 'disconnect-test' },
      });
    });

    it('cancels a running request by id', async () => {
      const pending = post(s, { argv: ['sleeper', '120'], timeout_seconds: 600, request_id: 'cancel-me' });
      await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'sleeper start');
      expect((await fetch(`${s.url}/exec/cancel-me`, { method: 'DELETE' })).status).toBe(401);
      const del = await fetch(`${s.url}/exec/cancel-me`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
      expect(del.status).toBe(202);
      const r = await pending;
      expect(r.body).toMatchObject({ request_id: 'cancel-me', cancelled: true, exit_code: 130 });
      const again = await fetch(`${s.url}/exec/cancel-me`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
      expect(again.status).toBe(404);
    });

    it('refuses a second request with the id of a running one (409)', async () => {
      const first = post(s, { argv: ['sleeper', '120'], timeout_seconds: 600, request_id: 'dup-1' });
      await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'sleeper start');
      const second = await post(s, { argv: ['report-env'], request_id: 'dup-1' });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('duplicate_request_id');
      await fetch(`${s.url}/exec/dup-1`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
      expect((await first).body.cancelled).toBe(true);
    });
  });

  describe('audit', () => {
    it('writes one line per request with the fields, and never the token, stdin or argv values', async () => {
      await post(
        s,
        {
          argv: APPLY,
          stdin: 'stdin-secret-content',
          files: { kubeconfig: SIM_LIKE_KUBECONFIG.replace('user: {}', 'user: {token: very-secret-file-content}') },
          request_id: 'audit-1',
        },
        { headers: { 'x-correlation-id': 'corr-1', 'x-exec-caller': 'audit-test' } },
      );
      await post(s, { argv: ['kubectl', 'exec'], request_id: 'audit-2' });
      await post(s, { argv: ['kubectl', 'version'] }, { token: 'wrong-token' });
      await waitFor(() => s.audit().some((a) => a.request_id === 'audit-2'), 30_000, 'audit lines');
      const lines = s.audit();
      const one = lines.find((a) => a.request_id === 'audit-1');
      expect(one).toMatchObject({
        event: 'exec_audit',
        request_id: 'audit-1',
        correlation_id: 'corr-1',
        caller: { address: '127.0.0.1', name: 'audit-test' },
        binary: 'kubectl',
        verb: 'apply',
        exit_code: KUBECTL ? 1 : 127,
        outcome: 'failed',
      });
      expect(typeof one?.duration_ms).toBe('number');
      expect(lines.find((a) => a.request_id === 'audit-2')).toMatchObject({
        outcome: 'denied',
        rule: 'binaries.kubectl.commands',
      });
      expect(lines.some((a) => a.outcome === 'unauthorized')).toBe(true);
      const all = JSON.stringify(lines) + s.stderr();
      for (const secret of [s.token, 'stdin-secret-content', 'very-secret-file-content', 'wrong-token']) {
        expect(all).not.toContain(secret);
      }
    });
  });
});

describe('exec server limits', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({
      EXEC_MAX_BODY_BYTES: String(64 * 1024),
      EXEC_MAX_OUTPUT_BYTES: '1024',
      EXEC_MAX_LINE_BYTES: '256',
      EXEC_MAX_CONCURRENCY: '1',
      EXEC_MAX_QUEUE: '1',
      EXEC_QUEUE_TIMEOUT_SECONDS: '60',
      EXEC_RETRY_AFTER_SECONDS: '7',
    });
  });
  afterAll(async () => {
    await waitFor(() => markedProcesses(s.marker).length === 0, 30_000, 'children to be gone');
    await s.stop();
  });

  it('answers 413 for a body over the limit (declared length)', async () => {
    const r = await post(s, { argv: ['report-env'], stdin: 'x'.repeat(100 * 1024) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('body_too_large');
  });

  it('answers 413 for a chunked body over the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${s.url}/exec`);
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'x-exec-token': s.token } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('truncates output per stream, flags it, and lets the command finish', async () => {
    const r = await post(s, { argv: ['emit', String(1024 * 1024), '1000'], timeout_seconds: 60 });
    expect(r.body).toMatchObject({ exit_code: 0, stdout_truncated: true, stderr_truncated: true, timed_out: false });
    expect((r.body.stdout as string).length).toBe(1024);
  });

  it('cuts NDJSON lines longer than the line cap and flags them', async () => {
    const r = await post(s, { argv: ['emit', '600'] }, { route: '/exec/stream' });
    const lines = r.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const out = lines.filter((l) => l.stream === 'stdout');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ truncated: true });
    expect((out[0]?.line as string).length).toBe(256);
  });

  it('queues one request behind a busy slot, then answers 503 with Retry-After when the queue is full', async () => {
    const running = post(s, { argv: ['sleeper', '120'], timeout_seconds: 600, request_id: 'slot-holder' });
    await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'sleeper start');
    const queued = post(s, { argv: ['report-env'], request_id: 'queued-1' });
    await waitFor(async () => ((await (await fetch(`${s.url}/healthz`)).json()) as { queued: number }).queued === 1);
    const refused = await post(s, { argv: ['report-env'] });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('busy');
    expect(refused.headers.get('retry-after')).toBe('7');
    await fetch(`${s.url}/exec/slot-holder`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
    expect((await running).body.cancelled).toBe(true);
    const q = await queued;
    expect(q.status).toBe(200);
    expect(q.body.exit_code).toBe(0);
  });

  it('lets a queued request be cancelled before it runs', async () => {
    const running = post(s, { argv: ['sleeper', '120'], timeout_seconds: 600, request_id: 'slot-holder-2' });
    await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'sleeper start');
    const queued = post(s, { argv: ['report-env'], request_id: 'queued-2' });
    await waitFor(async () => ((await (await fetch(`${s.url}/healthz`)).json()) as { queued: number }).queued === 1);
    const del = await fetch(`${s.url}/exec/queued-2`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
    expect(del.status).toBe(202);
    expect((await queued).body).toMatchObject({ cancelled: true, exit_code: 130, stdout: '' });
    await fetch(`${s.url}/exec/slot-holder-2`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
    await running;
  });
});

describe('exec server queue deadline', () => {
  it('answers 503 when no slot frees up within EXEC_QUEUE_TIMEOUT_SECONDS', async () => {
    const s = await startServer({ EXEC_MAX_CONCURRENCY: '1', EXEC_QUEUE_TIMEOUT_SECONDS: '1' });
    try {
      const running = post(s, { argv: ['sleeper', '120'], timeout_seconds: 600, request_id: 'holder' });
      await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'sleeper start');
      const r = await post(s, { argv: ['report-env'] });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('2');
      await fetch(`${s.url}/exec/holder`, { method: 'DELETE', headers: { 'x-exec-token': s.token } });
      await running;
      await waitFor(() => markedProcesses(s.marker).length === 0, 30_000, 'children gone');
    } finally {
      await s.stop();
    }
  });
});

describe('exec server client timeout', () => {
  it('bounds how long a client may take to send, not how long a command may run', async () => {
    const s = await startServer({ EXEC_CLIENT_TIMEOUT_SECONDS: '1' });
    try {
      const r = await post(s, { argv: ['sleeper', '3'], timeout_seconds: 30 });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ exit_code: 0, timed_out: false });
      // A sender that stalls mid-body is cut off.
      const u = new URL(s.url);
      const stalledAt = Date.now();
      const closed = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(u.port), u.hostname, () => {
          socket.write(`POST /exec HTTP/1.1\r\nHost: x\r\nX-Exec-Token: ${s.token}\r\nContent-Length: 50\r\n\r\n{"ar`);
        });
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
      expect(closed === '' || /^HTTP\/1\.1 (408|400)/.test(closed)).toBe(true);
      expect(Date.now() - stalledAt).toBeLessThan(20_000); // about 1 s, generous for a loaded machine
    } finally {
      await s.stop();
    }
  });
});
