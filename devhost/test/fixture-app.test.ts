import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableApi, type DevhostProcess, killAll, startDevhost, tempDir, waitFor } from './harness.js';

// The fixture app (test/fixtures/devhost-app) is a plain CommonJS Functions app that exercises every feature the
// devhost claims; these tests drive it over HTTP exactly as a client of the real host would.
let host: DevhostProcess;
let api: DurableApi;
let fx: string;

beforeAll(async () => {
  host = await startDevhost({ stateDir: tempDir('fixture'), env: { FIXTURE_MARK_DIR: tempDir('marks') } });
  api = new DurableApi(host.url, host.keys.system);
  fx = `${host.url}/fx`;
});

afterAll(() => killAll());

async function json(res: Response | Promise<Response>): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await res;
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

describe('HTTP triggers', () => {
  it('serves route templates with constraints, the routePrefix from host.json and settings from local.settings.json', async () => {
    expect(await json(fetch(`${fx}/hello/World?q=x`))).toMatchObject({
      status: 200,
      body: { message: 'Hello World', query: 'x' },
    });
    expect((await fetch(`${fx}/hello/W0rld`)).status).toBe(404); // :alpha refuses digits
    expect((await fetch(`${host.url}/api/hello/World`)).status).toBe(404); // the prefix is fx, not api
    expect((await json(fetch(`${fx}/items/7/a/b%20c`))).body).toEqual({ id: '7', rest: 'a/b c', body: null });
    expect((await json(fetch(`${fx}/items/7`))).body).toEqual({ id: '7', rest: null, body: null });
    expect((await fetch(`${fx}/items/0/x`)).status).toBe(404); // min(1)
    expect(await (await fetch(`${fx}/items/special`)).text()).toBe('literal wins');
    expect((await json(fetch(`${fx}/optional`))).body).toEqual({ a: null });
    expect((await json(fetch(`${fx}/optional/here`))).body).toEqual({ a: 'here' });
  });

  it('honours the methods list and passes bodies and statuses through', async () => {
    const put = await json(fetch(`${fx}/items/3`, { method: 'PUT', body: 'payload' }));
    expect(put).toMatchObject({ status: 201, body: { id: '3', body: 'payload' } });
    // A route that matches for other methods only: 405 with Allow (Azure answers a bare 404 here).
    const del = await json(fetch(`${fx}/items/3`, { method: 'DELETE' }));
    expect(del).toMatchObject({ status: 405, body: { code: 'method_not_allowed' } });
    expect(del.headers.get('allow')).toBe('GET, PUT');
    expect((await fetch(`${fx}/flip/variantA`, { method: 'GET' })).status).toBe(405);
    expect(await json(fetch(`${fx}/nothing/here`))).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('answers 500 internal_error without details when a handler throws, and logs one line per invocation', async () => {
    const res = await json(fetch(`${fx}/boom`));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'internal_error', message: "The function 'boom' failed; see the devhost log." });
    await waitFor(
      () =>
        /Executed 'Functions\.boom' \(Failed, Id=[0-9a-f-]{36}, Duration=\d+ms\) Error: handler failed/.test(
          host.output(),
        )
          ? true
          : undefined,
      {
        what: 'the failure log line',
      },
    );
    expect(host.output()).toMatch(/Executed 'Functions\.hello' \(Succeeded, Id=[0-9a-f-]{36}, Duration=\d+ms\)/);
  });

  it('runs appStart once and the invocation hooks around every call, letting preInvocation wrap the handler', async () => {
    const wrapped = await fetch(`${fx}/wrapped`);
    expect(wrapped.headers.get('x-wrapped-by-hook')).toBe('yes');
    const { body } = await json(fetch(`${fx}/observations`));
    const hooks = (body as { hooks: { appStart: number; pre: number; post: number } }).hooks;
    expect(hooks.appStart).toBe(1);
    // Other invocations (the timer, this very call) may be between their hooks, so only the order is fixed.
    expect(hooks.post).toBeGreaterThan(0);
    expect(hooks.pre).toBeGreaterThan(hooks.post - 1);
  });
});

