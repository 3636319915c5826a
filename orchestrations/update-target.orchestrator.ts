// updateTarget: one newer image through one target's update policy (docs/policies.md). In `approve` mode it waits for
// a deployer's decision — an external event raced with a durable timer, never a polling loop; outside the maintenance
// window it waits for the window on a durable timer; a newer image supersedes it while it waits. Then it deploys
// exactly the offered digest under the target's lease (the deploy is an ordinary `auto` deploy with its own history
// record) and ends with that deploy's outcome. Deterministic like all orchestrator code: time is the replay clock,
// every look at the world is an activity (orchestrations/activities/update.ts). Waves call it once per target.
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from 'durable-functions';
import * as z from 'zod/mini';
import { UpdateDecision as DecisionSchema } from '../core/contract/update';
import {
  DECISION_EVENT,
  LEASE_WAIT_LIMIT_SECONDS,
  SUPERSEDE_EVENT,
  UpdateDecision,
  UpdateOutcome,
  UpdateProgress,
  UpdateTargetInput,
  UpdateTargetOutput,
} from '../core/update-model';
import type {
  UpdateActivityInput,
  UpdateActivityName,
  UpdateActivityOutput,
  UpdateBeginResult,
} from './activities/update';

type Ended = Pick<UpdateTargetOutput, 'outcome' | 'error'> & { deployId?: string | null };

/** A decision as the approval route raises it; anything else (an event raised by hand) is not one, and is ignored. */
export function validDecision(value: unknown): UpdateDecision | null {
  const parsed = z.safeParse(DecisionSchema, value);
  return parsed.success ? parsed.data : null;
}

class UpdateRun {
  readonly input: UpdateTargetInput;
  readonly id: string;
  /** One waiter for the whole run: a newer image for the target ends a wait (not a deploy that has started). */
  readonly superseded: Task;
  progress: UpdateProgress;
  settings: UpdateBeginResult | null = null;

  constructor(readonly context: OrchestrationContext) {
    this.input = context.df.getInput() as UpdateTargetInput;
    this.id = context.df.instanceId;
    this.superseded = context.df.waitForExternalEvent(SUPERSEDE_EVENT);
    this.progress = {
      state: this.input.policy.mode === 'approve' ? 'waiting_for_approval' : 'waiting_for_window',
      target: this.input.target,
      image: this.input.image,
      trigger: this.input.trigger,
      offered_at: this.input.offeredAt,
      expires_at: null,
      window: null,
      window_opens_at: null,
      deploy_id: null,
      decision: null,
      outcome: null,
      detail: '',
    };
  }

  call<N extends UpdateActivityName>(name: N, input: UpdateActivityInput<N>): Task {
    return this.context.df.callActivity(name, input);
  }

  publish(change: Partial<UpdateProgress>): void {
    this.progress = { ...this.progress, ...change };
    this.context.df.setCustomStatus(this.progress);
  }

  /** A timer at `ms` (epoch) on the replay clock's terms. */
  timerAt(ms: number): TimerTask {
    const at = structuredClone(this.context.df.currentUtcDateTime);
    at.setTime(Math.max(ms, at.getTime()));
    return this.context.df.createTimer(at);
  }

  isoAt(ms: number): string {
    const at = structuredClone(this.context.df.currentUtcDateTime);
    at.setTime(ms);
    return at.toISOString();
  }

  get nowMs(): number {
    return this.context.df.currentUtcDateTime.getTime();
  }

  /** Waits for `timer` unless a newer image arrives first; true when superseded. */
  *waitOrSuperseded(timer: TimerTask): Generator<Task, boolean, unknown> {
    if (this.superseded.isCompleted) {
      timer.cancel();
      return true;
    }
    const winner = yield this.context.df.Task.any([timer, this.superseded]);
    if (winner === this.superseded) {
      timer.cancel();
      return true;
    }
    return false;
  }
}

const supersededEnd = (run: UpdateRun): Ended => ({
  outcome: 'superseded',
  error: {
    code: 'superseded',
    message: `a newer image for ${run.input.target} took the place of ${run.input.image.tag}`,
  },
});

/** The approval: a decision, the deadline or a newer image, whichever comes first. */
function* approval(run: UpdateRun, expiresAtMs: number): Generator<Task, Ended | UpdateDecision, unknown> {
  const deadline = run.timerAt(expiresAtMs);
  for (;;) {
    if (run.superseded.isCompleted) {
      deadline.cancel();
      return supersededEnd(run);
    }
    const decided = run.context.df.waitForExternalEvent(DECISION_EVENT);
    const winner = yield run.context.df.Task.any([decided, deadline, run.superseded]);
    if (winner === run.superseded) {
      deadline.cancel();
      return supersededEnd(run);
    }
    if (winner === deadline) {
      return {
        outcome: 'expired',
        error: {
          code: 'expired',
          message: `no decision within ${run.input.policy.approvalTimeoutHours} h; the update to ${run.input.image.tag} ended`,
        },
      };
    }
    const decision = validDecision(decided.result);
    // Not a decision the route would raise: keep waiting, within the same deadline.
    if (!decision) continue;
    deadline.cancel();
    return decision;
  }
}

