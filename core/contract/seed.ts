// The fields the older system's clients send (docs/api.md "Seed-compatible calls"): the Azure names of a cluster
// and of a registry. They select a configured target and are checked against the configured registry; they never
// configure anything.
import * as z from 'zod/mini';
import { TargetName } from './primitives';

/** Azure's formats, shared with the `aks` target's settings so a request and a setting agree on what is valid. */
export const SUBSCRIPTION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
export const CLUSTER_NAME = /^[a-zA-Z0-9][-_a-zA-Z0-9]{0,62}$/;
export const REGISTRY_NAME = /^[a-zA-Z0-9]{5,50}$/;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;

export const SubscriptionId = z.string().check(z.regex(SUBSCRIPTION_ID, 'must be a subscription id (a GUID)'));
export const ResourceGroup = z.string().check(z.regex(RESOURCE_GROUP, 'must be a resource group name'));
export const ClusterName = z.string().check(z.regex(CLUSTER_NAME, 'must be an AKS cluster name'));
export const RegistryName = z.string().check(z.regex(REGISTRY_NAME, 'must be a container registry name'));

/** The cluster fields of the deploy body and of `service-ip`: together they name one configured target. */
export const SEED_CLUSTER_FIELDS = {
  /** With `resource_group`: selects the target configured with this AKS cluster (names compare case-insensitively). */
  cluster_name: z.optional(ClusterName),
  /** The cluster's resource group; needed with `cluster_name`. */
  resource_group: z.optional(ResourceGroup),
  /** The cluster's subscription; when given it must match too. */
  subscription_id: z.optional(SubscriptionId),
};

/** What the older system's deploy body carried besides the cluster (all optional here). */
export const SEED_DEPLOY_FIELDS = {
  ...SEED_CLUSTER_FIELDS,
  /** Must name the configured registry (400 `registry_mismatch`). */
  acr_name: z.optional(RegistryName),
  /** When the registry's resource id is configured, must be its resource group; otherwise reported as ignored. */
  acr_resource_group: z.optional(ResourceGroup),
  /** Accepted and ignored (reported in `ignored_fields`): storage grants are per target (`roleAssignments`). */
  storage_account: z.optional(z.string().check(z.regex(STORAGE_ACCOUNT, 'must be a storage account name'))),
  /** Accepted and ignored (reported in `ignored_fields`): storage grants are per target (`roleAssignments`). */
  storage_resource_group: z.optional(ResourceGroup),
  /** Accepted and ignored (reported in `ignored_fields`): there is no Private Link Service to recreate. */
  confirm_recreate: z.optional(z.boolean()),
};

/** `GET /monitor/acr`: the registry as the older system named it, and (new) the target by name or cluster name. */
export const AcrQuery = z.object({
  /** Needed when several targets are configured, unless `cluster_name` names one. */
  target: z.optional(TargetName),
  /** Selects the target configured with this AKS cluster name (here `resource_group` belongs to the registry). */
  cluster_name: z.optional(ClusterName),
  /** Must name the configured registry (400 `registry_mismatch`). */
  registry_name: z.optional(RegistryName),
  /** The registry's resource group: checked when the registry's resource id is configured. */
  resource_group: z.optional(ResourceGroup),
  /** The registry's subscription: checked when the registry's resource id is configured. */
  subscription_id: z.optional(SubscriptionId),
});

/** A kubeconfig target's Azure names, declared so that old clients naming the cluster reach it. */
export const SeedCluster = z.object({
  subscriptionId: z.string().check(z.regex(SUBSCRIPTION_ID, 'has an invalid value')),
  resourceGroup: z.string().check(z.regex(RESOURCE_GROUP, 'has an invalid value')),
  clusterName: z.string().check(z.regex(CLUSTER_NAME, 'has an invalid value')),
});
