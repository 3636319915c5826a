// Phase starting_cluster of Start cluster (docs/deploy.md#start-cluster): ask Resource Manager to start the target's
// AKS cluster (`beginStart`, not waited on: its operation URL lies where the app's role does not reach), then look
// at the cluster with `managedClusters.get` and its own API until it runs and answers.
import { judgeStart } from '../../core/cluster-power';
import { ActivityResult, ClusterStartCheck } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import { ClusterPower } from '../../adapters/cluster-power';
import { withTimeout } from '../../adapters/dependencies';
import { ActivityDeps, activityDeps, asResult, sleep, targetNamed } from './context';

export interface ClusterStartInput {
  target: string;
}
export interface ClusterStartRequested {
  /** The states when the start was asked for. */
  detail: string;
  /** ELB_CLUSTER_START_TIMEOUT_SECONDS: how long the orchestration waits for the start. */
  timeout_seconds: number;
}
export interface ClusterStartCheckInput {
  target: string;
  watchSeconds: number;
}

const API_PROBE_MS = 2000;

function power(d: ActivityDeps, name: string): ClusterPower {
  const found = d.clusterPower(targetNamed(d, name));
  if (!found) throw new DomainError('cluster_not_azure', `${name} declares no AKS cluster to start`, 409);
  return found;
}

export async function requestClusterStart(
  input: ClusterStartInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<ClusterStartRequested>> {
  return asResult(async () => {
    const cluster = power(d, input.target);
    await cluster.start();
    const now = await cluster.state();
    return {
      detail: `start requested: power ${now.power_state}, provisioning ${now.provisioning_state}`,
      timeout_seconds: d.config.clusterStartTimeoutSeconds,
    };
  });
}

/** Why the cluster's API does not answer, or null when it does (a read of the Deployment; a 404 is an answer). */
async function apiProblem(d: ActivityDeps, name: string): Promise<string | null> {
  try {
    const kube = await d.kube(targetNamed(d, name));
    await withTimeout(kube.deployment(), API_PROBE_MS);
    return null;
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
    return typeof cause === 'string'
      ? cause
      : err instanceof Error
        ? err.message.split('\n')[0]!.slice(0, 120)
        : 'no answer';
  }
}

/** Looks at the cluster until it runs and its API answers, or `watchSeconds` pass; a failing read is a note. */
export async function checkClusterStart(
  input: ClusterStartCheckInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<ClusterStartCheck>> {
  return asResult(async () => {
    const cluster = power(d, input.target);
    const deadline = Date.now() + Math.max(1, Math.min(input.watchSeconds, 600)) * 1000;
    let detail = 'starting';
    for (;;) {
      try {
        const view = await cluster.state();
        const ready = view.power_state === 'Running' && view.provisioning_state === 'Succeeded';
        const verdict = judgeStart(view, ready ? await apiProblem(d, input.target) : null);
        if (verdict.state === 'running') return { state: 'running', detail: 'running; its API answers' };
        if (verdict.state === 'failed') return { state: 'failed', detail: verdict.error.message, error: verdict.error };
        detail = verdict.detail;
      } catch (err) {
        // Forbidden or gone will not get better by waiting.
        if (err instanceof DomainError && (err.code === 'cluster_forbidden' || err.code === 'cluster_not_found'))
          throw err;
        detail = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'read failed';
      }
      if (Date.now() + d.pollMs > deadline) return { state: 'starting', detail };
      await sleep(d.pollMs);
    }
  });
}
