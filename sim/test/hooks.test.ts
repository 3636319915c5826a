// The webhook sink: what it keeps of each POST (parsed body, content type, path, what it answered), the bound on
// what it keeps, clearing, injected failures (a status with Retry-After, a dropped connection) and the CLI's
// readable listing of the three formats the app sends.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notificationEvent, renderNotification } from '../../core/notifications';
import { runTsCli } from '../../test/support/ts-cli';
import { describeRecord, SINK_LIMIT, type SinkRecord } from '../hooks/sink';
import { parseArgs } from '../args';
import { startTestSim, type TestSim } from './support';

let sim: TestSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(async () => {
  await fetch(`${sim.hooksUrl}/_sim/notifications`, { method: 'DELETE' });
  await fetch(`${sim.hooksUrl}/_sim/notifications/failures`, { method: 'DELETE' });
});

const event = notificationEvent(
  { kind: 'deploy_succeeded', target: 'local', deploy_id: 'local-1', tag: '3.5', outcome: 'succeeded' },
  new Date('2026-01-01T00:00:00Z'),
);
const post = (name: string, body: unknown, type = 'application/json') =>
  fetch(`${sim.hooksUrl}/hooks/${name}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const list = async () =>
  ((await (await fetch(`${sim.hooksUrl}/_sim/notifications`)).json()) as { notifications: SinkRecord[] }).notifications;

describe('webhook sink', () => {
  it('keeps each POST with its path, content type, parsed body and answer, oldest first', async () => {
    const r = await post('sink-json', renderNotification(event, 'json'));
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ok');
    await post('sink-slack', 'not json', 'text/plain');
    const got = await list();
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      name: 'sink-json',
      path: '/hooks/sink-json',
      content_type: 'application/json',
      answered: 200,
      body: { schema: 'elb-control.notification/v1', kind: 'deploy_succeeded' },
    });
    expect(got[1]).toMatchObject({ name: 'sink-slack', content_type: 'text/plain', body: 'not json' });
    expect(got[1]!.seq).toBe(got[0]!.seq + 1);
    expect(Date.parse(got[0]!.time)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('clears on DELETE and refuses other methods and names', async () => {
    await post('a', {});
    expect(await (await fetch(`${sim.hooksUrl}/_sim/notifications`, { method: 'DELETE' })).json()).toEqual({
      removed: 1,
    });
    expect(await list()).toEqual([]);
    expect((await fetch(`${sim.hooksUrl}/hooks/a`)).status).toBe(405);
    expect((await post('Not_A_Label', {})).status).toBe(404);
    expect((await fetch(`${sim.hooksUrl}/elsewhere`)).status).toBe(404);
  });

  it('keeps the last 200 requests only', async () => {
    expect(SINK_LIMIT).toBe(200);
    for (let i = 0; i < 205; i += 41)
      await Promise.all(Array.from({ length: 41 }, (_, j) => post('bulk', { i: i + j })));
    const got = await list();
    expect(got).toHaveLength(200);
    expect(got.map((r) => (r.body as { i: number }).i).sort((a, b) => a - b)[0]).toBe(5);
  });

  it('answers injected failures for the next N requests, with Retry-After, then 200 again', async () => {
    const set = await fetch(`${sim.hooksUrl}/_sim/notifications/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 429, count: 2, retry_after_seconds: 3 }),
    });
    expect(set.status).toBe(201);
    const a = await post('x', {});
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('3');
    expect((await post('x', {})).status).toBe(429);
    expect((await post('x', {})).status).toBe(200);
    expect((await list()).map((r) => r.answered)).toEqual([429, 429, 200]);
  });

  it('drops the connection on demand, as a sink that is down', async () => {
    await fetch(`${sim.hooksUrl}/_sim/notifications/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'reset' }),
    });
    await expect(post('x', {})).rejects.toThrow();
    expect((await post('x', {})).status).toBe(200);
    expect((await list()).map((r) => r.answered)).toEqual([0, 200]);
  });

  it('refuses a bad failure request', async () => {
    for (const body of [{ status: 200 }, { status: 500, count: 0 }, { status: 500, retry_after_seconds: -1 }]) {
      const r = await fetch(`${sim.hooksUrl}/_sim/notifications/failures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'invalid_failure' });
    }
  });
});

describe('describeRecord', () => {
  const record = (format: 'json' | 'teams' | 'slack'): SinkRecord => ({
    seq: 1,
    time: '2026-01-01T00:00:01.000Z',
    path: `/hooks/sink-${format}`,
    name: `sink-${format}`,
    content_type: 'application/json',
    answered: 200,
    body: JSON.parse(JSON.stringify(renderNotification(event, format))),
  });
  it('makes one readable line of each format', () => {
    expect(describeRecord(record('json'))).toBe(
      '2026-01-01T00:00:01.000Z  sink-json  200  json deploy_succeeded local, tag 3.5, outcome succeeded, deploy local-1',
    );
    expect(describeRecord(record('slack'))).toBe(
      '2026-01-01T00:00:01.000Z  sink-slack  200  slack Deploy succeeded: local — 3.5 runs on local.',
    );
    expect(describeRecord(record('teams'))).toBe(
      '2026-01-01T00:00:01.000Z  sink-teams  200  teams Deploy succeeded: local — 3.5 runs on local.',
    );
    expect(describeRecord({ ...record('json'), answered: 0 })).toContain('  dropped  ');
  });
});

describe('elb-sim notifications', () => {
  it('parses list, clear and fail', () => {
    expect(parseArgs(['notifications'])).toEqual({
      kind: 'notifications',
      hooksUrl: 'http://127.0.0.1:8002',
      action: 'list',
      json: false,
    });
    expect(parseArgs(['notifications', '--json', '--hooks-url', 'http://127.0.0.1:9'])).toMatchObject({ json: true });
    expect(parseArgs(['notifications', 'fail', '--status', 'reset', '--count', '2'])).toMatchObject({
      failure: { status: 'reset', count: 2 },
    });
    expect(() => parseArgs(['notifications', 'fail'])).toThrow(/--status/);
    expect(() => parseArgs(['notifications', 'fail', '--status', '200'])).toThrow(/400 to 599/);
    expect(() => parseArgs(['notifications', 'bogus'])).toThrow(/list, clear or fail/);
    expect(parseArgs(['serve', '--hooks-port', '0'])).toMatchObject({ options: { hooksPort: 0 } });
  });

  it('lists what the sink received, one line each, or as JSON', async () => {
    await post('sink-slack', renderNotification(event, 'slack'));
    const cli = join(__dirname, '..', 'cli.ts');
    const lines = await runTsCli(cli, ['notifications', '--hooks-url', sim.hooksUrl]);
    expect(lines.code).toBe(0);
    expect(lines.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/ sink-slack {2}200 {2}slack Deploy succeeded: local/),
    ]);
    const raw = await runTsCli(cli, ['notifications', '--json', '--hooks-url', sim.hooksUrl]);
    expect(JSON.parse(raw.stdout)).toMatchObject({ notifications: [{ name: 'sink-slack' }] });
    expect((await runTsCli(cli, ['notifications', 'clear', '--hooks-url', sim.hooksUrl])).code).toBe(0);
    expect((await runTsCli(cli, ['notifications', '--hooks-url', sim.hooksUrl])).stdout).toContain(
      'no notifications received yet',
    );
  });
});
