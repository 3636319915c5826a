// Drives an orchestrator through the real durable-functions replay engine, the way the Functions host does: each
// episode hands the library the whole history plus new events, reads back its cumulative actions, numbers them
// the way DTFx does, and turns them into history. Activities are answered by the test's scenario (they are the
// boundary of the unit under test); timers fire at their due time on a simulated clock unless an event the
// scenario raises wins first.
import { InvocationContext } from '@azure/functions';
import type { OrchestrationHandler } from 'durable-functions';
// The library's own test entry point (deep import; pinned version 3.5.0).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils') as {
  createOrchestrator: (fn: OrchestrationHandler) => (trigger: unknown, ctx: InvocationContext) => Promise<unknown>;
};

export type HistoryEvent = Record<string, unknown> & { EventType: number };

interface Action {
  actionType: number;
  functionName?: string;
  /** A sub-orchestration's instance id (CallSubOrchestrator). */
  instanceId?: string;
  input?: unknown;
  retryOptions?: RetryWire;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
}

interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

/** RetryOptions as the library sends them with a CallActivityWithRetry action. */
interface RetryWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

/**
 * A callActivityWithRetry's attempts, as the host runs them: after each failed attempt a retry timer, then (while
 * attempts remain) the next attempt — each a history event with the next sequence number, which the library's
 * RetryableTask expects (it tracks one NoOp child per timer and per attempt). Sequential use only: a retried call
 * whose retries interleave with other new tasks of the same orchestrator is not modelled.
 */
interface RetryState {
  options: RetryWire;
  /** Sequence numbers taken after the first attempt's (timers and later attempts). */
  extraIds: number;
  attemptId: number;
  attempts: number;
  /** Episode in which the failed attempt's retry timer is created / the next attempt is scheduled. */
  timerDue: number | null;
  attemptDue: number | null;
}

export interface ActivityCall {
  name: string;
  input: unknown;
  at: number;
}

export interface ScenarioContext {
  /** Simulated time since the orchestration started, in seconds. */
  elapsedSeconds: number;
  /** Lets the activity take simulated time (e.g. a bounded watch that ran to its limit). */
  advance(seconds: number): void;
  /**
   * Raise an external event. `after` (default): once the orchestrator waits (before the next timer fires);
   * `during`: while this activity runs, so it reaches the orchestrator just before the activity's result; `with`:
   * in the same batch as the result, just after it (what a host delivers when both arrived meanwhile).
   */
  raise(eventName: string, data?: unknown, when?: 'after' | 'during' | 'with'): void;
  /** How many times this activity was called before (0 for the first call). */
  callIndex: number;
}

