// A hostile caller against the real devhost process (the fixture app, over real sockets): malformed request-targets,
// headers and bodies, slow clients, wrong methods, missing and wrong keys. Nothing may end the process, nothing may
// answer 5xx except the fixture's handler that is made to throw, and every refusal is JSON with a `code`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, requestText, type RawAnswer } from '../../test/support/raw-http';
import { DurableApi, type DevhostProcess, killAll, startDevhost, tempDir } from './harness.js';

let host: DevhostProcess;
let stateDir: string;
let port: number;
let api: DurableApi;
const answers: { what: string; status: number; json: unknown }[] = [];

beforeAll(async () => {
  stateDir = tempDir('hostile');
  host = await startDevhost({ stateDir, env: { FIXTURE_MARK_DIR: tempDir('marks') } });
  port = Number(new URL(host.url).port);
  api = new DurableApi(host.url, host.keys.system);
});

afterAll(() => killAll());

async function raw(what: string, text: string | Buffer, waitMs?: number): Promise<RawAnswer> {
  const answer = await rawRequest(port, text, waitMs);
  answers.push({ what, status: answer.status, json: answer.json });
  return answer;
}

async function call(what: string, url: string, init: RequestInit = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  answers.push({ what, status: res.status, json: res.status >= 400 ? json : undefined });
  return { status: res.status, json };
}

const code = (a: { json: unknown }): unknown => (a.json as { code?: unknown } | undefined)?.code;

