import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent, type InstanceRecord, makeEvent } from '../durable/history.js';
import { loadDurableInternals, VERIFIED_DURABLE_VERSION } from '../durable/internals.js';
import { orchestrationTriggerValue } from '../durable/replay.js';
import { runningInstance } from '../../test/support/durable-instance.js';
import { REPO_ROOT } from './harness.js';

// Contract tests: each pins one fact about durable-functions (and @azure/functions) that the devhost relies on.
// If an upgrade breaks one, the devhost must be adapted before the pin in package.json moves.
/* eslint-disable @typescript-eslint/no-require-imports -- the library is CommonJS and loaded as the devhost loads it */
const df = require('durable-functions') as typeof import('durable-functions');
const { InvocationContext } = require('@azure/functions') as typeof import('@azure/functions');
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils') as {
  createOrchestrator: (
    fn: (ctx: unknown) => Generator<unknown, unknown, unknown>,
  ) => (trigger: unknown, ctx: unknown) => Promise<unknown>;
};
/* eslint-enable @typescript-eslint/no-require-imports */
const internals = loadDurableInternals(require);

interface Ctx {
  df: {
    callActivity(name: string, input?: unknown): unknown;
    callActivityWithRetry(name: string, options: unknown, input?: unknown): unknown;
    createTimer(at: Date): { cancel(): void };
    waitForExternalEvent(name: string): unknown;
    continueAsNew(input: unknown): void;
    setCustomStatus(value: unknown): void;
    currentUtcDateTime: Date;
    Task: { any(tasks: unknown[]): unknown; all(tasks: unknown[]): unknown };
    customStatus?: unknown;
    taskOrchestratorExecutor?: object;
  };
}

function record(history: HistoryEvent[], input: unknown = null): InstanceRecord {
  return runningInstance({ instanceId: 'contract', name: 'contract', input: JSON.stringify(input), history });
}

const t0 = new Date('2024-01-01T00:00:00Z');
const started = (): HistoryEvent[] => [
  makeEvent(EventType.OrchestratorStarted, t0),
  makeEvent(EventType.ExecutionStarted, t0, { Name: 'contract', Input: 'null' }),
];

async function run(
  fn: (ctx: Ctx) => Generator<unknown, unknown, unknown>,
  history: HistoryEvent[],
): Promise<{ ctx: Ctx; result?: unknown; error?: Error }> {
  const ctx = new df.DummyOrchestrationContext() as unknown as Ctx;
  const handler = createOrchestrator(fn as never);
  try {
    return { ctx, result: await handler(orchestrationTriggerValue(record(history)), ctx) };
  } catch (error) {
    return { ctx, error: error as Error };
  }
}

function tracked(ctx: Ctx): { id: unknown; type?: number }[] {
  return internals
    .trackedTasks(ctx.df.taskOrchestratorExecutor as object)
    .map((t) => ({ id: t.id, type: (t.actionObj as { actionType?: number } | undefined)?.actionType }));
}

