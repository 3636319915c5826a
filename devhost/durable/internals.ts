/**
 * The one place that relies on durable-functions internals (lib/src/**). The devhost reads the sequence numbers the
 * library assigns while it replays, instead of re-deriving them, by wrapping TaskOrchestrationExecutor.trackOpenTask.
 * Every fact used here is pinned by devhost/test/durable-contract.test.ts; `VERIFIED_DURABLE_VERSION` is the version
 * those tests were written against.
 */
export const VERIFIED_DURABLE_VERSION = '3.5.0';

/** The subset of a library task the devhost reads. */
export interface LibTask {
  id: number | string | false;
  actionObj: unknown;
  stateObj: number;
  parent?: LibTask;
  children?: LibTask[];
  retryOptions?: RetryOptionsWire;
}

export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface DurableInternals {
  version: string;
  taskRunning: number;
  isCompound(task: LibTask): boolean;
  isNoOp(task: LibTask): boolean;
  isRetryable(task: LibTask | undefined): boolean;
  /** Leaf tasks the executor tracked (gave a sequence number or an event name) during the replay that used it. */
  trackedTasks(executor: object): LibTask[];
}

type Ctor = abstract new (...args: never[]) => unknown;
const TRACKED = Symbol.for('elb-devhost.trackedTasks');
const PATCHED = Symbol.for('elb-devhost.trackOpenTaskPatched');

/** Loads the internals from the app's own copy of durable-functions (the copy its orchestrators run on). */
export function loadDurableInternals(appRequire: NodeJS.Require): DurableInternals {
  const pkg = appRequire('durable-functions/package.json') as { version: string };
  const executorModule = appRequire('durable-functions/lib/src/orchestrations/TaskOrchestrationExecutor') as {
    TaskOrchestrationExecutor: { prototype: Record<string | symbol, unknown> };
  };
  const tasks = appRequire('durable-functions/lib/src/task') as Record<string, unknown>;
  const need = (name: string): Ctor => {
    const value = tasks[name];
    if (typeof value !== 'function') throw new Error(`durable-functions ${pkg.version}: lib/src/task has no ${name}`);
    return value as Ctor;
  };
  const CompoundTask = need('CompoundTask');
  const NoOpTask = need('NoOpTask');
  const RetryableTask = need('RetryableTask');
  const taskState = tasks.TaskState as Record<string, number> | undefined;
  if (!taskState || typeof taskState.Running !== 'number')
    throw new Error(`durable-functions ${pkg.version}: no TaskState`);

  const proto = executorModule.TaskOrchestrationExecutor.prototype;
  const original = proto.trackOpenTask;
  if (typeof original !== 'function') {
    throw new Error(`durable-functions ${pkg.version}: TaskOrchestrationExecutor.trackOpenTask is missing`);
  }
  if (!proto[PATCHED]) {
    proto.trackOpenTask = function trackOpenTask(this: Record<symbol, unknown>, task: LibTask): unknown {
      const result = (original as (t: LibTask) => unknown).call(this, task);
      if (!(task instanceof CompoundTask)) {
        let seen = this[TRACKED] as Set<LibTask> | undefined;
        if (!seen) {
          seen = new Set();
          this[TRACKED] = seen;
        }
        seen.add(task);
      }
      return result;
    };
    proto[PATCHED] = true;
  }
  return {
    version: pkg.version,
    taskRunning: taskState.Running,
    isCompound: (task) => task instanceof CompoundTask,
    isNoOp: (task) => task instanceof NoOpTask,
    isRetryable: (task) => task !== undefined && task instanceof RetryableTask,
    trackedTasks: (executor) => [
      ...(((executor as Record<symbol, unknown>)[TRACKED] as Set<LibTask> | undefined) ?? []),
    ],
  };
}
