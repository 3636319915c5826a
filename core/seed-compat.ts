// The older system's clients name Azure resources, not targets: `cluster_name` + `resource_group`
// (+ `subscription_id`) for the cluster, `acr_name` / `registry_name` for the registry. Here those names select a
// configured target and are checked against the configured registry; a request can never reach a cluster or a
// registry that is not configured. Rules and codes: docs/api.md "Seed-compatible calls".
import type { AppConfig } from './config';
import { DomainError } from './errors';
import { selectTarget, targetNames, type Target } from './targets';

/** A cluster as an old client names it. */
export interface ClusterRef {
  clusterName: string;
  /** Required except on `monitor/acr`, where `resource_group` belongs to the registry. */
  resourceGroup: string | null;
  subscriptionId: string | null;
}

/** The Azure names a target answers to: an `aks` target's own, or those a kubeconfig target declares. */
export function azureCluster(t: Target): { subscriptionId: string; resourceGroup: string; clusterName: string } | null {
  if (t.kind === 'aks')
    return { subscriptionId: t.subscriptionId, resourceGroup: t.resourceGroup, clusterName: t.clusterName };
  return t.seedCluster ?? null;
}

// Azure resource names and subscription ids are case-insensitive.
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function matches(t: Target, c: ClusterRef): boolean {
  const az = azureCluster(t);
  return (
    az !== null &&
    same(az.clusterName, c.clusterName) &&
    (c.resourceGroup === null || same(az.resourceGroup, c.resourceGroup)) &&
    (c.subscriptionId === null || same(az.subscriptionId, c.subscriptionId))
  );
}

function describeCluster(c: ClusterRef): string {
  const rg = c.resourceGroup === null ? '' : ` in resource group ${c.resourceGroup}`;
  const sub = c.subscriptionId === null ? '' : ` (subscription ${c.subscriptionId})`;
  return `cluster ${c.clusterName}${rg}${sub}`;
}

/**
 * The target a request means, from its `target` (a name, or the URL's on resource routes) and the cluster an old
 * client names. Both given: they must be the same target (400 `conflicting_target`). A cluster no target is
 * configured with: 404 `unknown_target`, listing the configured targets. Neither: the one-target rule.
 */
export function selectSeedTarget(targets: readonly Target[], name: string | null, cluster: ClusterRef | null): Target {
  if (cluster === null) return selectTarget(targets, name);
  const found = targets.filter((t) => matches(t, cluster));
  if (name !== null && name !== '') {
    const named = selectTarget(targets, name);
    if (!found.includes(named)) {
      throw new DomainError('conflicting_target', `target ${named.name} is not ${describeCluster(cluster)}`, 400, {
        target: named.name,
      });
    }
    return named;
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new DomainError(
      'unknown_target',
      `no configured target is ${describeCluster(cluster)}; configured targets: ${targetNames(targets).join(', ')}`,
      404,
      { configured_targets: targetNames(targets) },
    );
  }
  // Two targets on one cluster (other namespaces), or a request that leaves out the subscription.
  throw new DomainError(
    'ambiguous_cluster',
    `several targets are ${describeCluster(cluster)}: ${targetNames(found).join(', ')}; name the target or the subscription`,
    400,
    { matching_targets: targetNames(found) },
  );
}

/**
 * The cluster fields of a deploy body or a `service-ip` query → a ClusterRef (null when none is given). As in the
 * older system, `cluster_name` and `resource_group` come together; either alone, or a subscription alone, is 400.
 */
export function clusterRef(fields: {
  cluster_name?: string | undefined;
  resource_group?: string | undefined;
  subscription_id?: string | undefined;
}): ClusterRef | null {
  const { cluster_name, resource_group, subscription_id } = fields;
  if (cluster_name === undefined) {
    const orphan =
      resource_group !== undefined ? 'resource_group' : subscription_id !== undefined ? 'subscription_id' : null;
    if (orphan) missing(`cluster_name is required with ${orphan}`);
    return null;
  }
  if (resource_group === undefined) missing('resource_group is required with cluster_name');
  return { clusterName: cluster_name, resourceGroup: resource_group, subscriptionId: subscription_id ?? null };
}

function missing(message: string): never {
  // The older system's code for an incomplete set of names, kept so its clients read it.
  throw new DomainError('missing_parameters', message, 400);
}

/** The registry as Azure names it: from ELB_REGISTRY_RESOURCE_ID, else from an `<name>.azurecr.io` image host. */
export interface RegistryNames {
  name: string | null;
  resourceGroup: string | null;
  subscriptionId: string | null;
}

export function configuredRegistry(config: Pick<AppConfig, 'image' | 'registryResourceId'>): RegistryNames {
  const id = config.registryResourceId?.match(
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)$/i,
  );
  if (id) return { subscriptionId: id[1]!, resourceGroup: id[2]!, name: id[3]! };
  const host = config.image.registry.match(/^([a-zA-Z0-9]+)\.azurecr\.[a-z.]+$/);
  return { name: host ? host[1]! : null, resourceGroup: null, subscriptionId: null };
}

/**
 * Checks the registry names a request gives against the configured registry: a name that differs (or a registry
 * that has no Azure name, such as the local one) is 400 `registry_mismatch`; a resource group or subscription is
 * checked when the resource id is configured. Returns the fields that could not be checked, so the answer can say
 * they were ignored rather than pretend they were used.
 */
export function checkRegistry(
  configured: RegistryNames,
  asked: Record<string, { value: string | null | undefined; against: keyof RegistryNames }>,
): string[] {
  const unchecked: string[] = [];
  for (const [field, { value, against }] of Object.entries(asked)) {
    if (value === undefined || value === null) continue;
    const have = configured[against];
    if (have === null && against !== 'name') {
      unchecked.push(field);
      continue;
    }
    if (have === null || !same(have, value)) {
      const what = configured.name === null ? 'a registry without an Azure name' : `registry ${configured.name}`;
      throw new DomainError(
        'registry_mismatch',
        `${field} ${value} does not match the configured registry (${what})`,
        400,
        {
          field,
        },
      );
    }
  }
  return unchecked;
}
