// The API token rotation (docs/security.md#rotation): a new random token into the Secret and a rolling restart (one
// server-side apply), the rollout, then the check that the service accepts the new token and refuses the old one.
// A failure or a cancel after the apply swaps the old token back and checks that the same way. It shares the
// deploy's single-flight lease, history record, status, cancel and finish step (deploy/run.orchestrator.ts); the
// tokens themselves stay in the cluster and never enter the orchestration's history.
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { DeployOutput } from '../core/deploy-model';
import { digestOf } from '../core/image';
import type { ActivityOutput } from './activities';
import type { TokenApplyResult } from './activities/rotate-token';
import { Outcome, readBack, stoppedBy } from './deploy/rollback.orchestrator';
import { callActivity, Cancelled, DeployRun, faultToError, PhaseFailed } from './deploy/run.orchestrator';
import { waitForRollout, waitForTokenSwap } from './deploy/waits.orchestrator';

/** What the rotation has done so far. */
interface Rotation {
  applied: TokenApplyResult | null;
  /** As for a deploy: an apply that failed may still have changed the cluster, unless it certainly did not run. */
  applyAttempted: boolean;
  readyReplicas: number | null;
  desiredReplicas: number | null;
}

export const rotateApiTokenOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const run = new DeployRun(context);
  run.publish();
  const rotation: Rotation = { applied: null, applyAttempted: false, readyReplicas: null, desiredReplicas: null };
  let outcome: Outcome;
  try {
    yield* rotate(run, rotation);
    outcome = {
      status: 'succeeded',
      error: null,
      rollback: null,
      clusterState: `running ${rotation.applied!.image} with the new token`,
    };
  } catch (thrown) {
    outcome = yield* restore(run, rotation, thrown);
  }
  if (rotation.applyAttempted && outcome.rollback?.status !== 'failed') {
    outcome = { ...outcome, clusterState: outcome.clusterState + (yield* settle(run)) };
  }
  run.phase = outcome.status === 'succeeded' ? 'completed' : outcome.status;
  const output = rotationOutput(run, rotation, outcome);
  run.publish();
  yield callActivity(context, 'deployFinish', { deployId: run.deployId, output }, run.deploy);
  return output;
};

/** The forward phases; returns normally only once the swap is checked. */
function* rotate(run: DeployRun, rotation: Rotation): Generator<Task, void, unknown> {
  const { target } = run.input;
  // Last chance to cancel with the cluster untouched.
  if (yield* run.cancelArrived()) throw new Cancelled('applying_token');

  run.begin('applying_token');
  rotation.applyAttempted = true;
  let applied: TokenApplyResult;
  try {
    applied = yield* run.step(
      'applying_token',
      'rotateTokenApply',
      { target, rotationId: run.deployId, mode: 'rotate', requester: run.input.requester },
      'finish',
    );
  } catch (thrown) {
    if (thrown instanceof PhaseFailed && thrown.error.not_applied) rotation.applyAttempted = false;
    throw thrown;
  }
  rotation.applied = applied;
  run.image = applied.image;
  run.end('applying_token', 'done', `new token stored; pods restarting (generation ${applied.generation})`);
  run.stopIfCancelled('applying_token');

  run.begin('waiting_for_rollout');
  const rollout = yield* waitForRollout(run, 'waiting_for_rollout', applied.image!);
  rotation.readyReplicas = rollout.ready_replicas ?? null;
  rotation.desiredReplicas = rollout.desired_replicas ?? null;
  run.end('waiting_for_rollout', 'done', rollout.detail);
  run.stopIfCancelled('waiting_for_rollout');

  run.begin('verifying_token');
  const checked = yield* waitForTokenSwap(run, 'verifying_token');
  run.end('verifying_token', 'done', checked.detail);
  // Never `succeeded` with a cancel requested: one that arrived with the last result is honoured too.
  if (yield* run.cancelArrived()) throw new Cancelled('verifying_token', true);
}

