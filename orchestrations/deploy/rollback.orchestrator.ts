// How a deploy that stopped early ends: a cancel or a failed phase is recorded, then the cluster is left alone
// (nothing applied, or a first install) or the previous deployment is restored and verified — a cancel does not
// stop the rollback — and what the cluster runs afterwards is said plainly.
import type { Task } from 'durable-functions';
import { DeployError, DeployStatus, RollbackOutcome } from '../../core/deploy-model';
import { PHASE_LABEL } from '../../core/timeline';
import type { ActivityOutput } from '../activities';
import { Progress } from './phases.orchestrator';
import { callActivity, Cancelled, DeployRun, faultToError, PhaseFailed } from './run.orchestrator';
import { waitForRollout } from './waits.orchestrator';

export interface Outcome {
  status: DeployStatus;
  error: DeployError | null;
  rollback: RollbackOutcome | null;
  clusterState: string;
}

/**
 * Records on the timeline what stopped a run — a cancel or a failed phase — and says how it ends before any
 * rollback; anything else is a bug and is rethrown.
 */
export function stoppedBy(run: DeployRun, thrown: unknown): { status: DeployStatus; error: DeployError } {
  let status: DeployStatus;
  let error: DeployError;
  if (thrown instanceof Cancelled) {
    status = 'cancelled';
    if (!thrown.completed) run.end(thrown.phase, 'failed', 'cancelled');
    error = { code: 'cancelled', message: `cancelled on request during ${PHASE_LABEL[thrown.phase]}` };
    run.phase = 'cancelled';
  } else if (thrown instanceof PhaseFailed) {
    status = 'failed';
    error = thrown.error;
    run.end(thrown.phase, 'failed', `${thrown.error.code}: ${thrown.error.message}`);
    run.phase = 'failed';
  } else {
    throw thrown;
  }
  return { status, error };
}

/** Ends a deploy that `thrown` (Cancelled or PhaseFailed) stopped; anything else is a bug and is rethrown. */
export function* settleStopped(run: DeployRun, progress: Progress, thrown: unknown): Generator<Task, Outcome, unknown> {
  const { status, error } = stoppedBy(run, thrown);
  const { resolved } = progress;
  if (!progress.applyAttempted) {
    const clusterState = error.not_applied
      ? 'unchanged: the exec server did not run the apply'
      : 'unchanged: nothing was applied';
    return { status, error, rollback: null, clusterState };
  }
  if (resolved && !resolved.canRollBack) {
    return {
      status,
      error,
      rollback: { status: 'skipped', image: null, reason: 'first install: there is no previous deployment to restore' },
      clusterState: `left as applied (${resolved.image}); the service is not verified`,
    };
  }
  return yield* rollBack(run, progress, status, error);
}

/** Restores the previously deployed manifest and verifies it like a deploy; a cancel does not stop it. */
function* rollBack(
  run: DeployRun,
  progress: Progress,
  status: DeployStatus,
  error: DeployError,
): Generator<Task, Outcome, unknown> {
  const previousImage = progress.resolved?.previous?.image;
  run.begin('rolling_back', `restoring ${previousImage ?? 'the previous deployment'}`);
  try {
    const restored = yield* run.step(
      'rolling_back',
      'deployApplyManifests',
      { target: run.input.target, mode: 'rollback' },
      'ignore',
    );
    progress.rollout = yield* waitForRollout(run, 'rolling_back', restored.image, false);
    run.end('rolling_back', 'done', `restored ${restored.image}`);
    if (status === 'failed') {
      status = 'rolled_back';
      run.phase = 'rolled_back';
    }
    return {
      status,
      error,
      rollback: { status: 'succeeded', image: restored.image },
      clusterState: `restored to ${restored.image}`,
    };
  } catch (rbThrown) {
    const rbError = rbThrown instanceof PhaseFailed ? rbThrown.error : faultToError(rbThrown);
    run.end('rolling_back', 'failed', `${rbError.code}: ${rbError.message}`);
    const rollback: RollbackOutcome = { status: 'failed', image: previousImage ?? null, error: rbError };
    return { status, error, rollback, clusterState: yield* readBack(run) };
  }
}

/** What the cluster runs after a rollback that did not verify, read back from it ("unknown" only if unreadable). */
export function* readBack(run: DeployRun): Generator<Task, string, unknown> {
  try {
    const seen = (yield callActivity(
      run.context,
      'deployInspectCluster',
      { target: run.input.target, retrySeconds: run.timings.dependencyRetrySeconds },
      run.deploy,
    )) as ActivityOutput<'deployInspectCluster'>;
    if (!seen.ok) return `unknown: the cluster cannot be read (${seen.error.code}: ${seen.error.message})`;
    const v = seen.value;
    if (!v.deployment_image) return 'runs no elb-openapi Deployment (read back from the cluster)';
    const pods = v.pod_images.length
      ? `; pods run ${[...new Set(v.pod_images)].join(', ')}, ${v.ready_replicas} ready`
      : '; no pods';
    return `runs ${v.deployment_image} (read back from the cluster${pods})`;
  } catch (err) {
    return `unknown: the cluster cannot be read (${faultToError(err).message})`;
  }
}
