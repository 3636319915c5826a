// What the deploy activities share: settings, the state stores, the registry, cluster access and the lease
// service — all from the app's composition root (services/composition.ts), so the handlers and the activities use
// the same instances (docs/design.md#the-composition-root).
import type { DurableClient } from 'durable-functions';
import { ActivityResult } from '../../core/deploy-model';
import { isDomainError } from '../../core/errors';
import { selectTarget, Target } from '../../core/targets';
import { AuditStore } from '../../adapters/audit-store';
import { ClusterExec } from '../../adapters/cluster-exec';
import { ClusterPower } from '../../adapters/cluster-power';
import { KubeReader } from '../../adapters/kube';
import { RegistryReader } from '../../adapters/registry';
import { RegistryManagement } from '../../adapters/registry-management';
import { DeploymentStore, TargetStore } from '../../adapters/state-store';
import { AppConfig } from '../../core/config';
import { adapters, deployLeases } from '../../services/composition';
import { DeployLeases } from '../../services/deploy-leases';

export interface ActivityDeps {
  config: AppConfig;
  targets: TargetStore;
  deployments: DeploymentStore;
  /** The registry client with the SDK's default retries. */
  registry: RegistryReader;
  clusterExec: ClusterExec;
  /** The registry through Azure Resource Manager (Rebuild & Deploy); null without a registry id. */
  registryManagement: RegistryManagement | null;
  /** A target's AKS cluster through Resource Manager (Start cluster); null without an Azure cluster. */
  clusterPower(target: Target): ClusterPower | null;
  /** The token's audit trail (a rotation records itself there). */
  audit: AuditStore;
  kube(target: Target): Promise<KubeReader>;
  /** Pause between two polls inside a bounded check. */
  pollMs: number;
  /** The lease service, for the finish step (it may start a follow-up deploy, hence the client). */
  leases(client: DurableClient): DeployLeases;
}

/** The activities' view of the composition root: each part is looked up (and built, the first time) on use. */
const deps: ActivityDeps = {
  get config() {
    return adapters().config;
  },
  get targets() {
    return adapters().targets;
  },
  get deployments() {
    return adapters().deployments;
  },
  get registry() {
    return adapters().deployRegistry;
  },
  get clusterExec() {
    return adapters().clusterExec;
  },
  get registryManagement() {
    return adapters().registryManagement;
  },
  get audit() {
    return adapters().audit;
  },
  kube: (target) => adapters().kube(target),
  clusterPower: (target) => adapters().clusterPower(target),
  get pollMs() {
    return adapters().checkPollMs;
  },
  leases: deployLeases,
};

export function activityDeps(): ActivityDeps {
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
