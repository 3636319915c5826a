// Phase building_image of Rebuild & Deploy (docs/deploy.md#rebuild--deploy): queue an ACR Tasks build of the pinned
// tag, follow it on durable timers, and hand the digest it pushed to the deploy phases. A cancel, or a build the
// registry does not end in time, cancels the run in the registry too; nothing is applied to the cluster before.
import type { Task } from 'durable-functions';
import { Progress } from './phases.orchestrator';
import { callActivity, Cancelled, DeployRun, PhaseFailed } from './run.orchestrator';
import { waitForBuild } from './waits.orchestrator';

/** Codes of a run the registry itself ended: nothing is left to cancel. */
const RUN_ENDED: ReadonlySet<string> = new Set(['build_failed', 'build_cancelled', 'build_output_missing']);

export function* buildImage(run: DeployRun, progress: Progress): Generator<Task, void, unknown> {
  const { target } = run.input;
  run.begin('building_image', 'queueing an ACR Tasks build');
  // A queued run must be known to be cancelled: the scheduling finishes even when a cancel arrives meanwhile.
  const scheduled = yield* run.step('building_image', 'buildSchedule', { target }, 'finish');
  progress.build = { run_id: scheduled.run_id, status: 'Queued', digest: null };
  run.progress('building_image', `run ${scheduled.run_id} queued: ${scheduled.image}`);
  let built;
  try {
    if (run.cancelRequested) throw new Cancelled('building_image');
    built = yield* waitForBuild(run, 'building_image', scheduled.run_id, scheduled.timeout_seconds);
  } catch (thrown) {
    const code = thrown instanceof PhaseFailed ? thrown.error.code : null;
    // The run itself is stopped unless the registry already ended it (a registry that cannot be read may still be
    // building: the cancel is tried, and its failure noted).
    const ended = code !== null && RUN_ENDED.has(code);
    if (!ended) yield* cancelRun(run, scheduled.run_id);
    progress.build.status =
      thrown instanceof Cancelled
        ? 'Canceled'
        : ended
          ? 'Failed'
          : code === 'build_timeout'
            ? 'Timeout'
            : progress.build.status;
    throw thrown;
  }
  progress.build = { run_id: scheduled.run_id, status: built.status, digest: built.digest! };
  progress.image = { tag: scheduled.tag, digest: built.digest! };
  run.end('building_image', 'done', `run ${scheduled.run_id} built ${built.digest!.slice(0, 19)}`);
  run.stopIfCancelled('building_image');
}

/** Cancels the run in the registry; a failure to do so is said in the phase's detail, not raised over the cause. */
function* cancelRun(run: DeployRun, runId: string): Generator<Task, void, unknown> {
  try {
    const answer = (yield callActivity(
      run.context,
      'buildCancel',
      { target: run.input.target, runId },
      run.deploy,
    )) as {
      ok: boolean;
    };
    run.progress('building_image', answer.ok ? `run ${runId} cancelled` : `run ${runId} could not be cancelled`);
  } catch {
    run.progress('building_image', `run ${runId} could not be cancelled`);
  }
}
