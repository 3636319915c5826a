// The deploy orchestration (docs/deploy.md): the phases run in order (deploy/phases.orchestrator.ts); a cancel or a
// failure ends in the rollback decision (deploy/rollback.orchestrator.ts); either way the finish activity records
// the output. Deterministic: time comes from the replay clock, every side effect is an activity, settings arrive in
// the input. Waiting is a bounded check activity followed by a durable timer (deploy/waits.orchestrator.ts); every
// activity of the deploy itself is raced against the cancel event, so a cancel is honoured after each step and at
// once inside a wait (a read-only check in flight is abandoned; a change in flight is waited for first).
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { DeployOutput } from '../core/deploy-model';
import { deployPhases, noProgress, Progress } from './deploy/phases.orchestrator';
import { prelude } from './deploy/prelude.orchestrator';
import { Outcome, settleStopped } from './deploy/rollback.orchestrator';
import { callActivity, DeployRun } from './deploy/run.orchestrator';

export const deployOpenApiOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const run = new DeployRun(context);
  run.publish();
  const progress = noProgress();
  let outcome: Outcome;
  try {
    yield* prelude(run, progress);
    yield* deployPhases(run, progress);
    outcome = { status: 'succeeded', error: null, rollback: null, clusterState: `running ${progress.resolved!.image}` };
  } catch (thrown) {
    outcome = yield* settleStopped(run, progress, thrown);
  }
  run.phase = outcome.status === 'succeeded' ? 'completed' : outcome.status;
  const output = deployOutput(run, progress, outcome);
  run.publish();
  yield callActivity(context, 'deployFinish', { deployId: run.deployId, output }, run.deploy);
  return output;
};

/** The deploy's result as the finish activity records it and the status API returns it. */
function deployOutput(run: DeployRun, progress: Progress, outcome: Outcome): DeployOutput {
  const { input } = run;
  const { resolved, applied, rollout, address, verified } = progress;
  const { status, error } = outcome;
  return {
    status,
    deploy_id: run.deployId,
    target: input.target,
    namespace: resolved?.namespace ?? null,
    reason: input.reason,
    requester: input.requester,
    workload_identity: progress.wi,
    openapi_deploy: {
      status: status === 'succeeded' ? 'deployed' : status,
      image: resolved?.image ?? null,
      tag: resolved?.tag ?? input.tag,
      digest: resolved?.digest ?? null,
      external_ip: address?.external_ip ?? null,
      base_url: verified?.base_url ?? null,
      api_version: verified?.api_version ?? null,
      apply_output: applied?.apply_output ?? '',
      ready_replicas: rollout?.ready_replicas ?? null,
      desired_replicas: rollout?.desired_replicas ?? null,
      ...(error ? { error: error.message } : {}),
    },
    previous_image: resolved?.previous?.image ?? null,
    cancel_requested: run.cancelRequested,
    error,
    rollback: outcome.rollback,
    cluster_state: outcome.clusterState,
    ...(progress.build ? { build: progress.build } : {}),
    timeline: run.timeline,
    started_at: run.startedAt,
    finished_at: run.now(),
    elapsed_seconds: Math.round((run.nowMs - run.startMs) / 1000),
  };
}
