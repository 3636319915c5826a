// sendNotification against a real HTTP server on loopback (the destination's behaviour is what is scripted: its status,
// Retry-After, a dropped connection, a hang) and real fetch. Checks what is delivered, what is retried (it throws) and
// what is final (it returns), and that no message the activity makes contains the URL — not even its host and port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notificationEvent, NotifyFormat } from '../../core/notifications';
import { NotificationRetryable, retryAfterMs, SendDeps, sendNotification } from '../activities/notify';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
let reply: Reply;
const received: { path: string; type: string | undefined; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', type: req.headers['content-type'], body: JSON.parse(text) });
      reply(req, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});
beforeEach(() => {
  received.length = 0;
  reply = (_req, res) => res.writeHead(200).end('ok');
});

const SECRET_PATH = '/hooks/T000/B000/xoxb-secret-part';
const event = notificationEvent(
  { kind: 'deploy_succeeded', target: 'local', deploy_id: 'local-1', tag: '3.5', outcome: 'succeeded' },
  new Date('2026-01-01T00:00:00Z'),
);

function deps(over: Partial<SendDeps> = {}, url = `${base}${SECRET_PATH}`, format: NotifyFormat = 'slack') {
  const slept: number[] = [];
  const d: SendDeps = {
    destination: (name) => (name === 'chat' ? { url, format } : null),
    fetch: (...args) => fetch(...args),
    sleep: async (ms) => void slept.push(ms),
    timeoutMs: 2000,
    retryAfterCapMs: 30_000,
    ...over,
  };
  return { d, slept };
}

/** The activity's failure, checked to be retryable and to name no part of the URL. */
async function failure(promise: Promise<unknown>, url = `${base}${SECRET_PATH}`): Promise<string> {
  const err = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NotificationRetryable);
  const text = `${(err as Error).message}\n${(err as Error).stack ?? ''}`;
  const u = new URL(url);
  for (const part of [url, u.host, u.port, u.pathname, 'xoxb-secret-part']) expect(text).not.toContain(part);
  return (err as Error).message;
}

describe('sendNotification', () => {
  it('POSTs the rendering of its format as JSON and reports the delivery', async () => {
    const { d } = deps();
    const r = await sendNotification({ destination: 'chat', event }, d);
    expect(r).toEqual({ destination: 'chat', delivered: true, status: 200 });
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe(SECRET_PATH);
    expect(received[0]!.type).toBe('application/json');
    expect(received[0]!.body).toMatchObject({ text: expect.stringContaining('Deploy succeeded: local') });
  });

  it('returns a 4xx other than 408/429 as final (not retried), without the URL', async () => {
    reply = (_req, res) => res.writeHead(404).end(`no such hook ${SECRET_PATH}`);
    const { d } = deps();
    const r = await sendNotification({ destination: 'chat', event }, d);
    expect(r).toMatchObject({ delivered: false, status: 404, reason: 'rejected' });
    expect(JSON.stringify(r)).not.toContain(SECRET_PATH);
    expect(JSON.stringify(r)).not.toContain(base);
  });

  it('throws (so Durable retries) on 5xx and 408, naming the destination only', async () => {
    for (const status of [500, 503, 408]) {
      reply = (_req, res) => res.writeHead(status).end(`echo ${SECRET_PATH}`);
      const { d } = deps();
      expect(await failure(sendNotification({ destination: 'chat', event }, d))).toBe(`chat: HTTP ${status}`);
    }
  });

  it('honours Retry-After on 429 within the cap, then throws', async () => {
    reply = (_req, res) => res.writeHead(429, { 'Retry-After': '7' }).end();
    const a = deps();
    expect(await failure(sendNotification({ destination: 'chat', event }, a.d))).toBe(
      'chat: HTTP 429 (too many requests)',
    );
    expect(a.slept).toEqual([7000]);
    reply = (_req, res) => res.writeHead(429, { 'Retry-After': '3600' }).end();
    const b = deps();
    await failure(sendNotification({ destination: 'chat', event }, b.d));
    expect(b.slept).toEqual([30_000]);
    reply = (_req, res) => res.writeHead(429).end();
    const c = deps();
    await failure(sendNotification({ destination: 'chat', event }, c.d));
    expect(c.slept).toEqual([]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('12', now)).toBe(12_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it('throws on a refused connection with the error code only (no address)', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}${SECRET_PATH}`;
    await new Promise((ok) => closed.close(ok));
    const { d } = deps({}, url);
    expect(await failure(sendNotification({ destination: 'chat', event }, d), url)).toBe(
      'chat: connection failed (ECONNREFUSED)',
    );
  });

  it('bounds each POST by its timeout', async () => {
    reply = () => undefined; // never answers
    const { d } = deps({ timeoutMs: 300 });
    const started = Date.now();
    expect(await failure(sendNotification({ destination: 'chat', event }, d))).toBe('chat: no answer within 0.3 s');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('does not follow a redirect (it would hand the message to another address)', async () => {
    reply = (_req, res) => res.writeHead(302, { location: 'http://127.0.0.9/elsewhere' }).end();
    const { d } = deps();
    const r = await sendNotification({ destination: 'chat', event }, d);
    expect(r).toMatchObject({ delivered: false, status: 302, reason: 'rejected' });
    expect(received).toHaveLength(1);
  });

  it('does not read a gigantic answer: the body is dropped, not buffered', async () => {
    // A destination (or something posing as one) answering 200 with an endless body must not fill the worker's memory.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const limit = 64 * 1024 * 1024;
    let written = 0;
    let closed: (bytes: number) => void;
    const gone = new Promise<number>((ok) => (closed = ok));
    reply = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const more = () => {
        while (written < limit) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('close', () => closed(written));
      more();
    };
    const { d } = deps({ timeoutMs: 10_000 });
    const r = await sendNotification({ destination: 'chat', event }, d);
    expect(r).toMatchObject({ delivered: true, status: 200 });
    // The connection was dropped long before the 64 MiB were sent (socket buffers hold a few MiB at most).
    expect(await gone).toBeLessThan(limit / 4);
  });

  it('answers a destination no longer configured as final', async () => {
    const { d } = deps();
    const r = await sendNotification({ destination: 'gone', event }, d);
    expect(r).toMatchObject({ delivered: false, status: null, reason: 'unknown_destination' });
    expect(received).toHaveLength(0);
  });
});
