// A hostile caller against a real sim process (its Kubernetes and registry ports, over real sockets): nothing may end
// it, every refusal is JSON with a code (the guard's {code}, a Kubernetes Status, or the registry's {errors:[{code}]}),
// slow clients are cut off. And its Event Grid deliveries carry the webhook key from the key file, never in the URL.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeProcess } from '../../test/support/node-process';
import { rawRequest, requestText, type RawAnswer } from '../../test/support/raw-http';
import { freePorts } from '../../test/support/stack';
import { randomLoopbackStart } from './support';

let child: ChildProcess;
let hook: Server;
let stateDir: string;
let keyFile: string;
let k8sPort: number;
let registryPort: number;
const received: { url: string; headers: IncomingHttpHeaders }[] = [];
const answers: { what: string; status: number; json: unknown }[] = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', ok));
  const hookPort = (hook.address() as AddressInfo).port;
  [k8sPort, registryPort] = (await freePorts(2)) as [number, number];
  stateDir = mkdtempSync(join(tmpdir(), 'elb-sim-hostile-'));
  keyFile = join(stateDir, 'system.key');
  const started = await startNodeProcess(
    'sim',
    [
      '--import',
      'tsx',
      'sim/cli.ts',
      'serve',
      '--k8s-port',
      String(k8sPort),
      '--registry-port',
      String(registryPort),
      '--state-dir',
      join(stateDir, 'sim'),
      '--lb-ip-start',
      randomLoopbackStart(),
      '--webhook',
      `http://127.0.0.1:${hookPort}/runtime/webhooks/EventGrid?functionName=acrImagePushed`,
      '--webhook-key-file',
      keyFile,
    ],
    { ready: [/READY sim-k8s/, /READY sim-registry/] },
  );
  child = started.child;
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((ok) => child.once('exit', ok));
  }
  hook?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function raw(what: string, port: number, text: string | Buffer, waitMs?: number): Promise<RawAnswer> {
  const answer = await rawRequest(port, text, waitMs);
  answers.push({ what, status: answer.status, json: answer.json });
  return answer;
}

/** The code of any of the sim's error shapes. */
function codeOf(json: unknown): unknown {
  const j = json as { code?: unknown; errors?: { code?: unknown }[] } | undefined;
  return j?.code ?? j?.errors?.[0]?.code;
}

function push(tag: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${registryPort}/_sim/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'elb-openapi', tag }),
  });
}

describe('the sim under hostile requests', () => {
  it('answers malformed request-targets and headers with JSON on both ports', async () => {
    for (const [name, port] of [
      ['k8s', k8sPort],
      ['registry', registryPort],
    ] as const) {
      const slash = await raw(`${name} GET //`, port, requestText('GET', '//'));
      expect(slash.status, name).toBe(404);
      const ipv6 = await raw(`${name} http://[::1`, port, requestText('GET', 'http://[::1'));
      expect([ipv6.status, codeOf(ipv6.json)]).toEqual([400, 'bad_request_target']);
      const pct = await raw(`${name} bad %`, port, requestText('GET', '/api/v1/namespaces/%E0%A4%A/pods'));
      expect([pct.status, codeOf(pct.json)]).toEqual([400, 'bad_path_encoding']);
      const garbage = await raw(`${name} garbage`, port, '\x00\x01\x02 nonsense\r\n\r\n');
      expect([garbage.status, codeOf(garbage.json)]).toEqual([400, 'bad_request']);
      const huge = await raw(`${name} huge header`, port, requestText('GET', '/', [`x: ${'a'.repeat(20_000)}`]));
      expect([huge.status, codeOf(huge.json)]).toEqual([431, 'headers_too_large']);
      const big = await raw(`${name} 1 GB`, port, requestText('POST', '/_sim/push', ['Content-Length: 1000000000']));
      expect([big.status, codeOf(big.json)]).toEqual([413, 'body_too_large']);
    }
  });

  it('refuses a chunked body that grows past the limit with 413 and closes the connection', async () => {
    const chunk = 'a'.repeat(16 * 1024);
    const body = `${Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')}0\r\n\r\n`;
    const answer = await raw(
      'chunked 96 KiB push',
      registryPort,
      `POST /_sim/push HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      5_000,
    );
    expect([answer.status, codeOf(answer.json)]).toEqual([413, 'body_too_large']);
    expect(answer.closedAfterMs).toBeLessThan(3_000);
  });

  it('answers wrong methods 405 with Allow', async () => {
    const faults = await fetch(`http://127.0.0.1:${k8sPort}/_sim/faults`, { method: 'PUT' });
    expect([faults.status, faults.headers.get('allow')]).toEqual([405, 'DELETE, GET, POST']);
    expect(await faults.json()).toMatchObject({ code: 'method_not_allowed' });
    const pushGet = await fetch(`http://127.0.0.1:${registryPort}/_sim/push`);
    expect([pushGet.status, pushGet.headers.get('allow')]).toEqual([405, 'POST']);
    const v2Post = await fetch(`http://127.0.0.1:${registryPort}/v2/`, { method: 'POST' });
    expect([v2Post.status, v2Post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('answers a body that stops half-way with 408 and closes the connection', async () => {
    const slow = await raw(
      'slow push',
      registryPort,
      requestText('POST', '/_sim/push', ['Content-Length: 1000', 'Content-Type: application/json']) + '{"',
      15_000,
    );
    expect([slow.status, codeOf(slow.json)]).toEqual([408, 'request_timeout']);
    expect(slow.closedAfterMs).toBeLessThan(9_000);
  });

  it('sends the webhook key from the key file as x-functions-key, never in the URL', async () => {
    // No key file yet (the devhost has not created it): delivered without a key.
    expect((await push('1.0')).status).toBe(201);
    writeFileSync(keyFile, 'the-system-key-0123456789abcdefghijklmnop\n', { mode: 0o600 });
    expect((await push('1.1')).status).toBe(201);
    expect(received).toHaveLength(2);
    expect(received[0]!.headers['x-functions-key']).toBeUndefined();
    expect(received[1]!.headers['x-functions-key']).toBe('the-system-key-0123456789abcdefghijklmnop');
    for (const r of received) expect(r.url).not.toContain('code=');
  });

  it('answers a volume of hostile requests without a 5xx, each error with a code, and keeps running', async () => {
    const targets = ['//', '/%', '/api/v1/%ZZ', '/v2/%E0/tags/list', 'http://[', '*', '/_sim/faults/%', '/apis//v1'];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'FOO'];
    const jobs: Promise<RawAnswer>[] = [];
    for (const port of [k8sPort, registryPort])
      for (const target of targets)
        for (const method of methods)
          jobs.push(raw(`${method} ${target}`, port, requestText(method, target, [], method === 'GET' ? '' : '{')));
    await Promise.all(jobs);
    expect(answers.filter((a) => a.status === 0 || a.status >= 500)).toEqual([]);
    expect(answers.filter((a) => a.status >= 400 && codeOf(a.json) === undefined)).toEqual([]);
    expect(answers.length).toBeGreaterThan(100);
    expect(child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${k8sPort}/version`)).status).toBe(200);
  });
});
