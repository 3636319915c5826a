// A target's AKS cluster power state, without I/O (docs/deploy.md#start-cluster): when it counts as stopped, what
// the summary and a refused deploy say about it, and how a start is judged while it runs.
import type { AppConfig } from './config';
import type { DeployError } from './deploy-model';
import { DomainError } from './errors';
import type { ClusterPowerView, DependencyProblem } from './summary';
import type { Target } from './targets';

export type { ClusterPowerView };

/**
 * Stopped, or on its way there: a deploy cannot reach a stopping cluster either, and Start cluster is what it needs.
 * ARM reads `Stopped` once the stop is done; while it stops, provisioning reads `Stopping`. A cluster already
 * `Starting` is not stopped: its start is under way.
 */
export function isStopped(view: ClusterPowerView | null): boolean {
  if (!view) return false;
  if (view.provisioning_state === 'Stopping') return true;
  return view.power_state === 'Stopped' && view.provisioning_state !== 'Starting';
}

/** The summary's dependency problem for a stopped cluster: its own code, not `cluster_unavailable`. */
export function stoppedProblem(config: AppConfig, target: Target): DependencyProblem {
  return {
    part: 'cluster',
    code: 'cluster_stopped',
    message: `the AKS cluster of ${target.name} is stopped; Start cluster starts it and then deploys the service again`,
    hint: config.localRun ? 'scripts/dev/local-run.sh cluster start (or Start cluster on the page)' : null,
  };
}

/** 409 for an operation that needs the cluster's API while the cluster is stopped; nothing is recorded. */
export function clusterStoppedError(target: Target): DomainError {
  return new DomainError(
    'cluster_stopped',
    `not started: the AKS cluster of ${target.name} is stopped; start it first (POST /api/targets/${target.name}/cluster/start)`,
    409,
    { part: 'cluster' },
  );
}

/** How one look at a starting cluster reads: started (and its API answers), still starting, or failed. */
export type StartVerdict =
  { state: 'running' } | { state: 'starting'; detail: string } | { state: 'failed'; error: DeployError };

export function judgeStart(view: ClusterPowerView, apiProblem: string | null): StartVerdict {
  const states = `power ${view.power_state}, provisioning ${view.provisioning_state}`;
  if (view.provisioning_state === 'Failed') {
    return {
      state: 'failed',
      error: {
        code: 'cluster_start_failed',
        message: `the cluster did not start (${states})`,
        diagnostics: {
          likely_cause: 'Azure could not start the cluster (quota, a failed node pool, or a policy).',
          what_to_do:
            "Read the cluster's activity log in the portal (or az aks show), fix the cause, then start it again.",
        },
      },
    };
  }
  if (view.power_state !== 'Running' || view.provisioning_state !== 'Succeeded')
    return { state: 'starting', detail: states };
  if (apiProblem) return { state: 'starting', detail: `running; its API does not answer yet (${apiProblem})` };
  return { state: 'running' };
}
