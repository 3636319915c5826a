// One deploy's replayed state and the moves every part of the orchestration makes: publishing the status, calling
// an activity raced against the cancel event, and pausing on a durable timer. Deterministic like all orchestrator
// code (docs/deploy.md, "The orchestrator"): time comes from the replay clock, every side effect is an activity.
import type { OrchestrationContext, Task } from 'durable-functions';
import { ActivityResult, CANCEL_EVENT, DeployError, DeployInput } from '../../core/deploy-model';
import {
  CurrentPhase,
  endPhase,
  initialTimeline,
  operationPhases,
  PhaseName,
  startPhase,
  TimelineEntry,
} from '../../core/timeline';
import type { ActivityInput, ActivityMessage, ActivityName, ActivityOutput, DeployRef } from '../activities';

/**
 * Schedules the activity `name`: the compiler holds `input` to the type its entry in the table declares. The deploy
 * travels beside the input so the activity's telemetry can name it.
 */
export function callActivity<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  deploy: DeployRef,
): Task {
  const message: ActivityMessage<N> = { ...input, deploy };
  return context.df.callActivity(name, message);
}

/** The activities that answer with an ActivityResult, and the value a successful one carries. */
type StepActivity = {
  [N in ActivityName]: ActivityOutput<N> extends ActivityResult<unknown> ? N : never;
}[ActivityName];
export type StepValue<N extends StepActivity> = ActivityOutput<N> extends ActivityResult<infer T> ? T : never;

/** Raised inside the orchestrator when the cancel event has arrived. */
export class Cancelled {
  /** `completed`: the phase's own step finished before the cancel was seen (its detail is then not "cancelled"). */
  constructor(
    readonly phase: PhaseName,
    readonly completed = false,
  ) {}
}

/** A phase failed with a coded error. */
export class PhaseFailed {
  constructor(
    readonly phase: PhaseName,
    readonly error: DeployError,
  ) {}
}

/** Turns an unexpected activity fault into a coded error, keeping only the first line (no stack traces). */
export function faultToError(err: unknown): DeployError {
  const raw = err instanceof Error ? err.message : String(err);
  const firstLine = raw.split('\n')[0]!.trim();
  const message = firstLine.replace(/^Activity function '[^']+' failed:\s*/, '').slice(0, 500);
  return { code: 'internal_error', message: message || 'an activity failed unexpectedly' };
}

/** The value (or the fault) of a task that already completed, as a `yield` of it would give. */
function unwrap(task: Task): unknown {
  if (task.isFaulted) throw task.result;
  return task.result;
}

/**
 * How a step treats a cancel: `abandon` a read-only check at once, `finish` a change in flight before stopping
 * (its effect must be known), or `ignore` it (the rollback, which a cancel itself may have started).
 */
export type OnCancel = 'abandon' | 'finish' | 'ignore';

export class DeployRun {
  readonly input: DeployInput;
  readonly deployId: string;
  readonly deploy: DeployRef;
  readonly startedAt: string;
  readonly startMs: number;
  timeline: TimelineEntry[];
  phase: CurrentPhase;
  image: string | null = null;
  /** One waiter for the whole run: a second waiter for the same event name would swallow the event. */
  readonly cancelEvent: Task;

  constructor(readonly context: OrchestrationContext) {
    this.input = context.df.getInput() as DeployInput;
    // The operation's phases in order: a deploy's, a rotation's, or a deploy's after its prelude.
    const phases = operationPhases(this.input.reason);
    this.timeline = initialTimeline(phases);
    this.phase = phases[0]!;
    this.deployId = context.df.instanceId;
    this.deploy = { id: this.deployId, target: this.input.target, reason: this.input.reason };
    this.startedAt = this.now();
    this.startMs = context.df.currentUtcDateTime.getTime();
    this.cancelEvent = context.df.waitForExternalEvent(CANCEL_EVENT);
  }

