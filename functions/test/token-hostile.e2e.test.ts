// The token routes (reveal, rotate) and Try it's proxy on the stack as `npm start` runs it (no sign-in, loopback
// only), tried as an operator and as a hostile neighbour would, through real sockets:
// - the README's try-it curl lines, typed as they are written, each doing what its comment says;
// - cross-site writes (another Origin, `null`, Sec-Fetch-Site, a form's content type), DNS rebinding (a foreign Host,
//   straight or through the dashboard's dev server), a CORS preflight from another site;
// - other methods on the POST-only routes, tricks in the target name, bodies too large, garbage bodies, slow bodies.
// Each is a coded JSON error (or the dev server's refusal), records nothing (audit trail, history), starts nothing,
// and kills no process. Then no token revealed here is in any part's log. Runs the compiled app: `npm run build`.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastStack } from '../../test/support/local-target';
import { rawRequest, requestText } from '../../test/support/raw-http';
import { eventually, repoRoot, type Stack } from '../../test/support/stack';

let stack: Stack;
const seen = new Set<string>();
const T = '/targets/local/openapi';
const POST_ONLY = [`${T}/token/reveal`, `${T}/token/rotate`, `${T}/proxy`];

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the assertions say what was expected
  }
  return { status: res.status, headers: res.headers, text, body: json };
}

/** What a request may have left behind: audit records, history records, an operation holding the target. */
async function recorded() {
  const audit = (await call('GET', `${T}/token/audit`)).body as unknown as unknown[];
  const history = (await call('GET', `${T}/deployments`)).body as unknown as unknown[];
  const active = (await call('GET', T)).body.active_deploy ?? null;
  return { audit: audit.length, history: history.length, active };
}

/** The README's try-it curl lines (continuations joined), on this stack's ports. */
function readmeCurlLines(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('try it as a user would'));
  const code = block.slice(block.indexOf('```sh') + 5, block.indexOf('```', block.indexOf('```sh') + 5));
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('curl '))
    .map((l) =>
      l
        .replaceAll('127.0.0.1:7682', `127.0.0.1:${stack.ports.exec}`)
        .replaceAll('127.0.0.1:7071', `127.0.0.1:${stack.ports.api}`),
    );
}

