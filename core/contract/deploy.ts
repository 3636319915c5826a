// A deploy as the API shows it: its phases (the timeline), its progress while it runs (Durable's custom status),
// its output once it ends (docs/deploy.md), and the answers of start, status and cancel.
import * as z from 'zod/mini';
import { DeployReason } from './primitives';

export const PHASES = [
  'resolving_image',
  'setup_workload_identity',
  'applying_manifests',
  'waiting_for_rollout',
  'waiting_for_external_ip',
  'verifying_service',
] as const;
/** A token rotation's phases, in order (docs/security.md#rotation); `restoring_token` only when it fails. */
export const ROTATION_PHASES = ['applying_token', 'waiting_for_rollout', 'verifying_token'] as const;
/** The step a `rebuild` or a `start_cluster` operation takes before a deploy's phases (docs/deploy.md#operations). */
export const PRELUDE_PHASES = { rebuild: 'building_image', start_cluster: 'starting_cluster' } as const;
const OTHER_PHASES = [
  'rolling_back',
  'applying_token',
  'verifying_token',
  'restoring_token',
  'building_image',
  'starting_cluster',
] as const;
export const PhaseName = z.enum([...PHASES, ...OTHER_PHASES]);
export const PHASE_STATUSES = ['pending', 'running', 'done', 'skipped', 'failed'] as const;
export const PhaseStatus = z.enum(PHASE_STATUSES);
/**
 * What `custom_status.phase` says: a phase name, `queued`, or a terminal word (`terminated` only in a status
 * answered from the history record of a deploy stopped from outside).
 */
export const CurrentPhase = z.enum([
  ...PHASES,
  ...OTHER_PHASES,
  'queued',
  'completed',
  'failed',
  'rolled_back',
  'cancelled',
  'terminated',
]);

export const TimelineEntry = z.object({
  name: PhaseName,
  status: PhaseStatus,
  startedAt: z.nullable(z.string()),
  endedAt: z.nullable(z.string()),
  detail: z.string(),
});

/** Durable's custom status of a running deploy. */
export const DeployProgress = z.object({
  phase: CurrentPhase,
  target: z.string(),
  image: z.nullable(z.string()),
  reason: z.string(),
  cancel_requested: z.boolean(),
  timeline: z.array(TimelineEntry),
});

/** Evidence from the cluster: free-form besides these keys, shown generically. */
export const Diagnostics = z.looseObject({
  likely_cause: z.optional(z.string()),
  what_to_do: z.optional(z.string()),
  events: z.optional(
    z.array(
      z.object({
        kind: z.string(),
        name: z.string(),
        reason: z.string(),
        message: z.string(),
        type: z.optional(z.string()),
        count: z.optional(z.number()),
        last_timestamp: z.optional(z.string()),
      }),
    ),
  ),
});

export const DeployError = z.object({
  code: z.string(),
  message: z.string(),
  diagnostics: z.optional(Diagnostics),
  /** Set by the apply when the exec server certainly did not run it: nothing reached the cluster. */
  not_applied: z.optional(z.boolean()),
});

export const RollbackOutcome = z.object({
  status: z.enum(['succeeded', 'failed', 'skipped']),
  image: z.nullable(z.string()),
  reason: z.optional(z.string()),
  error: z.optional(DeployError),
});

export const WorkloadIdentityResult = z.object({
  status: z.enum(['configured', 'skipped']),
  reason: z.optional(z.string()),
  identity_name: z.optional(z.string()),
  client_id: z.optional(z.string()),
  principal_id: z.optional(z.string()),
  oidc_issuer: z.optional(z.string()),
  federated_credential: z.optional(z.string()),
  roles_assigned: z.optional(z.array(z.string())),
});

export const DEPLOY_OUTCOMES = ['succeeded', 'failed', 'rolled_back', 'cancelled'] as const;

/** The orchestration's result: the reference system's fields plus error, digest, rollback and timeline. */
export const DeployOutput = z.object({
  status: z.enum(DEPLOY_OUTCOMES),
  deploy_id: z.string(),
  target: z.string(),
  namespace: z.nullable(z.string()),
  reason: DeployReason,
  requester: z.string(),
  workload_identity: z.nullable(WorkloadIdentityResult),
  openapi_deploy: z.object({
    status: z.enum(['deployed', 'failed', 'rolled_back', 'cancelled']),
    image: z.nullable(z.string()),
    tag: z.nullable(z.string()),
    digest: z.nullable(z.string()),
    external_ip: z.nullable(z.string()),
    base_url: z.nullable(z.string()),
    api_version: z.nullable(z.string()),
    apply_output: z.string(),
    ready_replicas: z.nullable(z.number()),
    desired_replicas: z.nullable(z.number()),
    error: z.optional(z.string()),
  }),
  previous_image: z.nullable(z.string()),
  error: z.nullable(DeployError),
  /** Rebuild & Deploy: the ACR Tasks run, its status and the digest it pushed (then deployed). */
  build: z.optional(z.object({ run_id: z.string(), status: z.string(), digest: z.nullable(z.string()) })),
  rollback: z.nullable(RollbackOutcome),
  /** Whether a cancel was requested before the outcome was decided (then status is never `succeeded`). */
  cancel_requested: z.boolean(),
  /** In words, what the cluster looks like after a failure or a cancel. */
  cluster_state: z.string(),
  timeline: z.array(TimelineEntry),
  started_at: z.string(),
  finished_at: z.string(),
  elapsed_seconds: z.number(),
});

/** `GET …/deploy/{id}/status` and `GET …/deployments/{id}`. */
export const DeployStatus = z.object({
  instance_id: z.string(),
  /** Durable's runtime status (`Pending`, `Running`, `Completed`, …; `Unknown` when answered from history). */
  runtime_status: z.string(),
  custom_status: DeployProgress,
  output: z.nullable(DeployOutput),
  created_time: z.string(),
  last_updated_time: z.string(),
  /** Pending longer than ELB_PENDING_WARN_SECONDS. */
  stuck: z.boolean(),
  stuck_reason: z.optional(z.string()),
  /** Durable no longer knows the instance: this answer comes from the history record. */
  from_history: z.optional(z.boolean()),
});

/** 202 of a deploy start. */
export const DeployAccepted = z.object({
  id: z.string(),
  instance_id: z.string(),
  /** The same id again, under the name the older system's clients read. */
  task_id: z.optional(z.string()),
  target: z.string(),
  reason: DeployReason,
  status: z.literal('queued'),
  statusQueryGetUri: z.string(),
  /** Old body fields that had no effect here (docs/api.md "Seed-compatible calls"); absent when none. */
  ignored_fields: z.optional(z.array(z.string())),
});
export type DeployAccepted = z.output<typeof DeployAccepted>;

/** 202 of a cancel. */
export const CancelAnswer = z.object({
  instance_id: z.string(),
  cancel_requested: z.literal(true),
  mode: z.enum(['cancel', 'terminate']),
  terminated: z.optional(z.boolean()),
});

/** 200 of a Rebuild & Deploy with `dry_run: true`: what would be built and deployed (nothing is started). */
export const RebuildPreview = z.object({
  status: z.literal('dry_run'),
  target: z.string(),
  image: z.string(),
  registry_name: z.nullable(z.string()),
  would_build: z.string(),
  would_deploy: z.string(),
  source: z.object({ url: z.string(), ref: z.string(), context: z.string(), dockerfile: z.string() }),
  ignored_fields: z.optional(z.array(z.string())),
});
export type RebuildPreview = z.output<typeof RebuildPreview>;
