// Shapes of the HTTP API the dashboard reads. The answers themselves are declared once, in core/contract (the
// server validates and the OpenAPI document is generated from the same schemas); here they are only named, as
// zod's output types: what `parse.ts` hands the page after checking an answer. The few types declared below are
// the dashboard's own views computed from those answers, not copies of them.
import type * as z from 'zod/mini';
import type * as contract from '../../../core/contract/index.js';

export type PhaseStatus = z.output<typeof contract.PhaseStatus>;
export type TimelineEntry = z.output<typeof contract.TimelineEntry>;
export type TargetSummary = z.output<typeof contract.TargetSummary>;
export type DeployedImage = NonNullable<TargetSummary['deployed']>;
export type RegistryState = z.output<typeof contract.RegistryView>;
export type ServiceState = z.output<typeof contract.ServiceView>;
export type ActiveDeploy = z.output<typeof contract.ActiveDeployView>;
/** The summary's short account of a deploy, from its history record. */
export type DeployBrief = z.output<typeof contract.DeployBrief>;
export type DeployBriefStatus = DeployBrief['status'];
/** A digest whose deploy failed or rolled back. */
export type FailedDigest = z.output<typeof contract.FailedDigest>;
/** A part elb-control needs that does not answer right now. */
export type DependencyProblem = z.output<typeof contract.DependencyProblem>;
/** `GET /api/targets/{t}/openapi/activity`: the cheap change feed the pages poll every second. */
export type TargetActivity = z.output<typeof contract.TargetActivity>;
export type StartDeployAnswer = z.output<typeof contract.DeployAccepted>;
export type RollbackOutcome = z.output<typeof contract.RollbackOutcome>;
type ContractDeployError = z.output<typeof contract.DeployError>;

/** A deploy error as the page shows it: the server's, or one the dashboard words itself (no diagnostics). */
export interface DeployError extends Pick<ContractDeployError, 'code' | 'message'> {
  diagnostics: ContractDeployError['diagnostics'] | null;
}

/** View of a deploy's output: the image fields lifted out of `openapi_deploy`. */
export interface DeployOutput {
  status: z.output<typeof contract.DeployOutput>['status'];
  image: string | null;
  digest: string | null;
  previous_image: string | null;
  external_ip: string | null;
  elapsed_seconds: number;
  error: DeployError | null;
  rollback: RollbackOutcome | null;
  /** In words, what the cluster looks like after a failure or a cancel. */
  cluster_state: string;
}

/** View of a deploy status: `custom_status` flattened, the output as `DeployOutput`. */
export interface DeployStatus {
  instance_id: string;
  runtime_status: string;
  phase: string;
  timeline: TimelineEntry[];
  target: string;
  image: string | null;
  output: DeployOutput | null;
  /** The server has recorded a cancel request that the orchestration has not acted on yet. */
  cancel_requested: boolean;
  /** The server considers the deploy stuck (Pending far too long). */
  stuck: boolean;
  created_time: string;
  last_updated_time: string;
}

/** Time spent in one phase, for the history chart. */
export interface PhaseDuration {
  name: string;
  durationMs: number;
  status: PhaseStatus;
}

type ListItem = z.output<typeof contract.DeploymentListItem>;

/** A history row as the History page draws it, computed from a record of `GET …/deployments`. */
export interface DeploymentRecord {
  instance_id: string;
  reason: string;
  status: ListItem['status'];
  tag: string | null;
  digest: string | null;
  started_at: string;
  ended_at: string | null;
  elapsed_seconds: number | null;
  /** Phases in the order they ran, with their durations. */
  phases: PhaseDuration[];
  /** The phase the deploy failed in, from the record's timeline; null when none failed or the record has none. */
  failed_phase: string | null;
  error: DeployError | null;
  rollback_status: string | null;
  /** Who asked for it (a user, `event-grid` for a registry push). */
  requester: string;
  /** The decision an approval-mode update waited for: who, and their comment. */
  approval: ListItem['approval'];
  /** A manual deploy outside the target's maintenance window: the reason given, and by whom. */
  window_override: ListItem['window_override'];
}

/** An operation of the live service's OpenAPI document (not this API's: that document is elb-openapi's own). */
export interface OpenApiOperation {
  method: string;
  path: string;
  summary: string | null;
  operationId: string | null;
  tags: string[];
  deprecated: boolean;
}
export type TokenReveal = z.output<typeof contract.TokenReveal>;
