// Shapes shared by the deploy orchestration, its activities and the HTTP API. The output keeps the reference
// system's fields (status, openapi_deploy.{status,image,external_ip,apply_output}, workload_identity,
// elapsed_seconds) so existing scripts keep working, and adds error, digest, previous image, rollback and timeline.
import type * as z from 'zod/mini';
import type * as contract from './contract';
import { Timings } from './config';

export const DEPLOY_ORCHESTRATOR = 'deployOpenApi';
/** The token rotation (docs/security.md#rotation): same lease, history and status as a deploy. */
export const ROTATE_TOKEN_ORCHESTRATOR = 'rotateApiToken';
export const CANCEL_EVENT = 'cancel';
export { DEPLOY_REASONS } from './contract/primitives';
export type DeployReason = z.output<typeof contract.DeployReason>;

export interface DeployInput {
  target: string;
  reason: DeployReason;
  /** Tag to deploy; null → the target's desired tag. */
  tag: string | null;
  /** Exact digest to deploy (rollback to a known image); null → resolve the tag. */
  digest: string | null;
  requester: string;
  requestedAt: string;
  timings: Timings;
}

export type DeployError = z.output<typeof contract.DeployError>;

/** Activities return domain failures as values (codes survive intact); only unexpected faults throw. */
export type ActivityResult<T> = { ok: true; value: T } | { ok: false; error: DeployError };

export interface ImageInfo {
  tag: string | null;
  digest: string | null;
  image: string | null;
}

export interface ResolvedImage {
  kind: 'aks' | 'kubeconfig';
  namespace: string;
  tag: string;
  digest: string;
  /** repo@digest */
  image: string;
  previous: ImageInfo | null;
  /** Whether a previously deployed manifest exists to roll back to. */
  canRollBack: boolean;
}

export type WorkloadIdentityResult = z.output<typeof contract.WorkloadIdentityResult>;

export interface ApplyResult {
  apply_output: string;
  image: string;
  generation: number;
  template_hash: string | null;
}

export interface RolloutCheck {
  state: 'ready' | 'progressing' | 'failed';
  detail: string;
  ready_replicas?: number;
  desired_replicas?: number;
  error?: DeployError;
}

export interface AddressCheck {
  external_ip: string | null;
  detail: string;
}

export interface VerifyCheck {
  healthy: boolean;
  detail: string;
  api_version: string | null;
  base_url: string;
}

/** A look at an ACR Tasks run (orchestrations/activities/build.ts). */
export interface BuildCheck {
  state: 'running' | 'succeeded' | 'failed';
  /** ACR's RunStatus. */
  status: string;
  detail: string;
  /** What the run pushed for the pinned tag, once it succeeded. */
  digest?: string;
  error?: DeployError;
}

/** Start cluster's look at the starting cluster (orchestrations/activities/cluster-start.ts). */
export interface ClusterStartCheck {
  state: 'starting' | 'running' | 'failed';
  /** ARM's power and provisioning states, or why the cluster's API does not answer yet. */
  detail: string;
  error?: DeployError;
}

/** A token rotation's check of the live service (orchestrations/activities/checks.ts). */
export interface TokenCheck {
  state: 'verified' | 'pending' | 'failed';
  detail: string;
  error?: DeployError;
}

/** What the cluster runs, read back when a rollback could not be verified. */
export interface ClusterInspection {
  deployment_image: string | null;
  pod_images: string[];
  ready_replicas: number;
}

export type DeployStatus = (typeof contract.DEPLOY_OUTCOMES)[number];
export type RollbackOutcome = z.output<typeof contract.RollbackOutcome>;
/** The orchestration's output (docs/deploy.md), declared in core/contract/deploy.ts. */
export type DeployOutput = z.output<typeof contract.DeployOutput>;

export interface FinishInput {
  deployId: string;
  output: DeployOutput;
}

export interface FinishResult {
  /** A deploy started afterwards because a newer image was pushed while this one ran. */
  follow_up_instance_id: string | null;
}
