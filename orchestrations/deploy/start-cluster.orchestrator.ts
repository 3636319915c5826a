// Phase starting_cluster of Start cluster (docs/deploy.md#start-cluster): ask Resource Manager to start the stopped
// cluster, then wait on durable timers until it runs and its API answers; the deploy phases follow. A start cannot be
// undone: a cancel during it stops the operation (the deploy phases are skipped) while the cluster keeps starting.
import type { Task } from 'durable-functions';
import { Progress } from './phases.orchestrator';
import { Cancelled, DeployRun } from './run.orchestrator';
import { waitForClusterStart } from './waits.orchestrator';

const CANNOT_UNDO = 'cancelled; the start was already requested and cannot be undone: the cluster keeps starting';

export function* startCluster(run: DeployRun, _progress: Progress): Generator<Task, void, unknown> {
  const { target } = run.input;
  run.begin('starting_cluster', 'asking Azure Resource Manager to start the cluster');
  // Once asked, the start happens whatever follows: the request is finished even when a cancel arrives meanwhile.
  const requested = yield* run.step('starting_cluster', 'clusterStart', { target }, 'finish');
  run.progress('starting_cluster', requested.detail);
  try {
    if (run.cancelRequested) throw new Cancelled('starting_cluster');
    yield* waitForClusterStart(run, 'starting_cluster', requested.timeout_seconds);
  } catch (thrown) {
    if (!(thrown instanceof Cancelled)) throw thrown;
    run.end('starting_cluster', 'failed', CANNOT_UNDO);
    throw new Cancelled('starting_cluster', true);
  }
  run.end('starting_cluster', 'done', 'the cluster runs and its API answers');
  run.stopIfCancelled('starting_cluster');
}
