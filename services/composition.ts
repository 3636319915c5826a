// The composition root: the one place that builds the app's adapters (settings, the state tables, the registry
// clients, cluster reads, the exec server's client) for the HTTP and Event Grid handlers and for the deploy
// activities alike. Each is built once per process, on first use — importing a module builds nothing, and a
// handler that never touches the exec server does not need its token. Why: docs/design.md#the-composition-root.
import type { DurableClient } from 'durable-functions';
import { AppConfig } from '../core/config';
import { Target } from '../core/targets';
import { ClusterExec } from '../adapters/cluster-exec';
import { ClusterPower, clusterPowerFor } from '../adapters/cluster-power';
import { kubeReaderFor } from '../adapters/cluster-reader';
import { KubeReader } from '../adapters/kube';
import { createRegistryClient, RegistryReader } from '../adapters/registry';
import { RegistryManagement } from '../adapters/registry-management';
import { appConfig } from '../adapters/settings';
import { configuredRegistry } from '../core/seed-compat';
import { AuditStore } from '../adapters/audit-store';
import { PolicyChangeStore } from '../adapters/policy-changes';
import { DeploymentStore, TargetStore } from '../adapters/state-store';
import { DeployLeases } from './deploy-leases';

export interface Adapters {
  config: AppConfig;
  /** The `targets` table: one row per target, the lease on it. */
  targets: TargetStore;
  /** The `deployments` table: the history, at most `ELB_HISTORY_LIMIT` records per target. */
  deployments: DeploymentStore;
  /** The `audit` table: who revealed or rotated a target's API token, and when. */
  audit: AuditStore;
  /** The `policychanges` table: who changed a target's update policy through the API, when, before and after. */
  policyChanges: PolicyChangeStore;
  /** The registry for deploy steps: the bounded default retries (adapters/request-timeout.ts). */
  deployRegistry: RegistryReader;
  /**
   * The registry for answers to requests (summaries, health, Event Grid deliveries): one retry, so a registry that
   * is down shows as such within a second or two instead of after the SDK's full backoff.
   */
  requestRegistry: RegistryReader;
  /**
   * The registry through Azure Resource Manager (facts, ACR Tasks builds); null when ELB_REGISTRY_RESOURCE_ID is not
   * set, since ARM addresses the registry by that id.
   */
  registryManagement: RegistryManagement | null;
  /** Changes to a cluster, through the exec server. */
  clusterExec: ClusterExec;
  /** A target's AKS cluster through Resource Manager (power state, start); null without an Azure cluster. */
  clusterPower: (target: Target) => ClusterPower | null;
  /** Reads of a target's cluster API. */
  kube: (target: Target) => Promise<KubeReader>;
  /** Pause between two looks of a bounded deploy check (`ELB_CHECK_POLL_MS`, default 1 s). */
  checkPollMs: number;
}

type Factories = { [K in keyof Adapters]: () => Adapters[K] };

const build: Factories = {
  config: appConfig,
  targets: () => new TargetStore(),
  deployments: () => new DeploymentStore(undefined, root.config.historyLimit),
  audit: () => new AuditStore(),
  policyChanges: () => new PolicyChangeStore(),
  deployRegistry: () => new RegistryReader(createRegistryClient(root.config.registryEndpoint)),
  requestRegistry: () => new RegistryReader(createRegistryClient(root.config.registryEndpoint, 1)),
  registryManagement: () => {
    const ref = configuredRegistry(root.config);
    return ref.subscriptionId && ref.resourceGroup && ref.name
      ? new RegistryManagement({ subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name })
      : null;
  },
  clusterExec: () => new ClusterExec(),
  clusterPower: () => clusterPowerFor,
  kube: () => kubeReaderFor,
  checkPollMs: () => (Number(process.env.ELB_CHECK_POLL_MS) > 0 ? Number(process.env.ELB_CHECK_POLL_MS) : 1000),
};

const built: Partial<Adapters> = {};

const root = {} as Adapters;
for (const key of Object.keys(build) as (keyof Adapters)[]) {
  Object.defineProperty(root, key, {
    enumerable: true,
    get: () => (key in built ? built[key] : (built[key] = build[key]() as never)),
  });
}

/** The process's adapters; each property is built the first time it is read, then kept. */
export function adapters(): Adapters {
  return root;
}

/** The lease service over the process's tables, for one Durable client binding (each invocation gets its own). */
export function deployLeases(client: DurableClient): DeployLeases {
  return new DeployLeases(client, root);
}

/**
 * For tests: puts `parts` in place of the process's adapters (the others are still built from the settings on first
 * use) and returns a function that puts back what was there before. Handlers and activities both see the change.
 */
export function substituteAdapters(parts: Partial<Adapters>): () => void {
  const before = new Map<keyof Adapters, unknown>();
  for (const key of Object.keys(parts) as (keyof Adapters)[]) {
    before.set(key, key in built ? built[key] : undefined);
    built[key] = parts[key] as never;
  }
  return () => {
    for (const [key, value] of before) {
      if (value === undefined) delete built[key];
      else built[key] = value as never;
    }
  };
}
