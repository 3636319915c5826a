// The wave across clusters (docs/policies.md "Waves"): group by group, every target of the group is updated by its
// own updateTarget sub-orchestration (its policy: approval, window, then a deploy of exactly the offered digest), all
// of a group at once. When every one succeeded the group soaks on a durable timer, then each target's health is
// checked (pods Ready on the digest, the service answering); only then does the next group start. A target that did
// not succeed halts the wave: its deploy already rolled it back; a target unhealthy after the soak is rolled back by
// the wave, through the lease service. Later groups stay untouched. A cancel (or a newer image superseding the wave)
// stops it before its next group. Deterministic: time from the replay clock, every look at the world an activity.
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import {
  SUPERSEDE_EVENT,
  UPDATE_TARGET_ORCHESTRATOR,
  UpdateTargetInput,
  UpdateTargetOutput,
} from '../core/update-model';
import type { WaveView } from '../core/contract/waves';
import {
  finished,
  haltText,
  initialWave,
  outcomeDetail,
  skipRest,
  targetStateOf,
  updateIdOf,
  WAVE_CANCEL_EVENT,
  WaveInput,
  withGroup,
  withTarget,
} from '../core/waves';
import type { WaveActivityInput, WaveActivityName, WaveActivityOutput } from './activities/wave';
import { faultToError } from './deploy/run.orchestrator';

/** Longest the wave follows a rollback it started before it records it as still running and ends. */
const ROLLBACK_FOLLOW_SECONDS = 3600;

/** What stops a wave before its next group: a deployer's cancel, or a newer image's wave superseding it. */
interface StopRequest {
  requester?: string;
  by?: string;
}

class WaveRun {
  readonly input: WaveInput;
  readonly waveId: string;
  view: WaveView;
  /** One waiter per event for the whole run (a second waiter for the same name would swallow the event). */
  private readonly cancelEvent: Task;
  private readonly supersedeEvent: Task;

  constructor(readonly context: OrchestrationContext) {
    this.input = context.df.getInput() as WaveInput;
    this.waveId = context.df.instanceId;
    this.cancelEvent = context.df.waitForExternalEvent(WAVE_CANCEL_EVENT);
    this.supersedeEvent = context.df.waitForExternalEvent(SUPERSEDE_EVENT);
    this.view = initialWave(this.waveId, this.input, this.now());
  }

  now(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  get stopped(): boolean {
    return this.cancelEvent.isCompleted || this.supersedeEvent.isCompleted;
  }

  /** The still-open stop events, to race against what the wave waits for. */
  get stopEvents(): Task[] {
    return this.stopped ? [] : [this.cancelEvent, this.supersedeEvent];
  }

  publish(): void {
    this.view = { ...this.view, cancel_requested: this.stopped };
    this.context.df.setCustomStatus(this.view);
  }

  call<N extends WaveActivityName>(name: N, input: WaveActivityInput<N>): Task {
    return this.context.df.callActivity(name, input);
  }

  /** Waits `seconds` on a durable timer; true when a stop arrived first (the timer is then cancelled). */
  *pause(seconds: number, stoppable = true): Generator<Task, boolean, unknown> {
    if (stoppable && this.stopped) return true;
    const fireAt = structuredClone(this.context.df.currentUtcDateTime);
    fireAt.setTime(fireAt.getTime() + seconds * 1000);
    const timer = this.context.df.createTimer(fireAt);
    if (!stoppable) {
      yield timer;
      return false;
    }
    const winner = yield this.context.df.Task.any([timer, ...this.stopEvents]);
    if (winner !== timer) {
      timer.cancel();
      return true;
    }
    return false;
  }

  /** The wave's end on a stop: the groups not started are skipped, and who stopped it is said. */
  stopHere(nextGroup: number, during: string): void {
    const superseded = this.supersedeEvent.isCompleted;
    const data = ((superseded ? this.supersedeEvent.result : this.cancelEvent.result) ?? {}) as StopRequest;
    const because = superseded
      ? `superseded by ${data.by ?? 'a newer image'} ${during}`
      : `cancelled by ${data.requester ?? 'a deployer'} ${during}`;
    this.view = finished(skipRest(this.view, nextGroup), superseded ? 'superseded' : 'cancelled', this.now(), because);
  }
}

export const updateWaveOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const run = new WaveRun(context);
  run.publish();
  if (run.input.supersedes.length > 0) {
    for (const previous of run.input.supersedes) if (!run.stopped) yield* awaitSuperseded(run, previous);
    if (!run.stopped) run.view = { ...run.view, state: 'running' };
  }
  let halted = false;
  for (let index = 0; index < run.view.groups.length && !halted; index++) {
    if (run.stopped) {
      run.stopHere(index, `before group ${run.view.groups[index]!.name}`);
      break;
    }
    halted = yield* runGroup(run, index);
  }
  if (run.view.finished_at === null) run.view = finished(run.view, 'succeeded', run.now());
  run.publish();
  return run.view;
};