export type ActivityHandler = (input: any, ctx: ScenarioContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ReplayResult {
  runtimeStatus: 'Completed' | 'Failed';
  output: unknown;
  error: string | null;
  customStatus: unknown;
  history: HistoryEvent[];
  calls: ActivityCall[];
  episodes: number;
  /** Every customStatus the orchestrator published, in order (one per episode). */
  statuses: unknown[];
  /**
   * What the orchestrator decided, episode by episode: the actions it added to its cumulative list (activities with
   * their inputs, timers relative to the start, event waits, compound any/all) and the timers it cancelled. A history
   * recorded by one version replays on another exactly when their traces agree on every path.
   */
  trace: string[][];
}

/** One action as a readable line; compound tasks list their children. */
function describeAction(a: Action): string {
  switch (a.actionType) {
    case 2:
      return `suborchestration ${a.functionName} ${a.instanceId ?? ''} ${typeof a.input === 'string' ? a.input : JSON.stringify(a.input ?? null)}`;
    case 0:
      return `activity ${a.functionName} ${typeof a.input === 'string' ? a.input : JSON.stringify(a.input ?? null)}`;
    case 1:
      return `activity with retry ${a.functionName} ${JSON.stringify(a.retryOptions ?? null)}`;
    case 5:
      return `timer +${(Date.parse(a.fireAt!) - START) / 1000}s`;
    case 6:
      return `wait event ${a.externalEventName}`;
    case 11:
    case 12:
      return `${a.actionType === 11 ? 'any' : 'all'}[${(a.compoundActions ?? []).map(describeAction).join(' | ')}]`;
    default:
      return `action ${a.actionType} ${JSON.stringify(a)}`;
  }
}

const START = Date.parse('2026-01-01T00:00:00.000Z');

/** What the host hands the orchestrator function for one episode. */
function orchestrationTrigger(history: HistoryEvent[], input: unknown, instanceId: string): unknown {
  return JSON.parse(
    JSON.stringify({
      history,
      input,
      instanceId,
      isReplaying: false,
      parentInstanceId: null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    }),
  );
}

/**
 * Replays episode `episode` (1-based) of a recorded history on `orchestrator`, as a host does for an instance that
 * was in flight there: every earlier event played, the episode's new events (completions, timers fired, events
 * raised) not yet. Returns the orchestrator's cumulative actions as the trace describes them (cancellations aside).
 */
export async function replayEpisode(
  orchestrator: OrchestrationHandler,
  input: unknown,
  recorded: HistoryEvent[],
  episode: number,
  instanceId = 'test-instance',
): Promise<{ actions: string[]; isDone: boolean; output: unknown }> {
  const starts = recorded.flatMap((e, i) => (e.EventType === 12 ? [i] : []));
  const from = starts[episode - 1];
  if (from === undefined) throw new Error(`the history has no episode ${episode}`);
  let to = from + 1;
  // The episode's incoming events; what it scheduled (4 TaskScheduled, 10 TimerCreated) and its end (13) follow.
  while (to < recorded.length && ![4, 10, 13].includes(recorded[to]!.EventType)) to++;
  const history = recorded.slice(0, to).map((e, i) => ({ ...e, IsPlayed: i < from }));
  const handler = createOrchestrator(orchestrator);
  const ctx = new InvocationContext({ functionName: 'orchestrator', invocationId: `replay-${episode}` });
  const state = (await handler(orchestrationTrigger(history, input, instanceId), ctx)) as OrchestratorState;
  return { actions: (state.actions[0] ?? []).map(describeAction), isDone: state.isDone, output: state.output ?? null };
}

export async function replay(
  orchestrator: OrchestrationHandler,
  input: unknown,
  activities: Record<string, ActivityHandler>,
  options: { instanceId?: string; maxEpisodes?: number } = {},
): Promise<ReplayResult> {
  const handler = createOrchestrator(orchestrator);
  const instanceId = options.instanceId ?? 'test-instance';
  const history: HistoryEvent[] = [];
  const calls: ActivityCall[] = [];
  const statuses: unknown[] = [];
  const trace: string[][] = [];
  let traced = 0;
  const cancelledTimers = new Set<number>();
  const callCounts = new Map<string, number>();
  let clock = START;
  let inbox: HistoryEvent[] = [];
  const pendingEvents: HistoryEvent[] = [];
  const scheduled = new Set<number>();
  const timers = new Map<number, { fireAt: number }>();
  const retries = new Map<number, RetryState>();
  const retryTimers = new Map<number, RetryState>();
  let lastCustomStatus: unknown = null;

  const stamp = () => new Date(clock).toISOString();
  for (let episode = 1; episode <= (options.maxEpisodes ?? 2000); episode++) {
    for (const e of history) e.IsPlayed = true;
    history.push({ EventType: 12, EventId: -1, IsPlayed: false, Timestamp: stamp() });
    if (episode === 1) {
      history.push({
        EventType: 0,
        EventId: -1,
        IsPlayed: false,
        Timestamp: stamp(),
        Name: 'orchestrator',
        Input: JSON.stringify(input),
        OrchestrationInstance: { InstanceId: instanceId, ExecutionId: 'exec-1' },
      });
    }
    history.push(...inbox);
    inbox = [];

    const trigger = orchestrationTrigger(history, input, instanceId);
    const ctx = new InvocationContext({ functionName: 'orchestrator', invocationId: `ep-${episode}` });
    let state: OrchestratorState;
    try {
      state = (await handler(trigger, ctx)) as OrchestratorState;
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      const marker = text.indexOf('$OutOfProcData$:');
      if (marker < 0) throw err;
      state = JSON.parse(text.slice(marker + '$OutOfProcData$:'.length)) as OrchestratorState;
      history.push({ EventType: 13, EventId: -1, IsPlayed: false, Timestamp: stamp() });
      return {
        runtimeStatus: 'Failed',
        output: null,
        error: state.error ?? 'failed',
        customStatus: state.customStatus ?? lastCustomStatus,
        history,
        calls,
        episodes: episode,
        statuses,
        trace,
      };
    }
    if (state.customStatus !== undefined) lastCustomStatus = state.customStatus;
    statuses.push(lastCustomStatus);

    // A retried call's host-side steps due now: its retry timer after a failure, its next attempt after the timer.
    for (const r of retries.values()) {
      if (r.timerDue === episode) {
        r.timerDue = null;
        const id = r.attemptId + 1;
        r.extraIds += 1;
        const delay = retryDelayMs(r.options, r.attempts - 1);
        const fireAt = clock + delay;
        history.push({
          EventType: 10,
          EventId: id,
          IsPlayed: false,
          Timestamp: stamp(),
          FireAt: new Date(fireAt).toISOString(),
        });
        timers.set(id, { fireAt });
        retryTimers.set(id, r);
      }
      if (r.attemptDue === episode) {
        r.attemptDue = null;
        r.extraIds += 1;
        r.attemptId += 2;
      }
    }

    // Number the cumulative actions as DTFx does: one sequence number per activity and timer, none for event waits;
    // a retried call takes one more per retry timer and per later attempt, and is scheduled under its latest attempt's.
    const flat: (Action & { id: number | null; retryKey?: number })[] = [];
    let seq = 0;
    let retryIndex = 0;
    const walk = (a: Action) => {
      if (a.actionType === 11 || a.actionType === 12) a.compoundActions?.forEach(walk);
      else if (a.actionType === 6) flat.push({ ...a, id: null });
      else if (a.actionType === 1) {
        const key = retryIndex++;
        const r = retries.get(key);
        flat.push({ ...a, id: r ? r.attemptId : seq, retryKey: key });
        seq += 1 + (r?.extraIds ?? 0);
      } else flat.push({ ...a, id: seq++ });
    };
    (state.actions[0] ?? []).forEach(walk);

    const cumulative = state.actions[0] ?? [];
    const added = cumulative.slice(traced).map(describeAction);
    traced = cumulative.length;
    for (const a of flat) {
      if (a.actionType === 5 && a.isCanceled && a.id !== null && !cancelledTimers.has(a.id)) {
        cancelledTimers.add(a.id);
        added.push(`cancel timer ${a.id}`);
      }
    }
    trace.push(added);

    for (const a of flat) {
      if (a.id === null) continue;
      if (a.actionType === 5 && a.isCanceled) timers.delete(a.id);
      if (scheduled.has(a.id)) continue;
      scheduled.add(a.id);
      // A sub-orchestration (2) is answered like an activity: the scenario gives its output (or its failure).
      const sub = a.actionType === 2;
      if (a.actionType === 0 || a.actionType === 1 || sub) {
        let retry: RetryState | null = null;
        if (a.actionType === 1) {
          retry = retries.get(a.retryKey!) ?? null;
          if (!retry) {
            retry = {
              options: a.retryOptions!,
              extraIds: 0,
              attemptId: a.id,
              attempts: 0,
              timerDue: null,
              attemptDue: null,
            };
            retries.set(a.retryKey!, retry);
          }
          retry.attempts += 1;
        }
        history.push({
          EventType: sub ? 7 : 4,
          EventId: a.id,
          IsPlayed: false,
          Timestamp: stamp(),
          Name: a.functionName,
          ...(sub ? { InstanceId: a.instanceId } : {}),
          // As the host stores it; replay matches the completion by EventId, never by input.
          Input: typeof a.input === 'string' ? a.input : JSON.stringify(a.input ?? null),
        });
        const name = a.functionName!;
        const activity = activities[name];
        if (!activity) throw new Error(`scenario has no activity "${name}"`);
        const callIndex = callCounts.get(name) ?? 0;
        callCounts.set(name, callIndex + 1);
        const activityInput = typeof a.input === 'string' ? JSON.parse(a.input) : a.input;
        calls.push({ name, input: activityInput, at: (clock - START) / 1000 });
        let advance = 0;
        const raised: HistoryEvent[] = [];
        const during: HistoryEvent[] = [];
        const withResult: HistoryEvent[] = [];
        const sctx: ScenarioContext = {
          elapsedSeconds: (clock - START) / 1000,
          advance: (s) => (advance += s),
          raise: (eventName, data, when = 'after') =>
            (when === 'during' ? during : when === 'with' ? withResult : raised).push({
              EventType: 15,
              EventId: -1,
              IsPlayed: false,
              Name: eventName,
              Input: JSON.stringify(data ?? null),
            }),
          callIndex,
        };
        let completion: HistoryEvent;
        try {
          const result = await activity(activityInput, sctx);
          completion = {
            EventType: sub ? 8 : 5,
            EventId: -1,
            IsPlayed: false,
            TaskScheduledId: a.id,
            Result: JSON.stringify(result ?? null),
          };
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          completion = {
            EventType: sub ? 9 : 6,
            EventId: -1,
            IsPlayed: false,
            TaskScheduledId: a.id,
            Reason: sub ? e.message : `Activity function '${name}' failed: ${e.message}`,
            Details: e.stack ?? '',
          };
          // The host's retry timer follows every failed attempt (the library expects it even after the last one).
          if (retry) retry.timerDue = episode + 1;
        }
        clock += Math.max(advance, 0.05) * 1000;
        inbox.push(...during.map((e) => ({ ...e, Timestamp: stamp() })));
        inbox.push({ ...completion, Timestamp: stamp() });
        inbox.push(...withResult.map((e) => ({ ...e, Timestamp: stamp() })));
        pendingEvents.push(...raised);
      } else if (a.actionType === 5) {
        history.push({ EventType: 10, EventId: a.id, IsPlayed: false, Timestamp: stamp(), FireAt: a.fireAt });
        timers.set(a.id, { fireAt: Date.parse(a.fireAt!) });
      }
    }
    history.push({ EventType: 13, EventId: -1, IsPlayed: false, Timestamp: stamp() });

    if (state.isDone) {
      history.push({ EventType: 1, EventId: -1, IsPlayed: false, Timestamp: stamp(), OrchestrationStatus: 1 });
      return {
        runtimeStatus: 'Completed',
        output: state.output ?? null,
        error: null,
        customStatus: lastCustomStatus,
        history,
        calls,
        episodes: episode,
        statuses,
        trace,
      };
    }
    if (inbox.length > 0) continue;
    // Raised events win over timers (they were raised "while" the orchestrator was busy).
    if (pendingEvents.length > 0) {
      inbox.push(...pendingEvents.splice(0).map((e) => ({ ...e, Timestamp: stamp() })));
      continue;
    }
    const next = [...timers.entries()].sort((x, y) => x[1].fireAt - y[1].fireAt)[0];
    if (!next) throw new Error(`orchestration is stuck after episode ${episode}: nothing scheduled`);
    timers.delete(next[0]);
    const retried = retryTimers.get(next[0]);
    if (retried && retried.attempts < retried.options.maxNumberOfAttempts) retried.attemptDue = episode + 1;
    clock = Math.max(clock, next[1].fireAt);
    inbox.push({
      EventType: 11,
      EventId: -1,
      IsPlayed: false,
      Timestamp: stamp(),
      TimerId: next[0],
      FireAt: new Date(next[1].fireAt).toISOString(),
    });
  }
  throw new Error('orchestration did not finish within the episode limit');
}

/** The host's delay before the attempt after failed attempt `index` (0-based): first × backoff^index, capped. */
function retryDelayMs(options: RetryWire, index: number): number {
  const backoff = options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, index);
  return options.maxRetryIntervalInMilliseconds ? Math.min(delay, options.maxRetryIntervalInMilliseconds) : delay;
}

/** Who asked, when, and the waits: the same in every replayed scenario (the pinned histories depend on them). */
export const TEST_REQUEST = {
  requester: 'tester',
  requestedAt: '2026-01-01T00:00:00.000Z',
  timings: {
    pollIntervalSeconds: 5,
    watchSeconds: 90,
    rolloutTimeoutSeconds: 600,
    externalIpTimeoutSeconds: 300,
    verifyTimeoutSeconds: 120,
    dependencyRetrySeconds: 30,
  },
} as const;