describe('durable-functions contract', () => {
  it('is pinned to the exact version the devhost is verified with', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['durable-functions']).toBe(VERIFIED_DURABLE_VERSION);
    expect(internals.version).toBe(VERIFIED_DURABLE_VERSION);
    expect(pkg.dependencies['@azure/functions']).toBe('4.16.5');
  });

  it('assigns sequence numbers in yield order through trackOpenTask, and the context exposes its executor', async () => {
    const { ctx, result } = await run(function* (c) {
      yield c.df.Task.all([c.df.callActivity('a', 'x'), c.df.createTimer(new Date(t0.getTime() + 1000))]);
    }, started());
    expect(tracked(ctx)).toEqual([
      { id: 0, type: 0 },
      { id: 1, type: 5 },
    ]);
    // From schema V2 on, actions are cumulative, in one inner array; the activity's string input is JSON-encoded.
    const state = result as {
      isDone: boolean;
      actions: { actionType: number; input?: unknown; compoundActions?: unknown[] }[][];
    };
    expect(state.isDone).toBe(false);
    expect(state.actions).toHaveLength(1);
    expect(state.actions[0]?.[0]?.actionType).toBe(12);
  });

  it('encodes string activity inputs with JSON.stringify (processInput) and leaves objects alone', async () => {
    const { ctx } = await run(function* (c) {
      yield c.df.Task.all([c.df.callActivity('a', 'text'), c.df.callActivity('b', { k: 1 })]);
    }, started());
    const inputs = internals
      .trackedTasks(ctx.df.taskOrchestratorExecutor as object)
      .map((t) => (t.actionObj as { input: unknown }).input);
    expect(inputs).toEqual(['"text"', { k: 1 }]);
  });

  it('lays out RetryableTask children as [attempt, NoOp timer, NoOp attempt, ...] with retryOptions on the parent', async () => {
    const options = new df.RetryOptions(100, 3);
    const history = [
      ...started(),
      makeEvent(EventType.TaskScheduled, t0, { Name: 'a' }, 0),
      makeEvent(EventType.OrchestratorStarted, t0),
      makeEvent(EventType.TaskFailed, t0, { TaskScheduledId: 0, Reason: 'r', Details: 'd' }),
    ];
    const { ctx } = await run(function* (c) {
      yield c.df.callActivityWithRetry('a', options, null);
    }, history);
    const tasks = internals.trackedTasks(ctx.df.taskOrchestratorExecutor as object);
    expect(tasks.map((t) => t.id)).toEqual([0, 1]);
    const [attempt, timer] = tasks;
    expect(internals.isNoOp(timer as never)).toBe(true);
    expect(internals.isRetryable(timer?.parent)).toBe(true);
    expect(timer?.parent?.children?.indexOf(timer)).toBe(1);
    expect(timer?.parent?.children?.[0]).toBe(attempt);
    expect(timer?.parent?.retryOptions?.firstRetryIntervalInMilliseconds).toBe(100);
    expect((timer?.parent?.actionObj as { actionType: number; functionName: string }).functionName).toBe('a');
  });

  it('keys external-event waiters by name (not a sequence number) and resolves buffered events FIFO', async () => {
    const history = [
      ...started(),
      makeEvent(EventType.EventRaised, t0, { Name: 'go', Input: '1' }),
      makeEvent(EventType.EventRaised, t0, { Name: 'go', Input: '2' }),
    ];
    const { ctx, result } = await run(function* (c) {
      const a = yield c.df.waitForExternalEvent('go');
      const b = yield c.df.waitForExternalEvent('go');
      return [a, b];
    }, history);
    expect(tracked(ctx).map((t) => t.id)).toEqual(['go', 'go']);
    expect((result as { output: unknown }).output).toEqual([1, 2]);
  });

  it('marks a cancelled timer on its action (isCanceled)', async () => {
    const history = [...started(), makeEvent(EventType.EventRaised, t0, { Name: 'go', Input: '1' })];
    const { ctx } = await run(function* (c) {
      const timer = c.df.createTimer(new Date(t0.getTime() + 60_000));
      const event = c.df.waitForExternalEvent('go');
      yield c.df.Task.any([event, timer]);
      timer.cancel();
      return 'done';
    }, history);
    const timerTask = internals
      .trackedTasks(ctx.df.taskOrchestratorExecutor as object)
      .find((t) => (t.actionObj as { actionType: number }).actionType === 5);
    expect((timerTask?.actionObj as { isCanceled: boolean }).isCanceled).toBe(true);
  });

  it('reports continueAsNew as isDone with a ContinueAsNew action (type 4)', async () => {
    const { result } = await run(
      function* (c) {
        yield c.df.callActivity('a');
        c.df.continueAsNew('next');
      },
      [
        ...started(),
        makeEvent(EventType.TaskScheduled, t0, { Name: 'a' }, 0),
        makeEvent(EventType.TaskCompleted, t0, { TaskScheduledId: 0, Result: 'null' }),
      ],
    );
    const state = result as { isDone: boolean; actions: { actionType: number; input: unknown }[][] };
    expect(state.isDone).toBe(true);
    expect(state.actions.flat().find((a) => a.actionType === 4)?.input).toBe('"next"');
  });

  it('throws OrchestrationFailureError carrying the state after $OutOfProcData$, and keeps custom status on the context', async () => {
    const { ctx, error } = await run(
      function* (c) {
        c.df.setCustomStatus(0);
        yield c.df.callActivity('a');
        throw new Error('boom');
      },
      [
        ...started(),
        makeEvent(EventType.TaskScheduled, t0, { Name: 'a' }, 0),
        makeEvent(EventType.TaskCompleted, t0, { TaskScheduledId: 0, Result: 'null' }),
      ],
    );
    const at = error?.message.indexOf('\n\n$OutOfProcData$:') ?? -1;
    expect(at).toBeGreaterThanOrEqual(0);
    const state = JSON.parse(error?.message.slice(at + '\n\n$OutOfProcData$:'.length) ?? '{}') as { error: string };
    expect(state.error).toBe('boom');
    // OrchestratorState drops a falsy custom status; the context keeps it, which is where the devhost reads it.
    expect(ctx.df.customStatus).toBe(0);
  });

  it('reads TaskFailed as Reason + Details, and a failed task id with no open task parks silently (host must check ids)', async () => {
    const { result } = await run(
      function* (c) {
        try {
          yield c.df.callActivity('a');
          return 'no';
        } catch (err) {
          return (err as Error).message;
        }
      },
      [
        ...started(),
        makeEvent(EventType.TaskScheduled, t0, { Name: 'a' }, 0),
        makeEvent(EventType.TaskFailed, t0, { TaskScheduledId: 0, Reason: 'R', Details: 'D' }),
      ],
    );
    expect((result as { output: string }).output).toBe('R \n D');
  });

  it('lets the client work from the binding value (keyed webhook URLs, WEBSITE_HOSTNAME keeps the real origin)', async () => {
    const { durableClientValue } = await import('../durable/http-api.js');
    process.env.WEBSITE_HOSTNAME = '127.0.0.1:1234';
    const ctx = new InvocationContext({
      options: { extraInputs: [df.input.durableClient()] },
    });
    ctx.extraInputs.set(df.input.durableClient(), durableClientValue('http://127.0.0.1:1234', 'Hub', 'sys-key_1'));
    const client = df.getClient(ctx);
    const payload = client.createHttpManagementPayload('abc');
    expect(payload.statusQueryGetUri).toBe(
      'http://127.0.0.1:1234/runtime/webhooks/durabletask/instances/abc?taskHub=Hub&connection=Storage&code=sys-key_1',
    );
    expect(df.input.durableClient().name).toBe('durableClientInputd82f0ee27b');
  });
});