/** The maintenance window: returns once it is open, re-checking each time the timer fires; null → go on. */
function* windowWait(run: UpdateRun): Generator<Task, Ended | null, unknown> {
  const window = run.input.policy.window;
  if (!window) return null;
  for (;;) {
    const w = (yield run.call('updateWindow', {
      target: run.input.target,
      window,
    })) as UpdateActivityOutput<'updateWindow'>;
    if (w.open) {
      run.publish({ window: w.text, window_opens_at: null });
      return null;
    }
    run.publish({ state: 'waiting_for_window', window: w.text, window_opens_at: w.next, detail: '' });
    // A second past the opening, so the look after the timer finds it open.
    if (yield* run.waitOrSuperseded(run.timerAt(w.nextMs + 1000))) return supersededEnd(run);
  }
}

/** Starts the deploy, retrying on durable timers while another operation holds the lease (bounded). */
function* startDeploy(
  run: UpdateRun,
  decision: UpdateDecision | null,
): Generator<Task, { started: string } | Ended, unknown> {
  const { input } = run;
  const giveUpMs = run.nowMs + LEASE_WAIT_LIMIT_SECONDS * 1000;
  const requester = decision?.decision === 'approve' ? decision.by : triggerName(input);
  for (;;) {
    let started: UpdateActivityOutput<'updateStartDeploy'> | null = null;
    try {
      started = (yield run.call('updateStartDeploy', {
        updateId: run.id,
        target: input.target,
        image: input.image,
        requester,
        decision,
      })) as UpdateActivityOutput<'updateStartDeploy'>;
    } catch {
      // An unexpected fault (storage, Durable): tried again like a busy lease, within the same bound.
    }
    if (started?.state === 'started') return { started: started.deployId };
    if (started?.state === 'skipped') return { outcome: 'skipped', error: started.error };
    if (run.nowMs >= giveUpMs) {
      return {
        outcome: 'failed',
        error: {
          code: 'lease_busy',
          message: `the target stayed busy for ${LEASE_WAIT_LIMIT_SECONDS / 60} min; the update to ${input.image.tag} was not deployed`,
        },
      };
    }
    run.publish({
      state: 'deploying',
      detail: started ? `waiting: ${started.detail}` : 'waiting: the deploy could not be started; trying again',
    });
    if (yield* run.waitOrSuperseded(run.timerAt(run.nowMs + run.settings!.pollSeconds * 1000)))
      return supersededEnd(run);
  }
}

/** Who noticed the image, as a deploy's requester reads. */
function triggerName(input: UpdateTargetInput): string {
  // A wave's deploy names its wave, so the target's history ties the record to it (docs/policies.md "Waves").
  if (input.trigger === 'wave' && input.waveId) return `wave ${input.waveId}`;
  return input.trigger === 'push' ? 'event-grid' : input.trigger;
}

/** Follows the deploy's record until it ends (bounded looks between durable timers). */
function* deployOutcome(run: UpdateRun, deployId: string): Generator<Task, Ended, unknown> {
  const { watchSeconds, pollSeconds } = run.settings!;
  for (;;) {
    let look: UpdateActivityOutput<'updateWatchDeploy'> = { finished: false };
    try {
      look = (yield run.call('updateWatchDeploy', {
        target: run.input.target,
        deployId,
        watchSeconds,
      })) as UpdateActivityOutput<'updateWatchDeploy'>;
    } catch {
      // A look that failed (storage blip) is only a look: the deploy goes on; look again after the timer.
    }
    if (look.finished) return { outcome: look.outcome, error: look.error, deployId };
    yield run.timerAt(run.nowMs + pollSeconds * 1000);
  }
}

function* update(run: UpdateRun): Generator<Task, Ended & { decision: UpdateDecision | null }, unknown> {
  const { input } = run;
  run.settings = (yield run.call('updateBegin', {
    updateId: run.id,
    target: input.target,
    image: input.image,
    mode: input.policy.mode,
    approvalTimeoutHours: input.policy.approvalTimeoutHours,
    offeredAt: input.offeredAt,
  })) as UpdateBeginResult;
  let decision: UpdateDecision | null = null;
  if (input.policy.mode === 'approve' && run.settings.expiresAtMs !== null) {
    run.publish({ state: 'waiting_for_approval', expires_at: run.isoAt(run.settings.expiresAtMs) });
    const got = yield* approval(run, run.settings.expiresAtMs);
    if ('outcome' in got) return { ...got, decision: null };
    decision = got;
    run.publish({ decision, expires_at: null });
    if (decision.decision === 'reject') {
      const why = decision.comment ? `: ${decision.comment}` : '';
      return {
        outcome: 'rejected',
        error: { code: 'rejected', message: `rejected by ${decision.by}${why}`.slice(0, 600) },
        decision,
      };
    }
  }
  const closed = yield* windowWait(run);
  if (closed) return { ...closed, decision };
  run.publish({ state: 'deploying', window_opens_at: null, detail: '' });
  const started = yield* startDeploy(run, decision);
  if (!('started' in started)) return { ...started, decision };
  run.publish({ deploy_id: started.started, detail: '' });
  const ended = yield* deployOutcome(run, started.started);
  return { ...ended, decision };
}

export const updateTargetOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const run = new UpdateRun(context);
  const ended: Ended & { decision: UpdateDecision | null } = yield* update(run);
  const output: UpdateTargetOutput = {
    target: run.input.target,
    image: run.input.image,
    outcome: ended.outcome as UpdateOutcome,
    deployId: ended.deployId ?? null,
    error: ended.error,
    decision: ended.decision,
  };
  run.publish({
    state: 'done',
    outcome: output.outcome,
    deploy_id: output.deployId,
    detail: ended.error?.message ?? '',
  });
  yield run.call('updateFinish', {
    updateId: run.id,
    trigger: run.input.trigger,
    offeredAt: run.input.offeredAt,
    output,
  });
  return output;
};
