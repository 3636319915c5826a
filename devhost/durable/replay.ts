import type { InvocationOutcome, Invoker } from '../invoke.js';
import type { RegisteredFunction } from '../registry.js';
import { type HistoryEvent, type InstanceRecord } from './history.js';
import type { DurableInternals, LibTask, RetryOptionsWire } from './internals.js';
import { retryDelayMs } from './retry.js';

/** How the orchestrator ended this episode. */
export type Outcome =
  | { kind: 'running' }
  | { kind: 'completed'; output: unknown }
  | { kind: 'continueAsNew'; input: unknown }
  | { kind: 'failed'; message: string; details: string };

/** One leaf task the replay tracked, described as the work the host must do for it. */
export interface TrackedWork {
  id: number;
  /** Determinism key: compared with the history event at the same sequence number. */
  key: string;
  kind: 'activity' | 'timer' | 'suborchestration' | 'unsupported';
  name?: string;
  input?: unknown;
  /** Timers the orchestrator created (absolute). */
  fireAt?: Date;
  /** Retry timers: the delay the host chooses after a failed attempt. */
  retryDelayMs?: number;
  retry?: { options: RetryOptionsWire; firstAttemptId: number };
  instanceId?: string;
  cancelled: boolean;
  /** For unsupported work: what it was. */
  what?: string;
}

export interface ReplayResult {
  outcome: Outcome;
  /** Present when the replay set a custom status (kept even when falsy, unlike OrchestratorState). */
  customStatus?: { value: unknown };
  work: TrackedWork[];
  waiters: { name: string; resolved: boolean }[];
  invocation: InvocationOutcome;
}

/** Action types from the durable-functions wire format (ActionType enum). */
const enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  LockEntities = 13,
}

interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: Date | string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: RetryOptionsWire;
}

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/** The trigger value the Durable extension sends an out-of-process orchestrator (schema V4 with timer settings). */
export function orchestrationTriggerValue(rec: InstanceRecord): Record<string, unknown> {
  const value = {
    history: rec.history,
    input: rec.input === null ? null : JSON.parse(rec.input),
    instanceId: rec.instanceId,
    isReplaying: rec.history.some((e) => e.IsPlayed),
    parentInstanceId: rec.parent?.instanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  // The worker hands over parsed JSON; a round trip gives the library plain data, as in Azure.
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** Runs one replay of the instance's history through the registered orchestrator (the real library's executor). */
export async function replay(
  rec: InstanceRecord,
  fn: RegisteredFunction,
  invoker: Invoker,
  internals: DurableInternals,
): Promise<ReplayResult> {
  const invocation = await invoker.invoke(fn, orchestrationTriggerValue(rec));
  const df = (invocation.context as unknown as { df?: { customStatus?: unknown; taskOrchestratorExecutor?: object } })
    .df;
  const tracked = df?.taskOrchestratorExecutor ? internals.trackedTasks(df.taskOrchestratorExecutor) : [];
  const work: TrackedWork[] = [];
  const waiters: { name: string; resolved: boolean }[] = [];
  for (const task of tracked) {
    const action = task.actionObj as WireAction | undefined;
    if (action && typeof action === 'object' && action.actionType === ActionType.WaitForExternalEvent) {
      waiters.push({ name: String(task.id), resolved: task.stateObj !== internals.taskRunning });
      continue;
    }
    if (typeof task.id !== 'number') continue;
    work.push(describeTask(task, internals));
  }
  work.sort((a, b) => a.id - b.id);
  const result: ReplayResult = { outcome: outcomeOf(invocation), work, waiters, invocation };
  if (df && df.customStatus !== undefined) result.customStatus = { value: df.customStatus };
  return result;
}

function describeTask(task: LibTask, internals: DurableInternals): TrackedWork {
  const id = task.id as number;
  const parent = task.parent;
  if (internals.isNoOp(task) && parent && internals.isRetryable(parent) && parent.children && parent.retryOptions) {
    // RetryableTask children: [attempt 0, timer, attempt, timer, ...]; odd positions are the retry timers.
    const index = parent.children.indexOf(task);
    const first = parent.children[0];
    const retry = { options: parent.retryOptions, firstAttemptId: typeof first?.id === 'number' ? first.id : id };
    if (index % 2 === 1) {
      return {
        id,
        key: 'timer',
        kind: 'timer',
        retry,
        retryDelayMs: retryDelayMs(parent.retryOptions, (index - 1) / 2),
        cancelled: false,
      };
    }
    return { ...describeAction(id, parent.actionObj as WireAction), retry };
  }
  return describeAction(id, task.actionObj as WireAction);
}

function describeAction(id: number, action: WireAction | undefined): TrackedWork {
  switch (action?.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return {
        id,
        key: `activity '${action.functionName}'`,
        kind: 'activity',
        name: action.functionName as string,
        input: decodeProcessedInput(action.input),
        cancelled: false,
      };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return {
        id,
        key: `sub-orchestration '${action.functionName}'`,
        kind: 'suborchestration',
        name: action.functionName as string,
        input: action.input,
        instanceId: action.instanceId || undefined,
        cancelled: false,
      };
    case ActionType.CreateTimer:
      return {
        id,
        key: 'timer',
        kind: 'timer',
        fireAt: new Date(action.fireAt as Date),
        cancelled: action.isCanceled === true,
      };
    default: {
      const names: Record<number, string> = {
        [ActionType.CallEntity]: 'callEntity',
        [ActionType.SignalEntity]: 'signalEntity',
        [ActionType.LockEntities]: 'lock',
        [ActionType.CallHttp]: 'callHttp',
      };
      const what = action ? (names[action.actionType] ?? `action type ${action.actionType}`) : 'an unknown task';
      return { id, key: what, kind: 'unsupported', what, cancelled: false };
    }
  }
}

/**
 * Activity and continueAsNew inputs pass through the library's processInput, which JSON-encodes strings only; the
 * worker decodes them again, so the function receives the original value.
 */
export function decodeProcessedInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

function outcomeOf(invocation: InvocationOutcome): Outcome {
  if (invocation.error !== undefined) return failureOf(invocation.error);
  const state = invocation.result as { isDone?: boolean; actions?: unknown[][]; output?: unknown } | undefined;
  if (!state || typeof state !== 'object') {
    return {
      kind: 'failed',
      message: 'The orchestrator returned no state (is it registered with df.app.orchestration?)',
      details: '',
    };
  }
  if (!state.isDone) return { kind: 'running' };
  const actions = (state.actions ?? []).flat() as WireAction[];
  const continueAsNew = actions.filter((a) => a && a.actionType === ActionType.ContinueAsNew).pop();
  if (continueAsNew) return { kind: 'continueAsNew', input: decodeProcessedInput(continueAsNew.input) };
  return { kind: 'completed', output: state.output };
}

/** OrchestrationFailureError carries the real error in the `$OutOfProcData$` state; anything else is its own message. */
function failureOf(error: unknown): Outcome {
  const err = error instanceof Error ? error : new Error(String(error));
  const at = err.message.indexOf(OUT_OF_PROC_LABEL);
  if (at >= 0) {
    try {
      const state = JSON.parse(err.message.slice(at + OUT_OF_PROC_LABEL.length)) as { error?: string };
      return { kind: 'failed', message: state.error ?? 'The orchestrator failed.', details: '' };
    } catch {
      // fall through to the plain message
    }
  }
  return { kind: 'failed', message: err.message, details: err.stack ?? '' };
}

export type { HistoryEvent };