describe('Event Grid webhook', () => {
  const webhook = (fn = 'onPush'): string => `${host.url}/runtime/webhooks/EventGrid?functionName=${fn}`;
  const event = (id: string, data: unknown = {}): Record<string, unknown> => ({
    id,
    topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerRegistry/registries/z',
    subject: 'elb-openapi:3.4',
    eventType: 'Microsoft.ContainerRegistry.ImagePushed',
    eventTime: new Date().toISOString(),
    data,
    dataVersion: '1.0',
    metadataVersion: '1',
  });

  it('answers the SubscriptionValidation handshake', async () => {
    const res = await json(
      api.fetch(webhook(), {
        method: 'POST',
        headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            ...event('v'),
            eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
            data: { validationCode: 'code-123' },
          },
        ]),
      }),
    );
    expect(res).toMatchObject({ status: 200, body: { validationResponse: 'code-123' } });
  });

  it('invokes the function once per event of a Notification batch', async () => {
    const res = await api.fetch(webhook(), {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
      body: JSON.stringify([event('e1'), event('e2')]),
    });
    expect(res.status).toBe(202);
    const { body } = await json(fetch(`${fx}/observations`));
    const events = (body as { events: { id: string; invocationId: string }[] }).events;
    expect(events.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(events[0]?.invocationId).not.toBe(events[1]?.invocationId);
  });

  it('reports a failed delivery with 500 so Event Grid retries, and rejects bad requests with a code', async () => {
    const failed = await api.fetch(webhook(), {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([event('bad', { fail: true })]),
    });
    expect(await json(failed)).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(
      await json(
        api.fetch(webhook('nope'), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: '[]' }),
      ),
    ).toMatchObject({
      status: 404,
      body: { code: 'unknown_function' },
    });
    expect(await json(api.fetch(webhook(), { method: 'POST', body: '[]' }))).toMatchObject({
      status: 400,
      body: { code: 'bad_event_type_header' },
    });
  });
});

describe('timer trigger', () => {
  it('fires on its NCRONTAB schedule (taken from an app setting)', async () => {
    await waitFor(
      async () => {
        const { body } = await json(fetch(`${fx}/observations`));
        return (body as { heartbeats: number }).heartbeats >= 2 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'two heartbeats' },
    );
  });
});

