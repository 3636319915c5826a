// A target's AKS cluster through Azure Resource Manager (@azure/arm-containerservice, with the app's identity): its
// power state, and Start cluster (docs/deploy.md#start-cluster). The app's role has `managedClusters/read` and
// `managedClusters/start/action` on the cluster and nothing above it, so a start is asked for with `beginStart` and
// followed with `managedClusters.get` — never through the operation URL, which lies at the subscription
// (docs/decisions/0003-management-plane-roles.md). The SDK is loaded on first use, like the registry's
// (docs/decisions/0002-function-app-bundle.md). Locally the sim serves the same endpoints (docs/sim.md).
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import type { ClusterPowerView } from '../core/cluster-power';
import { DomainError } from '../core/errors';
import type { Target } from '../core/targets';
import { armEndpoint } from './cluster-reader';
import { azureCredential } from './credentials';
import { boundedClientOptions } from './request-timeout';

/** An AKS cluster as Azure Resource Manager names it. */
export interface ClusterRef {
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
}

/**
 * The Azure cluster a target runs on: an `aks` target's own, or the one a `kubeconfig` target declares it reaches
 * (`seedCluster`, docs/api.md); null for a kubeconfig target that declares none — it has no power state to read.
 */
export function clusterRefOf(target: Target): ClusterRef | null {
  if (target.kind === 'aks') {
    const { subscriptionId, resourceGroup, clusterName } = target;
    return { subscriptionId, resourceGroup, clusterName };
  }
  return target.seedCluster ?? null;
}

const loadSdk = () =>
  import('@azure/arm-containerservice') as unknown as Promise<typeof import('@azure/arm-containerservice')>;

/** ARM's failures in the API's words (no URL, no token). */
function armClusterError(err: unknown, what: string): DomainError {
  if (err instanceof DomainError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 401 || status === 403)
    return new DomainError('cluster_forbidden', `not allowed to ${what} (HTTP ${status})`, 502);
  if (status === 404)
    return new DomainError('cluster_not_found', `Azure Resource Manager does not know it: ${what}`, 502);
  if (status === 409)
    return new DomainError('cluster_busy', `the cluster is changing power state; cannot ${what} now`, 409);
  if (status !== undefined)
    return new DomainError('cluster_unavailable', `Azure Resource Manager answered HTTP ${status} to ${what}`, 502);
  return new DomainError('cluster_unavailable', `Azure Resource Manager is unreachable (${what})`, 503);
}

export class ClusterPower {
  private client: Promise<ContainerServiceClient> | null = null;

  constructor(
    readonly cluster: ClusterRef,
    private readonly endpoint: string = armEndpoint(),
  ) {}

  private sdk(): Promise<ContainerServiceClient> {
    this.client ??= loadSdk().then(
      ({ ContainerServiceClient }) =>
        new ContainerServiceClient(azureCredential(), this.cluster.subscriptionId, {
          endpoint: this.endpoint,
          ...boundedClientOptions(),
        }),
    );
    return this.client;
  }

  /** `managedClusters.get`: the power and provisioning states, as ARM spells them. */
  async state(): Promise<ClusterPowerView> {
    const { resourceGroup, clusterName } = this.cluster;
    try {
      const mc = await (await this.sdk()).managedClusters.get(resourceGroup, clusterName);
      return {
        power_state: mc.powerState?.code ?? 'Unknown',
        provisioning_state: mc.provisioningState ?? 'Unknown',
      };
    } catch (err) {
      throw armClusterError(err, `read cluster ${clusterName}`);
    }
  }

  /** Asks ARM to start the cluster and returns once the request is accepted; the start itself is read with `state`. */
  async start(): Promise<void> {
    const { resourceGroup, clusterName } = this.cluster;
    try {
      await (await this.sdk()).managedClusters.beginStart(resourceGroup, clusterName);
    } catch (err) {
      throw armClusterError(err, `start cluster ${clusterName}`);
    }
  }
}

const byCluster = new Map<string, ClusterPower>();

/** One client per cluster per process; null for a target without an Azure cluster. */
export function clusterPowerFor(target: Target): ClusterPower | null {
  const ref = clusterRefOf(target);
  if (!ref) return null;
  const key = `${ref.subscriptionId}/${ref.resourceGroup}/${ref.clusterName}`.toLowerCase();
  let power = byCluster.get(key);
  if (!power) byCluster.set(key, (power = new ClusterPower(ref)));
  return power;
}