/** Swaps the old token back and checks it like the rotation's own check; a cancel does not stop it. */
function* restore(run: DeployRun, rotation: Rotation, thrown: unknown): Generator<Task, Outcome, unknown> {
  const stopped = stoppedBy(run, thrown);
  const { error } = stopped;
  let { status } = stopped;
  if (!rotation.applyAttempted) {
    const clusterState = error.not_applied ? 'unchanged: the token was not changed' : 'unchanged: nothing was applied';
    return { status, error, rollback: null, clusterState };
  }
  const image = rotation.applied?.image ?? null;
  run.begin('restoring_token', 'restoring the previous token');
  try {
    const restored = yield* run.step(
      'restoring_token',
      'rotateTokenApply',
      { target: run.input.target, rotationId: run.deployId, mode: 'restore' },
      'ignore',
    );
    yield* waitForRollout(run, 'restoring_token', restored.image!, false);
    if (restored.swapped) yield* waitForTokenSwap(run, 'restoring_token', false);
    run.end(
      'restoring_token',
      'done',
      restored.swapped
        ? 'the previous token is back: accepted, and the new one refused'
        : 'the new token never reached the Secret; the pods run with the token it holds',
    );
    if (status === 'failed') {
      status = 'rolled_back';
      run.phase = 'rolled_back';
    }
    return {
      status,
      error,
      rollback: { status: 'succeeded', image: restored.image },
      clusterState: `running ${restored.image} with the previous token`,
    };
  } catch (restoreThrown) {
    const restoreError = restoreThrown instanceof PhaseFailed ? restoreThrown.error : faultToError(restoreThrown);
    run.end('restoring_token', 'failed', `${restoreError.code}: ${restoreError.message}`);
    return {
      status,
      error,
      rollback: { status: 'failed', image, error: restoreError },
      clusterState: `${yield* readBack(run)}; the token Secret may hold either token: rotate again once the cause is fixed`,
    };
  }
}

/**
 * Leaves only the token in use in the Secret. Its failure does not change the outcome (the swap was checked); it is
 * said in the cluster state, and the next deploy or rotation removes the other token anyway.
 */
function* settle(run: DeployRun): Generator<Task, string, unknown> {
  try {
    const settled = (yield callActivity(
      run.context,
      'rotateTokenApply',
      { target: run.input.target, rotationId: run.deployId, mode: 'settle' },
      run.deploy,
    )) as ActivityOutput<'rotateTokenApply'>;
    if (settled.ok) return '';
    return `; the Secret still holds the other token (${settled.error.code}), until the next deploy or rotation`;
  } catch (err) {
    return `; the Secret still holds the other token (${faultToError(err).code}), until the next deploy or rotation`;
  }
}

/** The rotation's result in a deploy's output shape, so history, status and the page read it as they read a deploy. */
function rotationOutput(run: DeployRun, rotation: Rotation, outcome: Outcome): DeployOutput {
  const { input } = run;
  const { status, error } = outcome;
  const applied = rotation.applied;
  return {
    status,
    deploy_id: run.deployId,
    target: input.target,
    namespace: applied?.namespace ?? null,
    reason: input.reason,
    requester: input.requester,
    workload_identity: null,
    openapi_deploy: {
      status: status === 'succeeded' ? 'deployed' : status,
      image: applied?.image ?? null,
      tag: applied?.tag ?? null,
      digest: digestOf(applied?.image ?? null),
      external_ip: null,
      base_url: null,
      api_version: null,
      apply_output: applied?.apply_output ?? '',
      ready_replicas: rotation.readyReplicas,
      desired_replicas: rotation.desiredReplicas,
      ...(error ? { error: error.message } : {}),
    },
    previous_image: null,
    cancel_requested: run.cancelRequested,
    error,
    rollback: outcome.rollback,
    cluster_state: outcome.clusterState,
    timeline: run.timeline,
    started_at: run.startedAt,
    finished_at: run.now(),
    elapsed_seconds: Math.round((run.nowMs - run.startMs) / 1000),
  };
}