/** The newer image's wave starts only once the wave it superseded has stopped (that one ends before its next group). */
function* awaitSuperseded(run: WaveRun, previous: string): Generator<Task, void, unknown> {
  for (;;) {
    let ended: boolean;
    try {
      ended = (yield run.call('waveEnded', { waveId: previous })) as WaveActivityOutput<'waveEnded'>;
    } catch {
      ended = false; // Durable did not answer: look again after the pause
    }
    if (ended) return;
    if (yield* run.pause(run.input.pollIntervalSeconds)) return;
  }
}

/** One group: its updates, the soak and the health check. Returns true when the wave halts (or stops) here. */
function* runGroup(run: WaveRun, index: number): Generator<Task, boolean, unknown> {
  const group = run.input.groups[index]!;
  run.view = { ...run.view, current_group: index };
  run.view = withGroup(run.view, index, { state: 'updating' });
  const updates = group.targets.map((target) => {
    const updateId = updateIdOf(run.waveId, target);
    run.view = withTarget(run.view, index, target, { state: 'updating', update_id: updateId });
    const input: UpdateTargetInput = {
      target,
      image: run.input.image,
      trigger: 'wave',
      policy: run.input.policies[target]!,
      offeredAt: run.input.offeredAt,
      waveId: run.waveId,
    };
    return { target, task: run.context.df.callSubOrchestrator(UPDATE_TARGET_ORCHESTRATOR, input, updateId) };
  });
  run.publish();

  // The group's updates run at once and are waited for together (a task is never put in a second compound task:
  // the library would emit its action again). A stop arriving meanwhile is shown at once, honoured after the group.
  const all = run.context.df.Task.all(updates.map((u) => u.task));
  const winner = yield run.context.df.Task.any([all, ...run.stopEvents]);
  if (winner !== all) {
    run.publish();
    // Updates still waiting (an approval, a window) end now; a deploy already started finishes.
    const open = updates.filter((u) => !u.task.isCompleted && !u.task.isFaulted);
    try {
      yield run.call('waveStopWaiting', {
        waveId: run.waveId,
        updateIds: open.map((u) => updateIdOf(run.waveId, u.target)),
      });
    } catch {
      // The updates then end by themselves (decision, deadline, window).
    }
  }
  for (const u of updates) {
    if (!u.task.isCompleted && !u.task.isFaulted) {
      try {
        yield u.task;
      } catch {
        // recorded below
      }
    }
    if (u.task.isCompleted) {
      const output = u.task.result as UpdateTargetOutput;
      run.view = withTarget(run.view, index, u.target, {
        state: targetStateOf(output),
        outcome: output.outcome,
        deploy_id: output.deployId,
        detail: outcomeDetail(output),
      });
    } else {
      const error = faultToError(u.task.result);
      run.view = withTarget(run.view, index, u.target, { state: 'failed', outcome: 'failed', detail: error.message });
    }
  }
  run.publish();

  if (run.stopped) {
    run.view = withGroup(run.view, index, { state: 'halted' });
    run.stopHere(index + 1, `while group ${group.name} updated`);
    return true;
  }
  const targets = run.view.groups[index]!.targets;
  if (!targets.every((t) => t.state === 'succeeded')) {
    yield* halt(run, index);
    return true;
  }

  const soakEnd = structuredClone(run.context.df.currentUtcDateTime);
  soakEnd.setTime(soakEnd.getTime() + group.soakSeconds * 1000);
  const soakEnds = soakEnd.toISOString();
  run.view = withGroup(run.view, index, { state: 'soaking', soak_ends_at: soakEnds });
  run.publish();
  if (yield* run.pause(group.soakSeconds)) {
    run.view = withGroup(run.view, index, { state: 'halted' });
    run.stopHere(index + 1, `during the soak of group ${group.name}`);
    return true;
  }

  run.view = withGroup(run.view, index, { state: 'checking' });
  run.publish();
  const unhealthy = yield* checkHealth(run, index);
  if (unhealthy.length > 0) {
    for (const target of unhealthy) yield* rollBack(run, index, target);
    yield* halt(run, index);
    return true;
  }
  run.view = withGroup(run.view, index, { state: 'succeeded' });
  run.publish();
  return false;
}