/** Runs one README line as a shell would (the `# comment` is the shell's too), `<id>` filled in. */
async function typed(line: string, id = ''): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)('bash', [
    '-c',
    line.replaceAll('<id>', id).replace(/^curl /, 'curl -s '),
  ]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  stack = await startFastStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the token routes as an operator and a hostile neighbour try them (local, no sign-in)', () => {
  let pids: Record<string, number> = {};

  it('the README’s try-it curl lines do what their comments say', async () => {
    pids = stack.partPids();
    const lines = readmeCurlLines();
    const line = (route: string) => {
      const found = lines.find((l) => l.includes(route));
      expect(found, `a README line for ${route}`).toBeDefined();
      return found!;
    };
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(await typed(line('/healthz'))).toMatchObject({ status: 'ok', max_concurrency: expect.any(Number) });

    // install elb-openapi on the sim; watch the phases; cancel (it may have ended already: then 409, said so).
    const deployLine = line('/api/aks/openapi/deploy ');
    const statusLine = line('/status');
    const started = await typed(deployLine);
    expect(started).toMatchObject({ reason: 'install', status: 'queued', id: expect.any(String) });
    const status = await typed(statusLine, started.id as string);
    expect(status).toMatchObject({ instance_id: started.id, custom_status: { phase: expect.any(String) } });
    const cancel = await typed(line('/cancel'), started.id as string);
    expect([true, undefined]).toContain(cancel.cancel_requested);
    if (cancel.cancel_requested === undefined) expect(cancel.code).toBe('deploy_not_running');
    const end = async (id: string) =>
      eventually(async () => {
        const s = await typed(statusLine, id);
        return s.runtime_status === 'Completed' && s.output ? (s.output as { status: string }) : undefined;
      }, `${id} to end`);
    if ((await end(started.id as string)).status !== 'succeeded') {
      const again = await typed(deployLine);
      expect((await end(again.id as string)).status).toBe('succeeded');
    }

    expect(await typed(line('service-ip'))).toMatchObject({ target: 'local', available: true, status: 'ready' });

    // the service's API token (audited)
    const revealLine = line('/token/reveal');
    const before = await typed(revealLine);
    expect(before).toMatchObject({ target: 'local', token: expect.any(String), audit_id: expect.any(String) });
    seen.add(before.token as string);

    // Try it: one call to the service, token added by the server
    const tried = await typed(line('/proxy'));
    expect(tried).toMatchObject({ status: 200, body_kind: 'json' });
    expect(JSON.stringify(tried)).not.toContain(before.token as string);

    // a new token, checked; follow it like a deploy (the README's status line)
    const rotation = await typed(line('/token/rotate'));
    expect(rotation).toMatchObject({ reason: 'rotate_token', status: 'queued' });
    expect((await end(rotation.id as string)).status).toBe('succeeded');
    const after = await typed(revealLine);
    seen.add(after.token as string);
    expect(after.token).not.toBe(before.token);
    expect(await typed(line('/proxy'))).toMatchObject({ status: 200 });
  }, 90_000);

  it('refuses cross-site writes and rebinding: coded 403/415, nothing recorded', async () => {
    const was = await recorded();
    for (const path of POST_ONLY) {
      const cases: [Record<string, string>, number, string][] = [
        [{ origin: 'https://evil.example' }, 403, 'cross_origin'],
        [{ origin: 'null' }, 403, 'cross_origin'],
        [{ 'sec-fetch-site': 'cross-site' }, 403, 'cross_origin'],
        [{ 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
        [{ 'x-forwarded-host': 'evil.example' }, 403, 'auth_required'],
      ];
      for (const [headers, status, code] of cases) {
        const r = await call('POST', path, headers, '{}');
        expect(r.status, `${path} ${JSON.stringify(headers)}: ${r.text}`).toBe(status);
        expect(r.body.code).toBe(code);
      }
      // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 is same-origin to itself.
      for (const port of [stack.ports.api, stack.ports.web]) {
        const text =
          `POST /api${path} HTTP/1.1\r\nHost: evil.example:${port}\r\nOrigin: http://evil.example:${port}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
        const r = await rawRequest(port, text);
        expect(r.status, `${port} ${path}: ${r.body}`).toBe(403);
        for (const token of seen) expect(r.body).not.toContain(token);
      }
      // A CORS preflight from another site is never approved.
      const preflight = await fetch(`${stack.apiUrl}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://evil.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(await recorded()).toEqual(was);
  });

  it('other methods on the POST-only routes: 405 method_not_allowed with Allow, nothing recorded', async () => {
    const was = await recorded();
    for (const path of POST_ONLY)
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD']) {
        const r = await call(method, path, {}, method === 'GET' || method === 'HEAD' ? undefined : '{}');
        expect(r.status, `${method} ${path}`).toBe(405);
        expect(r.headers.get('allow')).toBe('POST');
        if (method !== 'HEAD') expect(r.body.code).toBe('method_not_allowed');
      }
    expect(await recorded()).toEqual(was);
  });

  it('tricks in the target name: 400 invalid_target or 404 not_found, JSON, nothing recorded', async () => {
    const was = await recorded();
    const names = [
      'LOCAL',
      'local%00',
      'local%20',
      'local;x',
      'local.',
      '..%2flocal',
      'local%2F..%2Flocal',
      'local%2Fopenapi',
      '%E2%80%AElocal',
      '%2e%2e',
      '..',
      'local%5c..',
      'a'.repeat(2000),
    ];
    for (const path of ['/token/reveal', '/token/rotate', '/proxy'])
      for (const name of names) {
        const r = await rawRequest(
          stack.ports.api,
          requestText('POST', `/api/targets/${name}/openapi${path}`, ['Content-Type: application/json'], '{}'),
        );
        const what = `${name.slice(0, 40)} ${path}: ${r.status} ${r.body}`;
        expect([400, 404], what).toContain(r.status);
        expect((r.json as { code?: string }).code, what).toMatch(/^(invalid_target|not_found)$/);
      }
    expect(await recorded()).toEqual(was);
  });

  it('bodies: too large (declared or streamed) 413, garbage 400, slow 408; nothing recorded', async () => {
    const was = await recorded();
    const big = ' '.repeat(300_000);
    for (const path of POST_ONLY) {
      const declared = await call('POST', path, {}, big);
      expect(declared.status, `${path}: ${declared.text}`).toBe(413);
      expect(declared.body.code).toBe('body_too_large');
      const streamed = await fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([big]).stream(),
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status, path).toBe(413);
      for (const garbage of ['{', '[]', 'null', '"x"', '{"__proto__":{"admin":true}}', '{"token":"mine"}']) {
        const r = await call('POST', path, {}, garbage);
        expect(r.status, `${path} ${garbage}: ${r.text}`).toBe(400);
        expect(r.body.code, `${path} ${garbage}`).toMatch(/^(invalid_json|invalid_body|unknown_field)$/);
      }
    }
    // Headers sent, then the body stalls half-way: the devhost's request timeout ends it.
    const slow = await Promise.all(
      POST_ONLY.map((path) =>
        rawRequest(
          stack.ports.api,
          `POST /api${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{`,
          12_000,
        ),
      ),
    );
    for (const r of slow) {
      expect(r.status, r.body).toBe(408);
      expect((r.json as { code: string }).code).toBe('request_timeout');
      expect(r.closedAfterMs).toBeLessThan(10_000);
    }
    expect(await recorded()).toEqual(was);
  }, 60_000);

  it('a cancel with a malformed mode is 400 invalid_mode and leaves the rotation running; reveals at once during it are each recorded', async () => {
    const before = (await call('POST', `${T}/token/reveal`)).body.token as string;
    const audits = (await recorded()).audit;
    const started = await call('POST', `${T}/token/rotate`);
    expect(started.status, started.text).toBe(202);
    const id = started.body.id as string;
    for (const mode of ['TERMINATE', 'cancel&mode=terminate', 'kill', '%00', 'cancel%20']) {
      const r = await call('POST', `${T}/deployments/${id}/cancel?mode=${mode}`);
      expect(r.status, `${mode}: ${r.text}`).toBe(400);
      expect(r.body.code).toBe('invalid_mode');
    }
    const reveals = await Promise.all(Array.from({ length: 12 }, () => call('POST', `${T}/token/reveal`)));
    for (const r of reveals) expect(r.status, r.text).toBe(200);
    const output = await eventually(async () => {
      const s = (await call('GET', `${T}/deployments/${id}`)).body as { output?: { status: string } | null };
      return s.output ?? undefined;
    }, 'the rotation to end');
    expect(output.status).toBe('succeeded');
    const after = (await call('POST', `${T}/token/reveal`)).body.token as string;
    seen.add(after);
    expect(after).not.toBe(before);
    // Mid-rotation a reveal answers the Secret's token: the old one, or the new one once it is stored.
    for (const r of reveals) expect([before, after]).toContain(r.body.token);
    await eventually(
      async () => ((await recorded()).audit === audits + 12 + 1 + 1 ? true : undefined),
      'one audit record per reveal, one for the rotation',
      5_000,
    );
  }, 60_000);

  it('no process died of it, and no token revealed here is in any part’s log', async () => {
    expect(stack.partPids()).toEqual(pids);
    expect(seen.size).toBe(3);
    for (const part of Object.keys(pids)) {
      const log = readFileSync(stack.logFile(part), 'utf8');
      for (const token of seen) expect(log, part).not.toContain(token);
    }
  });
});
