// Shapes of the HTTP API the dashboard reads (docs/contracts.md, "HTTP API"). They describe what the server
// promises; `parse.ts` checks each answer against them at the boundary before the page uses it.
import type { PhaseStatus } from '../../../core/timeline.js';

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew' | 'Suspended';

/** The backend's phase statuses. */
export type { PhaseStatus };

export interface TimelineEntry {
  name: string;
  status: PhaseStatus;
  startedAt: string | null;
  endedAt: string | null;
  detail: string | null;
}

export interface DeployedImage {
  tag: string | null;
  digest: string | null;
  image: string | null;
  deployed_at: string | null;
}

export interface RegistryState {
  tag: string | null;
  digest: string | null;
  tags: string[];
  /** Why the registry could not be read, when it could not. */
  error: string | null;
}

export interface ServiceState {
  installed: boolean;
  external_ip: string | null;
  base_url: string | null;
  swagger_url: string | null;
  api_version: string | null;
  /** The image the cluster actually runs, when it was read. */
  live_image: string | null;
  /** Why the cluster could not be read; then `installed: false` means "unknown", not "absent". */
  error: string | null;
  /** Machine-readable form of `error`: `cluster_unavailable` when the cluster API cannot be reached. */
  error_code: string | null;
}

export interface ActiveDeploy {
  instance_id: string;
  runtime_status: string;
  phase: string | null;
  reason: string | null;
  /** The server considers the deploy stuck (Pending far too long). */
  stuck: boolean;
  /** Someone (any tab, the API) asked to cancel it. */
  cancel_requested: boolean;
}

export interface TargetSummary {
  target: string;
  kind: string;
  namespace: string | null;
  pinned_tag: string;
  desired_tag: string | null;
  deployed: DeployedImage | null;
  registry: RegistryState | null;
  update_available: boolean;
  /** The cluster runs an image other than the one elb-control deployed. */
  drift: { detected: boolean; live_image: string | null } | null;
  service: ServiceState;
  active_deploy: ActiveDeploy | null;
  /** The most recent deploy of the target, running or finished, however it was started. */
  last_deploy: DeployBrief | null;
  /** Digests whose deploy failed or rolled back, newest first; automatic updates never retry them. */
  failed_digests: FailedDigest[];
  /** The `failed_digests` entry for the registry's current digest, when that digest failed before. */
  registry_digest_failed: FailedDigest | null;
  /** Parts that do not answer right now ([] when everything answers). */
  dependencies: DependencyProblem[];
  /** Opaque; changes whenever the active deploy, the last deploy's status or the deployed digest changes. */
  change_token: string | null;
}

export type DeployBriefStatus =
  'queued' | 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'cancelled' | 'terminated';

/** The summary's short account of a deploy, from its history record. */
export interface DeployBrief {
  deploy_id: string;
  /** `install`, `update`, `auto` (a registry push) or `rollback`. */
  reason: string;
  requester: string | null;
  status: DeployBriefStatus | string;
  cancel_requested: boolean;
  started_at: string | null;
  /** Null while it runs. */
  finished_at: string | null;
  tag: string | null;
  digest: string | null;
  /** Short, one line. */
  error: { code: string; message: string } | null;
  /** What the cluster runs after it; null while it runs. */
  cluster_state: string | null;
}

/** A digest whose deploy failed or rolled back. */
export interface FailedDigest {
  digest: string;
  tag: string | null;
  deploy_id: string;
  failed_at: string | null;
  outcome: 'failed' | 'rolled_back' | string;
  code: string;
  message: string;
}

/** A part elb-control needs that does not answer right now. */
export interface DependencyProblem {
  part: 'exec' | 'cluster' | 'registry' | 'storage' | string;
  code: string;
  message: string;
  /** Locally only: the command that starts the part. */
  hint: string | null;
}

/** `GET /api/targets/{t}/openapi/activity`: the cheap change feed the pages poll every second. */
export interface TargetActivity {
  target: string;
  change_token: string;
  active_deploy: {
    instance_id: string;
    reason: string | null;
    requester: string | null;
    started_at: string | null;
  } | null;
  last_deploy: DeployBrief | null;
}

export interface DeployError {
  code: string;
  message: string;
  /** Free-form evidence from the server (events, likely cause, what to do); rendered generically. */
  diagnostics: unknown;
}

/** The orchestration's result, in the reference system's shape plus the fields elb-control adds. */
export interface DeployOutput {
  status: string | null;
  image: string | null;
  digest: string | null;
  previous_image: string | null;
  external_ip: string | null;
  elapsed_seconds: number | null;
  error: DeployError | null;
  /** What the rollback did: `{status, image, reason?, error?}` in practice; other shapes are shown generically. */
  rollback: unknown;
  /** In words, what the cluster looks like after a failure or a cancel. */
  cluster_state: string | null;
}

export interface DeployStatus {
  instance_id: string;
  runtime_status: RuntimeStatus | string;
  phase: string | null;
  timeline: TimelineEntry[];
  target: string | null;
  image: string | null;
  output: DeployOutput | null;
  /** The server has recorded a cancel request that the orchestration has not acted on yet. */
  cancel_requested: boolean;
  /** The server considers the deploy stuck (Pending far too long). */
  stuck: boolean;
  created_time: string | null;
  last_updated_time: string | null;
}

export interface StartDeployAnswer {
  id: string;
  instance_id: string;
  target: string | null;
  status: string;
}

/** Time spent in one phase, for the history chart. */
export interface PhaseDuration {
  name: string;
  durationMs: number;
  status: PhaseStatus;
}

/** One row of a target's deploy history (`GET /api/targets/{t}/openapi/deployments`). */
export interface DeploymentRecord {
  instance_id: string;
  reason: string | null;
  status: string;
  tag: string | null;
  digest: string | null;
  started_at: string | null;
  ended_at: string | null;
  elapsed_seconds: number | null;
  /** Phases in the order they ran, with their durations. */
  phases: PhaseDuration[];
  /** The phase the deploy failed in, from the record's timeline; null when none failed or the record has none. */
  failed_phase: string | null;
  error: DeployError | null;
  rollback_status: string | null;
  /** Who asked for it (a user, `event-grid` for a registry push). */
  requester: string | null;
  /** What the cluster ran after it, when the record says. */
  cluster_state: string | null;
}

export interface OpenApiOperation {
  method: string;
  path: string;
  summary: string | null;
  operationId: string | null;
  tags: string[];
  deprecated: boolean;
}
