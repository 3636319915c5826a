// The step some operations take before a deploy's phases (docs/deploy.md#operations): Rebuild & Deploy builds the
// image first and deploys exactly what it built; Start cluster starts the stopped cluster first. Every other reason
// has none, so its history is the deploy's own.
import type { Task } from 'durable-functions';
import { Progress } from './phases.orchestrator';
import { DeployRun } from './run.orchestrator';
import { buildImage } from './build.orchestrator';
import { startCluster } from './start-cluster.orchestrator';

export function* prelude(run: DeployRun, progress: Progress): Generator<Task, void, unknown> {
  switch (run.input.reason) {
    case 'rebuild':
      return yield* buildImage(run, progress);
    case 'start_cluster':
      return yield* startCluster(run, progress);
    default:
      return;
  }
}
