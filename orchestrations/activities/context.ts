// What the deploy activities share: settings, the state stores, the registry, cluster access. Created once per
// process, lazily, so importing an activity module has no side effects.
import { ActivityResult } from '../../core/deploy-model';
import { isDomainError } from '../../core/errors';
import { selectTarget, Target } from '../../core/targets';
import { ClusterExec } from '../../adapters/cluster-exec';
import { kubeReaderFor } from '../../adapters/cluster-reader';
import { KubeReader } from '../../adapters/kube';
import { createRegistryClient, RegistryReader } from '../../adapters/registry';
import { appConfig } from '../../adapters/settings';
import { DeploymentStore, TargetStore } from '../../adapters/state-store';
import { AppConfig } from '../../core/config';

export interface ActivityDeps {
  config: AppConfig;
  targets: TargetStore;
  deployments: DeploymentStore;
  registry: RegistryReader;
  clusterExec: ClusterExec;
  kube(target: Target): Promise<KubeReader>;
  /** Pause between two polls inside a bounded check. */
  pollMs: number;
}

let deps: ActivityDeps | null = null;

export function activityDeps(): ActivityDeps {
  if (deps) return deps;
  const config = appConfig();
  deps = {
    config,
    targets: new TargetStore(),
    deployments: new DeploymentStore(undefined, config.historyLimit),
    registry: new RegistryReader(createRegistryClient(config.registryEndpoint)),
    clusterExec: new ClusterExec(),
    kube: kubeReaderFor,
    pollMs: Number(process.env.ELB_CHECK_POLL_MS) > 0 ? Number(process.env.ELB_CHECK_POLL_MS) : 1000,
  };
  return deps;
}

export function targetNamed(d: ActivityDeps, name: string): Target {
  return selectTarget(d.config.targets, name);
}

/** Domain failures become values the orchestrator can branch on; anything else stays an exception. */
export async function asResult<T>(work: () => Promise<T>): Promise<ActivityResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (isDomainError(err)) {
      const details = err.details as { diagnostics?: Record<string, unknown>; not_applied?: boolean };
      return {
        ok: false,
        error: {
          code: err.code,
          message: err.message,
          ...(details.diagnostics ? { diagnostics: details.diagnostics } : {}),
          ...(details.not_applied ? { not_applied: true } : {}),
        },
      };
    }
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