  get timings() {
    return this.input.timings;
  }

  /** Replay-clock time in milliseconds. */
  get nowMs(): number {
    return this.context.df.currentUtcDateTime.getTime();
  }

  now(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  get cancelRequested(): boolean {
    return this.cancelEvent.isCompleted;
  }

  publish(): void {
    this.context.df.setCustomStatus({
      phase: this.phase,
      target: this.input.target,
      image: this.image,
      reason: this.input.reason,
      cancel_requested: this.cancelEvent.isCompleted,
      timeline: this.timeline,
    });
  }

  begin(name: PhaseName, detail = ''): void {
    this.phase = name;
    this.timeline = startPhase(this.timeline, name, this.now(), detail);
    this.publish();
  }

  end(name: PhaseName, status: 'done' | 'skipped' | 'failed', detail: string): void {
    this.timeline = endPhase(this.timeline, name, status, this.now(), detail);
    this.publish();
  }

  /** Shows how a running phase stands (a wait's latest check). */
  progress(name: PhaseName, detail: string): void {
    this.timeline = this.timeline.map((e) => (e.name === name ? { ...e, detail: detail.slice(0, 200) } : e));
    this.publish();
  }

  /** Runs an activity returning ActivityResult; a coded failure or a fault becomes PhaseFailed. */
  *step<N extends StepActivity>(
    name: PhaseName,
    activity: N,
    activityInput: ActivityInput<N>,
    onCancel: OnCancel,
  ): Generator<Task, StepValue<N>, unknown> {
    if (onCancel === 'abandon' && this.cancelEvent.isCompleted) throw new Cancelled(name);
    let result: ActivityResult<StepValue<N>>;
    try {
      const task = callActivity(this.context, activity, activityInput, this.deploy);
      // A compound task never completes through a child that completed before it was built: race only while open.
      if (onCancel !== 'ignore' && !this.cancelEvent.isCompleted) {
        const winner = yield this.context.df.Task.any([task, this.cancelEvent]);
        if (winner === this.cancelEvent && onCancel === 'abandon') throw new Cancelled(name);
        // Seen, to be honoured once the change in flight ends: say so now ("Cancelling…").
        if (winner === this.cancelEvent) this.publish();
      }
      result = (task.isCompleted ? unwrap(task) : yield task) as ActivityResult<StepValue<N>>;
    } catch (err) {
      if (err instanceof Cancelled) throw err;
      throw new PhaseFailed(name, faultToError(err));
    }
    if (!result.ok) throw new PhaseFailed(name, result.error);
    return result.value;
  }

  /** After a phase ended: a cancel that arrived meanwhile stops the deploy before the next step. */
  stopIfCancelled(name: PhaseName): void {
    if (this.cancelEvent.isCompleted) throw new Cancelled(name, true);
  }

  /** Waits `seconds` on a durable timer unless the cancel event arrives first; true when cancelled. */
  *pause(seconds: number, cancellable = true): Generator<Task, boolean, unknown> {
    if (cancellable && this.cancelEvent.isCompleted) return true;
    // Derived from the replay clock (a copy, so the library's own Date is never mutated).
    const fireAt = structuredClone(this.context.df.currentUtcDateTime);
    fireAt.setTime(fireAt.getTime() + seconds * 1000);
    const timer = this.context.df.createTimer(fireAt);
    if (!cancellable) {
      yield timer;
      return false;
    }
    const winner = yield this.context.df.Task.any([timer, this.cancelEvent]);
    if (winner === this.cancelEvent) {
      timer.cancel();
      return true;
    }
    return false;
  }

  /**
   * A zero-second checkpoint: a cancel that arrived in the same batch as the last activity's result is only seen
   * once the orchestrator waits on something, so the decisions that matter (apply, success) wait here first.
   */
  *cancelArrived(): Generator<Task, boolean, unknown> {
    return yield* this.pause(0);
  }
}