/** Ends the wave at group `index`: later groups skipped, the reason recorded, `wave_halted` sent. */
function* halt(run: WaveRun, index: number): Generator<Task, void, unknown> {
  run.view = withGroup(run.view, index, { state: 'halted' });
  run.view = finished(skipRest(run.view, index + 1), 'halted', run.now(), haltText(run.view.groups[index]!));
  run.publish();
  const first = run.view.groups[index]!.targets.find((t) => t.state !== 'succeeded')!;
  try {
    yield run.call('waveNotifyHalted', {
      waveId: run.waveId,
      target: first.target,
      tag: run.input.image.tag,
      digest: run.input.image.digest,
      deployId: first.rollback_deploy_id ?? first.deploy_id,
      outcome: first.state === 'rolled_back' ? 'rolled_back' : 'failed',
      error: { code: 'wave_halted', message: run.view.halted_because! },
    });
  } catch {
    // A notification never fails the wave (notify() itself does not throw; this is the host failing the call).
  }
}

/** Each target of the group, checked at once; returns the targets found unhealthy (their detail recorded). */
function* checkHealth(run: WaveRun, index: number): Generator<Task, string[], unknown> {
  const targets = run.input.groups[index]!.targets;
  const tasks = targets.map((target) =>
    run.call('waveCheckHealth', { target, digest: run.input.image.digest, watchSeconds: run.input.healthWatchSeconds }),
  );
  try {
    yield run.context.df.Task.all(tasks);
  } catch {
    // One check broke (it counts as unhealthy); the others' answers are still awaited, one by one.
    for (const task of tasks.filter((t) => !t.isCompleted && !t.isFaulted)) {
      try {
        yield task;
      } catch {
        // read below
      }
    }
  }
  const unhealthy: string[] = [];
  targets.forEach((target, i) => {
    const task = tasks[i]!;
    const health = task.isCompleted
      ? (task.result as WaveActivityOutput<'waveCheckHealth'>)
      : { healthy: false, detail: `the health check failed: ${faultToError(task.result).message}` };
    run.view = withTarget(run.view, index, target, { detail: health.detail });
    if (!health.healthy) {
      unhealthy.push(target);
      run.view = withTarget(run.view, index, target, { state: 'failed', outcome: 'unhealthy' });
    }
  });
  run.publish();
  return unhealthy;
}

/** Rolls a target found unhealthy after the soak back to its previous image, and follows that deploy to its end. */
function* rollBack(run: WaveRun, index: number, target: string): Generator<Task, void, unknown> {
  const note = (detail: string, patch: Partial<WaveView['groups'][number]['targets'][number]> = {}) => {
    const before = run.view.groups[index]!.targets.find((t) => t.target === target)!.detail;
    run.view = withTarget(run.view, index, target, { ...patch, detail: `${before}; ${detail}`.slice(0, 300) });
    run.publish();
  };
  let start: WaveActivityOutput<'waveRollback'>;
  try {
    start = (yield run.call('waveRollback', { target, waveId: run.waveId })) as WaveActivityOutput<'waveRollback'>;
  } catch (err) {
    note(`the rollback could not start: ${faultToError(err).message}`);
    return;
  }
  if (!start.ok) return note(`the rollback could not start: ${start.error.code}: ${start.error.message}`);
  if (!start.value.started) return note(`the rollback could not start: ${start.value.detail}`);
  const deployId = start.value.deployId;
  note(`rolling back (${deployId})`, { rollback_deploy_id: deployId });
  const polls = Math.ceil(ROLLBACK_FOLLOW_SECONDS / Math.max(1, run.input.pollIntervalSeconds));
  for (let i = 0; i < polls; i++) {
    yield* run.pause(Math.max(1, run.input.pollIntervalSeconds), false);
    let state: WaveActivityOutput<'waveReadDeploy'>;
    try {
      state = (yield run.call('waveReadDeploy', { target, deployId })) as WaveActivityOutput<'waveReadDeploy'>;
    } catch {
      continue; // the table did not answer: look again
    }
    if (!state.finished) continue;
    if (state.status === 'succeeded') return note('rolled back to the previous image', { state: 'rolled_back' });
    return note(`the rollback ended ${state.status}${state.detail ? ` (${state.detail})` : ''}`);
  }
  note(`the rollback was still running after ${ROLLBACK_FOLLOW_SECONDS} s`);
}
