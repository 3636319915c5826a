// The Try it sender against a real HTTP server on a free port: the token goes in its header and nowhere else,
// redirects are not followed, a slow service is cut at the deadline, and an oversized answer is refused whether it
// declares its length or streams without one.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendToService } from '../service-proxy';
import type { UpstreamRequest } from '../../core/service-proxy';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
let server: Server;
let base: string;
let last: { method: string; url: string; headers: IncomingMessage['headers']; body: string } | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      last = { method: req.method!, url: req.url!, headers: req.headers, body };
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 5_000);
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
        return void res.end();
      }
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(2048) });
        return void res.end('x'.repeat(2048));
      }
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' }); // chunked, no declared length
        const timer = setInterval(() => res.write('y'.repeat(512)), 5);
        res.on('close', () => clearInterval(timer));
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': 'a=1' });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const req = (target: string, over: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  method: 'GET',
  target,
  template: target,
  headers: {},
  body: null,
  ...over,
});
const limits = { timeoutMs: 1_000, responseBytes: 1024 };

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('sendToService', () => {
  it('sends the method, body and headers with the token in its header, and returns status, headers and text', async () => {
    const answer = await sendToService(
      base,
      req('/v1/jobs?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }),
      TOKEN,
      limits,
    );
    expect(answer.status).toBe(201);
    expect(answer.text).toBe('{"ok":true}');
    expect(answer.headers).toContainEqual(['content-type', 'application/json']);
    expect(last).toMatchObject({ method: 'POST', url: '/v1/jobs?x=1', body: '{"a":1}' });
    expect(last!.headers['x-elb-api-token']).toBe(TOKEN);
    expect(last!.headers['content-type']).toBe('application/json');
    expect(last!.headers.authorization).toBeUndefined();
  });

  it('sends no token header when the target has none', async () => {
    await sendToService(base, req('/v1/jobs'), null, limits);
    expect(last!.headers['x-elb-api-token']).toBeUndefined();
  });

  it('does not follow a redirect: the 302 itself is the answer', async () => {
    const answer = await sendToService(base, req('/redirect'), TOKEN, limits);
    expect(answer.status).toBe(302);
    expect(last!.url).toBe('/redirect');
  });

  it('cuts a slow service at the deadline with upstream_timeout', async () => {
    const started = Date.now();
    expect(await codeOf(sendToService(base, req('/slow'), TOKEN, limits))).toBe('upstream_timeout');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3_000);
  });

  it('refuses an answer over the size limit, declared or streamed', async () => {
    expect(await codeOf(sendToService(base, req('/big'), TOKEN, limits))).toBe('response_too_large');
    const started = Date.now();
    expect(await codeOf(sendToService(base, req('/stream'), TOKEN, limits))).toBe('response_too_large');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is service_unreachable when nothing listens, and never leaves the service origin', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await codeOf(sendToService(`http://127.0.0.1:${port}`, req('/v1/jobs'), TOKEN, limits))).toBe(
      'service_unreachable',
    );
    expect(await codeOf(sendToService(base, req('//169.254.169.254/x'), TOKEN, limits))).toBe('invalid_path');
  });
});
