// The per-target summary (`GET /api/targets`, `GET /api/targets/{t}/openapi`) and the cheap activity feed the
// pages poll. Fields marked omittable may be left out by the server; the dashboard then reads null.
import * as z from 'zod/mini';
import { RecordStatus, ShortError } from './history';
import { DeployReason, omittable } from './primitives';
import { PendingUpdate, PolicyView } from './update';
import { ReconcileFinding } from './reconcile';

export const RegistryView = z.object({
  tag: z.string(),
  digest: z.nullable(z.string()),
  tags: z.array(z.string()),
  /** Why the registry could not be read, when it could not. */
  error: omittable(z.string()),
});

export const ServiceView = z.object({
  installed: z.boolean(),
  external_ip: z.nullable(z.string()),
  base_url: z.nullable(z.string()),
  swagger_url: z.nullable(z.string()),
  api_version: z.nullable(z.string()),
  /**
   * How the Service is exposed (docs/api.md "Service exposure"): `loopback` (the local sim), `internal` (the
   * internal-LB annotation or a private address) or `public`; null without a Service, or without an address and
   * the annotation, or when the cluster could not be read.
   */
  exposure: z.nullable(z.enum(['loopback', 'internal', 'public'])),
  /** The range `external_ip` lies in (`name` for a DNS name); null without an address. */
  address_range: z.nullable(z.enum(['loopback', 'private', 'public', 'name'])),
  /** What the Service's port declares it speaks (`base_url` uses it); null without a Service. */
  scheme: z.nullable(z.enum(['http', 'https'])),
  /** The image the cluster actually runs, when it was read. */
  live_image: omittable(z.string()),
  /** Why the cluster could not be read; then `installed` is the record's word, not the cluster's. */
  error: omittable(z.string()),
  /** Machine-readable form of `error`: `cluster_unavailable` when the cluster API cannot be reached. */
  error_code: omittable(z.string()),
});

/**
 * The target's AKS cluster as Azure Resource Manager reports it (`managedClusters.get`): `power_state` `Running` or
 * `Stopped`, `provisioning_state` `Succeeded`, `Starting`, `Stopping`, … (ARM's words, passed through).
 */
export const ClusterPowerView = z.object({
  power_state: z.string(),
  provisioning_state: z.string(),
  /** Why Resource Manager could not be read, when it could not (the states are then `Unknown`). */
  error: omittable(z.string()),
});

export const ActiveDeployView = z.object({
  instance_id: z.string(),
  runtime_status: z.string(),
  phase: z.string(),
  reason: z.string(),
  /** Pending far too long. */
  stuck: z._default(z.boolean(), false),
  /** Someone (any tab, the API) asked to cancel it. */
  cancel_requested: z._default(z.boolean(), false),
});

/** The most recent deploy of a target (running or finished), from its history record. */
export const DeployBrief = z.object({
  deploy_id: z.string(),
  reason: DeployReason,
  requester: z.string(),
  status: RecordStatus,
  cancel_requested: z.boolean(),
  started_at: z.string(),
  finished_at: z.nullable(z.string()),
  tag: z.nullable(z.string()),
  digest: z.nullable(z.string()),
  error: z.nullable(ShortError),
  /** What the cluster runs after it; null while it runs. */
  cluster_state: z.nullable(z.string()),
});

/** A digest whose deploy failed or rolled back: automatic updates never retry it. */
export const FailedDigest = z.object({
  digest: z.string(),
  tag: z.nullable(z.string()),
  deploy_id: z.string(),
  failed_at: z.string(),
  outcome: z.enum(['failed', 'rolled_back']),
  code: z.string(),
  message: z.string(),
});

export const DEPENDENCY_PARTS = ['exec', 'cluster', 'registry', 'storage'] as const;
export const DependencyPart = z.enum(DEPENDENCY_PARTS);

/** A part that does not answer right now (no secrets, no URLs). */
export const DependencyProblem = z.object({
  part: DependencyPart,
  /** `cluster_stopped`: the AKS cluster is stopped (Start cluster starts it), not merely unreachable. */
  code: z.enum([
    'exec_unavailable',
    'cluster_unavailable',
    'cluster_stopped',
    'registry_unavailable',
    'storage_unavailable',
  ]),
  message: z.string(),
  /** Only on a local run: the command that starts the part. */
  hint: z.nullable(z.string()),
});

export const TargetSummary = z.object({
  target: z.string(),
  kind: z.enum(['kubeconfig', 'aks']),
  namespace: z.string(),
  pinned_tag: z.string(),
  /** What Rebuild & Deploy builds (docs/deploy.md#rebuild--deploy); null when it is not configured. */
  rebuild: z.optional(z.nullable(z.object({ image: z.string() }))),
  desired_tag: z.string(),
  deployed: z.nullable(
    z.object({
      tag: z.nullable(z.string()),
      digest: z.string(),
      image: z.string(),
      deployed_at: z.nullable(z.string()),
    }),
  ),
  registry: RegistryView,
  update_available: z.boolean(),
  /** The cluster runs an image other than the one elb-control deployed. */
  drift: z.object({
    detected: z.boolean(),
    live_image: z.nullable(z.string()),
    /** When the reconcile first found the cluster running `live_image` (docs/policies.md "Reconcile and drift"). */
    since: omittable(z.string()),
  }),
  /** What the last reconcile pass found on this target; null before the first one. */
  last_reconcile: omittable(ReconcileFinding),
  service: ServiceView,
  /** The AKS cluster's power state; null for a target without an Azure cluster (a kubeconfig without seedCluster). */
  cluster: omittable(ClusterPowerView),
  active_deploy: z.nullable(ActiveDeployView),
  last_deploy: z.nullable(DeployBrief),
  /** Newest first, at most 10. */
  failed_digests: z.array(FailedDigest).check(z.maxLength(10)),
  /** The `failed_digests` entry for the registry's current digest, when that digest failed before. */
  registry_digest_failed: z.nullable(FailedDigest),
  /** Parts that do not answer right now ([] when everything answers). */
  dependencies: z.array(DependencyProblem),
  /** The update policy in force (docs/policies.md), where it comes from, and its maintenance window now. */
  policy: omittable(PolicyView),
  /** The update waiting for approval or for the window (or deploying), or null. */
  pending_update: omittable(PendingUpdate),
  /** Opaque; changes whenever the active deploy, the last deploy's status or the deployed digest changes. */
  change_token: z.string(),
});
export const TargetSummaryList = z.array(TargetSummary);

/** `GET …/activity`: tables only, cheap enough to poll every second. */
export const TargetActivity = z.object({
  target: z.string(),
  change_token: z.string(),
  active_deploy: z.nullable(
    z.object({
      instance_id: z.string(),
      reason: z.string(),
      requester: z.string(),
      started_at: z.nullable(z.string()),
    }),
  ),
  last_deploy: z.nullable(DeployBrief),
});
export const ActivityList = z.object({ targets: z.array(TargetActivity) });