describe('malformed requests get a JSON answer and never end the devhost', () => {
  it('takes request-targets literally and refuses the unparsable ones with 400', async () => {
    expect(code(await raw('GET //', requestText('GET', '//')))).toBe('not_found');
    const ipv6 = await raw('GET http://[::1', requestText('GET', 'http://[::1'));
    expect([ipv6.status, code(ipv6)]).toEqual([400, 'bad_request_target']);
    const bad = await raw(
      'bad percent-encoding',
      requestText('GET', '/runtime/webhooks/durabletask/instances/%E0%A4%A', [`x-functions-key: ${host.keys.system}`]),
    );
    expect([bad.status, code(bad)]).toEqual([400, 'bad_path_encoding']);
    for (const target of ['*', 'nonsense', '%', '/%', '/fx/%zz', 'http://', '/%00', `/${'a/'.repeat(2000)}`]) {
      const a = await raw(`target ${target.slice(0, 20)}`, requestText('GET', target));
      expect(a.status, target).toBeGreaterThanOrEqual(400);
      expect(a.status, target).toBeLessThan(500);
      expect(typeof code(a), target).toBe('string');
    }
    // absolute-form is accepted, but only its path counts
    expect((await raw('absolute-form', requestText('GET', 'http://evil.example/fx/hello/World'))).status).toBe(200);
  });

  it("replaces Node's own empty 400 / 431 / 417 answers with JSON ones", async () => {
    const garbage = await raw('garbage', 'NOT HTTP AT ALL\r\n\r\n');
    expect([garbage.status, code(garbage)]).toEqual([400, 'bad_request']);
    const badHeader = await raw('bad header name', requestText('GET', '/fx/hello/World', ['Bad Header: x']));
    expect([badHeader.status, code(badHeader)]).toEqual([400, 'bad_request']);
    const huge = await raw('huge header', requestText('GET', '/fx/hello/World', [`x-big: ${'a'.repeat(20_000)}`]));
    expect([huge.status, code(huge)]).toEqual([431, 'headers_too_large']);
    const noHost = await raw('no host', 'GET /fx/hello/World HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect([noHost.status, code(noHost)]).toEqual([400, 'missing_host']);
    const expect417 = await raw('expect', requestText('POST', '/fx/items/3', ['Expect: magic', 'Content-Length: 2']));
    expect([expect417.status, code(expect417)]).toEqual([417, 'expectation_failed']);
    const connectAnswer = await raw('CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
    expect([connectAnswer.status, code(connectAnswer)]).toEqual([405, 'method_not_allowed']);
    const tooBig = await raw(
      'declared 200 MB',
      requestText('PUT', '/fx/items/3', [`Content-Length: ${200 * 1024 * 1024}`]),
    );
    expect([tooBig.status, code(tooBig)]).toEqual([413, 'body_too_large']);
  });

  it('answers 408 and closes the connection when a body or the headers stop coming', async () => {
    const slowBody = await raw(
      'slow body',
      requestText('PUT', '/fx/items/3', ['Content-Length: 1000', 'Content-Type: text/plain'], '').concat('ab'),
      15_000,
    );
    expect([slowBody.status, code(slowBody)]).toEqual([408, 'request_timeout']);
    expect(slowBody.closedAfterMs).toBeLessThan(9_000);
    const slowHeaders = await raw('slow headers', 'GET /fx/hello/World HTTP/1.1\r\nHost: 127.0.0.1\r\n', 15_000);
    expect([slowHeaders.status, code(slowHeaders)]).toEqual([408, 'request_timeout']);
    expect(slowHeaders.closedAfterMs).toBeLessThan(9_000);
  });

  it('answers unknown routes 404, wrong methods 405 with Allow, and a throwing handler 500 internal_error', async () => {
    expect(await call('unknown fx route', `${host.url}/fx/no/such/route`)).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    expect(await call('unknown root', `${host.url}/api/anything`)).toMatchObject({ status: 404 });
    const wrong = await fetch(`${host.url}/fx/hello/World`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(await wrong.json()).toMatchObject({ code: 'method_not_allowed' });
    const durableWrong = await fetch(`${host.url}/runtime/webhooks/durabletask/instances/x/terminate`, {
      headers: { 'x-functions-key': host.keys.system },
    });
    expect([durableWrong.status, durableWrong.headers.get('allow')]).toEqual([405, 'POST']);
    const egWrong = await fetch(`${host.url}/runtime/webhooks/EventGrid?functionName=onPush`, {
      method: 'PUT',
      headers: { 'x-functions-key': host.keys.system },
    });
    expect([egWrong.status, egWrong.headers.get('allow')]).toEqual([405, 'OPTIONS, POST']);
    expect(await call('boom', `${host.url}/fx/boom`)).toMatchObject({ status: 500, json: { code: 'internal_error' } });
    expect((await fetch(`${host.url}/fx/hello/World`)).status).toBe(200);
  });
});

describe('keys', () => {
  const durable = (p: string): string => `${host.url}/runtime/webhooks/durabletask/${p}`;

  it('keeps a master and a system key per state dir in 0600 files', () => {
    const dir = path.join(stateDir, 'keys');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of ['master', 'system']) {
      expect(fs.statSync(path.join(dir, `${name}.key`)).mode & 0o777).toBe(0o600);
    }
    expect(host.keys.master).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(host.keys.system).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(host.keys.master).not.toBe(host.keys.system);
    expect(host.output()).not.toContain(host.keys.master);
    expect(host.output()).not.toContain(host.keys.system);
  });

  it('refuses the Durable HTTP API without the system key, however the request is dressed', async () => {
    const attempts: [string, RequestInit, string][] = [
      [
        'start, no key',
        { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
        'orchestrators/sequence',
      ],
      [
        'start, text/plain, foreign Host',
        { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain', host: 'evil.example' } },
        'orchestrators/sequence',
      ],
      [
        'start, wrong key',
        { method: 'POST', body: '{}', headers: { 'x-functions-key': 'nope' } },
        'orchestrators/sequence',
      ],
      ['list', {}, 'instances/'],
      ['list, wrong code', {}, 'instances/?code=guess'],
      ['purge', { method: 'DELETE' }, 'instances/?runtimeStatus=Completed'],
      ['terminate', { method: 'POST' }, 'instances/x/terminate'],
    ];
    for (const [what, init, p] of attempts) {
      const res = await call(what, durable(p), init);
      expect([what, res.status, code(res)]).toEqual([what, 401, 'unauthorized']);
    }
    const rpc = await call('rpc base, no key', `${host.url}/durabletask/instances/`);
    expect(rpc.status).toBe(401);
    // With the key: as code=, as the header, and the master key too.
    const viaCode = await fetch(durable(`instances/?code=${encodeURIComponent(host.keys.system)}`));
    expect(viaCode.status).toBe(200);
    expect((await fetch(durable('instances/'), { headers: { 'x-functions-key': host.keys.master } })).status).toBe(200);
    const started = await api.start('sequence', { name: 'Key', timerMs: 1 });
    expect(started.status).toBe(202);
    const payload = (await started.json()) as { statusQueryGetUri: string };
    // The handed-out URLs carry the key, as the extension's do, so a client that got them can follow them.
    expect((await fetch(payload.statusQueryGetUri)).status).toBeLessThan(300);
  });

  it('requires the system key on the Event Grid webhook and the master key on admin routes', async () => {
    const webhook = `${host.url}/runtime/webhooks/EventGrid?functionName=onPush`;
    const post = (headers: Record<string, string>) =>
      call('event grid', webhook, {
        method: 'POST',
        headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json', ...headers },
        body: '[]',
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ 'x-functions-key': 'wrong' })).status).toBe(401);
    expect((await post({ 'x-functions-key': host.keys.system })).status).toBe(202);
    const admin = `${host.url}/admin/host/status`;
    expect((await call('admin, none', admin)).status).toBe(401);
    expect((await call('admin, system', admin, { headers: { 'x-functions-key': host.keys.system } })).status).toBe(401);
    expect((await call('admin, master', `${admin}?code=${host.keys.master}`)).status).toBe(200);
  });

  it("honours HTTP functions' authLevel", async () => {
    expect((await call('anonymous', `${host.url}/fx/hello/World`)).status).toBe(200);
    const fn = `${host.url}/fx/keyed/function`;
    const admin = `${host.url}/fx/keyed/admin`;
    expect((await call('function, none', fn)).status).toBe(401);
    expect((await call('function, system key', fn, { headers: { 'x-functions-key': host.keys.system } })).status).toBe(
      401,
    );
    expect((await call('function, master', fn, { headers: { 'x-functions-key': host.keys.master } })).status).toBe(200);
    expect((await call('admin, none', admin)).status).toBe(401);
    expect((await call('admin, master', `${admin}?code=${host.keys.master}`)).status).toBe(200);
  });
});

describe('volume', () => {
  it('answers hundreds of hostile requests, 0 5xx but the throwing handler, all JSON with a code, and lives', async () => {
    const targets = [
      '//',
      '///x',
      '/fx/%',
      '/fx/%E0%A4%A',
      '/runtime/webhooks/durabletask/instances/%E0%A4%A',
      '/runtime/webhooks/EventGrid?functionName=%',
      '/admin/../../etc/passwd',
      '/fx/items/9999999999999999999999',
      '/fx/items/-1/x',
      `/fx/${'%41'.repeat(3000)}`,
      'http://[::1',
      'https://user:pass@/x',
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO'];
    const jobs: Promise<RawAnswer>[] = [];
    for (const target of targets)
      for (const method of methods) jobs.push(raw(`${method} ${target.slice(0, 30)}`, requestText(method, target)));
    for (let i = 0; i < 60; i++) {
      const bytes = Buffer.from(Array.from({ length: 64 }, (_, j) => (i * 31 + j * 17) % 256));
      jobs.push(raw(`binary ${i}`, Buffer.concat([Buffer.from('GET /'), bytes, Buffer.from(' HTTP/1.1\r\n\r\n')])));
    }
    // Wrong keys, in every place a key can be: none may open a keyed route.
    const keyed = [
      ['POST', '/runtime/webhooks/durabletask/orchestrators/sequence'],
      ['GET', '/runtime/webhooks/durabletask/instances/'],
      ['DELETE', '/runtime/webhooks/durabletask/instances/?runtimeStatus=Completed'],
      ['POST', '/durabletask/orchestrators/sequence'],
      ['POST', '/runtime/webhooks/EventGrid?functionName=onPush'],
      ['GET', '/admin/host/status'],
      ['GET', '/fx/keyed/admin'],
    ] as const;
    const wrongKeys = [
      '',
      'x',
      host.keys.system.slice(1),
      `${host.keys.system}x`,
      host.keys.system.toUpperCase(),
      encodeURIComponent(' ' + host.keys.system),
      'null',
      'undefined',
      '%00',
      'a'.repeat(500),
    ];
    for (const [method, target] of keyed)
      for (const key of wrongKeys) {
        const sep = target.includes('?') ? '&' : '?';
        jobs.push(
          raw(`wrong key header ${method} ${target}`, requestText(method, target, [`x-functions-key: ${key}`], '{}')),
          raw(`wrong key code ${method} ${target}`, requestText(method, `${target}${sep}code=${key}`, [], '{}')),
        );
      }
    const results = await Promise.all(jobs);
    const opened = answers.filter((a) => a.what.startsWith('wrong key') && a.status !== 401);
    expect(opened).toEqual([]);
    expect(results.every((r) => r.status > 0)).toBe(true);

    const fiveXx = answers.filter((a) => a.status >= 500 && a.what !== 'boom');
    expect(fiveXx).toEqual([]);
    const errors = answers.filter((a) => a.status >= 400 && !a.what.startsWith('HEAD '));
    const withoutCode = errors.filter((a) => typeof code(a) !== 'string');
    expect(withoutCode).toEqual([]);
    expect(answers.length).toBeGreaterThan(300);
    expect(host.proc.exitCode).toBeNull();
    expect((await fetch(`${host.url}/fx/hello/World`)).status).toBe(200);
  });
});