describe('durable client binding and orchestrations', () => {
  it('runs activity → timer → retried activity with custom status, started through df.getClient', async () => {
    const res = await fetch(`${fx}/orchestrators/sequence`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Ann', timerMs: 800 }),
    });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { id: string; statusQueryGetUri: string };
    // createCheckStatusResponse swaps in the request's origin; the binding's URLs carry the real port.
    expect(
      payload.statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/${payload.id}`),
    ).toBe(true);
    const done = await api.waitForStatus(payload.id, ['Completed', 'Failed']);
    expect(done.output).toEqual({ first: 'Hello Ann', flaky: { key: payload.id, attempts: 2 }, replayedTime: true });
    expect(done.customStatus).toEqual({ step: 'done' });
    expect(done.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const history = (await api.status(payload.id, '?showHistory=true'))?.historyEvents ?? [];
    expect(history.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'TaskScheduled',
      'TaskCompleted',
      'TimerCreated',
      'TimerFired',
      'TaskScheduled',
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'TaskScheduled',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
  });

  it('answers the client status call through the app (getStatus via the keyed webhook URLs)', async () => {
    // No body: the JS client posts the two bytes "" as input, exactly as against the real extension.
    const started = await fetch(`${fx}/orchestrators/nothingReturned`, { method: 'POST' });
    const id = ((await started.json()) as { id: string }).id;
    await api.waitForStatus(id, ['Completed']);
    const { status, body } = await json(fetch(`${fx}/instances/${id}`));
    expect(status).toBe(200);
    // An activity that returns nothing yields null, and a falsy custom status (0) is kept.
    expect(body).toMatchObject({
      instanceId: id,
      name: 'nothingReturned',
      runtimeStatus: 'Completed',
      output: 'null result',
      customStatus: 0,
      input: '',
    });
  });

  it('runs Task.all over retrying activities plus a plain one (waitForCompletionOrCreateCheckStatusResponse)', async () => {
    const res = await json(fetch(`${fx}/run/fanOut`, { method: 'POST', body: '{}' }));
    expect(res.status).toBe(200);
    const out = res.body as [{ attempts: number }, { attempts: number }, { attempts: number }, string];
    expect(out.map((o) => (typeof o === 'string' ? o : o.attempts))).toEqual([1, 2, 3, 'plain']);
  });

  it('Task.any(event, timer): the event wins, the cancelled timer never fires; a late event is 410', async () => {
    const id = await api.startId('approval', { timeoutMs: 60_000 });
    await api.waitForStatus(id, ['Running']);
    expect(await api.raise(id, 'approve', { user: 'ops' })).toBe(202);
    const done = await api.waitForStatus(id, ['Completed']);
    expect(done.output).toEqual({ approved: true, by: { user: 'ops' } });
    const events = (await api.status(id, '?showHistory=true'))?.historyEvents?.map((e) => e.EventType) ?? [];
    expect(events).toContain('TimerCreated');
    expect(events).not.toContain('TimerFired');
    expect(await api.raise(id, 'approve', {})).toBe(410);
    // The JS client treats 410 as done, so the app's raise call succeeds.
    expect((await fetch(`${fx}/instances/${id}/raise/approve`, { method: 'POST', body: '{}' })).status).toBe(202);
  });

  it('Task.any(event, timer): the timer wins when no event comes', async () => {
    const id = await api.startId('approval', { timeoutMs: 300 });
    expect((await api.waitForStatus(id, ['Completed'])).output).toEqual({ approved: false });
  });

  it('buffers events raised before the orchestration waits for them', async () => {
    const id = await api.startId('twoEvents');
    expect(await api.raise(id, 'second', 'b')).toBe(202);
    expect(await api.raise(id, 'first', 'a')).toBe(202);
    expect((await api.waitForStatus(id, ['Completed'])).output).toEqual(['a', 'b']);
  });

  it('lets the orchestrator catch retry exhaustion, with a backoff timer after every failed attempt', async () => {
    const id = await api.startId('retryExhausted');
    const done = await api.waitForStatus(id, ['Completed', 'Failed']);
    expect((done.output as { caught: string }).caught).toContain(
      "Activity function 'alwaysFails' failed: always fails",
    );
    const history = (await api.status(id, '?showHistory=true'))?.historyEvents ?? [];
    expect(history.filter((e) => e.EventType === 'TaskScheduled')).toHaveLength(3);
    const timers = history.filter((e) => e.EventType === 'TimerCreated');
    expect(timers).toHaveLength(3);
    const failures = history.filter((e) => e.EventType === 'TaskFailed');
    const delays = timers.map((t, i) => Date.parse(String(t.FireAt)) - Date.parse(String(failures[i]?.Timestamp)));
    // 100 ms × 2^k; the timer is created in the episode after the failure, so allow scheduling slack.
    delays.forEach((d, k) => {
      expect(d).toBeGreaterThanOrEqual(100 * 2 ** k - 5);
      expect(d).toBeLessThan(100 * 2 ** k + 1500);
    });
  });

  it('stops retrying once retryTimeout has passed, though more attempts were allowed', async () => {
    const id = await api.startId('retryTimeout');
    const done = await api.waitForStatus(id, ['Completed', 'Failed']);
    expect(String(done.output)).toContain(
      "Activity function 'alwaysFails' was not retried: the retry timeout expired.",
    );
    const history = (await api.status(id, '?showHistory=true'))?.historyEvents ?? [];
    // Five attempts are scheduled (the library insists), but only those before the timeout ran the activity.
    expect(history.filter((e) => e.EventType === 'TaskScheduled')).toHaveLength(5);
    const ran = history.filter(
      (e) =>
        e.EventType === 'TaskFailed' &&
        String(e.Reason).startsWith("Activity function 'alwaysFails' failed: always fails"),
    );
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(2);
  });

  it('runs sub-orchestrations with and without retry, with generated and chosen ids, and surfaces their failures', async () => {
    const id = await api.startId('parent');
    const done = await api.waitForStatus(id, ['Completed', 'Failed'], 45_000);
    expect(done.runtimeStatus).toBe('Completed');
    const out = done.output as {
      plain: { greeting: string; parent: string };
      named: { parent: string };
      retried: { attempts: number };
      failure: string;
    };
    expect(out.plain).toEqual({ greeting: 'Hello sub', parent: id });
    expect(out.named.parent).toBe(id);
    expect(out.retried.attempts).toBe(2);
    expect(out.failure).toContain('child asked to fail: on purpose');
    expect((await api.status(`${id}-named`))?.runtimeStatus).toBe('Completed');
  });

  it('continues as new, carrying events the previous execution had not consumed', async () => {
    const id = await api.startId('counter', { until: 3, seen: [] });
    for (const n of [1, 2, 3]) expect(await api.raise(id, 'tick', n)).toBe(202);
    const done = await api.waitForStatus(id, ['Completed', 'Failed']);
    expect(done.output).toEqual([1, 2, 3]);
    expect(done.input).toEqual({ until: 3, seen: [1, 2] });
  });

  it('fails an instance whose orchestrator throws, with the error in the output', async () => {
    const id = await api.startId('failing');
    const done = await api.waitForStatus(id, ['Failed', 'Completed']);
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toContain('orchestrator failed on purpose');
  });

  it('detects a non-deterministic replay and fails the instance with a clear message', async () => {
    expect((await fetch(`${fx}/flip/variantA`, { method: 'POST' })).status).toBe(204);
    const id = await api.startId('nonDeterministic');
    await waitFor(
      async () =>
        (await api.status(id, '?showHistory=true'))?.historyEvents?.some((e) => e.EventType === 'TaskCompleted')
          ? true
          : undefined,
      { what: 'the first activity to complete' },
    );
    await fetch(`${fx}/flip/variantB`, { method: 'POST' });
    await api.raise(id, 'continue', null);
    const done = await api.waitForStatus(id, ['Failed', 'Completed']);
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toMatch(
      /Non-deterministic workflow detected: .*activity 'variantA'.*activity 'variantB'/,
    );
  });
});

describe('instance management over the Durable HTTP API', () => {
  it('refuses an id that is running (409), replaces a finished one, and rejects unknown orchestrators (400)', async () => {
    const id = `fixed-${Date.now()}`;
    expect((await api.start('approval', { timeoutMs: 60_000 }, id)).status).toBe(202);
    expect((await api.start('approval', { timeoutMs: 60_000 }, id)).status).toBe(409);
    expect(
      (await fetch(`${fx}/orchestrators/approval/${id}`, { method: 'POST', body: '{"timeoutMs":1}' })).status,
    ).toBe(409);
    expect(await api.post(id, 'terminate', 'enough')).toBe(202);
    const terminated = await api.waitForStatus(id, ['Terminated']);
    expect(terminated.output).toBe('enough');
    expect(await api.post(id, 'terminate')).toBe(410);
    expect((await api.start('approval', { timeoutMs: 200 }, id)).status).toBe(202);
    expect((await api.waitForStatus(id, ['Completed'])).output).toEqual({ approved: false });
    expect(await json(api.start('noSuchOrchestrator'))).toMatchObject({
      status: 400,
      body: { code: 'unknown_function' },
    });
    expect((await api.start('approval', undefined, encodeURIComponent('bad#id'))).status).toBe(400);
  });

  it('suspends (events wait) and resumes', async () => {
    const id = await api.startId('approval', { timeoutMs: 60_000 });
    await api.waitForStatus(id, ['Running']);
    expect(await api.post(id, 'suspend')).toBe(202);
    await api.waitForStatus(id, ['Suspended']);
    expect(await api.raise(id, 'approve', 'later')).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.status(id))?.runtimeStatus).toBe('Suspended');
    expect((await fetch(`${fx}/instances/${id}/resume`, { method: 'POST' })).status).toBe(202);
    expect((await api.waitForStatus(id, ['Completed'])).output).toEqual({ approved: true, by: 'later' });
  });

  it('answers status 404 for unknown ids, 202 while running, and lists with filters and continuation tokens', async () => {
    expect((await api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/missing`)).status).toBe(404);
    const id = await api.startId('approval', { timeoutMs: 60_000 });
    const running = await api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/${id}`);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toContain(`/instances/${id}`);
    const list = await json(
      api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/?runtimeStatus=Running,Pending`),
    );
    expect((list.body as { instanceId: string }[]).map((s) => s.instanceId)).toContain(id);
    const page = await api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/?top=1`);
    const token = page.headers.get('x-ms-continuation-token');
    expect(token).toBeTruthy();
    const next = await json(
      api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/?top=1`, {
        headers: { 'x-ms-continuation-token': token as string },
      }),
    );
    expect((next.body as unknown[]).length).toBe(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await json(api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/?createdTimeFrom=${future}`))).body,
    ).toEqual([]);
    // The app's client follows continuation tokens and filters by status.
    const all = (await json(fetch(`${fx}/instances`))).body as { instanceId: string }[];
    const completed = (await json(fetch(`${fx}/instances?status=Completed`))).body as { runtimeStatus: string }[];
    expect(all.length).toBeGreaterThan(completed.length);
    expect(completed.every((s) => s.runtimeStatus === 'Completed')).toBe(true);
    expect(
      await json(api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/?runtimeStatus=Sleeping`)),
    ).toMatchObject({
      status: 400,
      body: { code: 'bad_runtime_status' },
    });
    await api.post(id, 'terminate');
  });

  it('purges finished instances only', async () => {
    const running = await api.startId('approval', { timeoutMs: 60_000 });
    expect(
      (await api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/${running}`, { method: 'DELETE' })).status,
    ).toBe(412);
    await api.post(running, 'terminate');
    await api.waitForStatus(running, ['Terminated']);
    expect((await json(fetch(`${fx}/instances/${running}`, { method: 'DELETE' }))).body).toEqual({
      instancesDeleted: 1,
    });
    expect(await api.status(running)).toBeUndefined();
    const purged = await json(
      api.fetch(`${host.url}/runtime/webhooks/durabletask/instances/?runtimeStatus=Terminated`, { method: 'DELETE' }),
    );
    expect([200, 404]).toContain(purged.status);
  });
});
