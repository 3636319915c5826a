// Shapes shared by the deploy orchestration, its activities and the HTTP API. The output keeps the reference
// system's fields (status, openapi_deploy.{status,image,external_ip,apply_output}, workload_identity,
// elapsed_seconds) so existing scripts keep working, and adds error, digest, previous image, rollback and timeline.
import { Diagnostics } from './errors';
import { Timings } from './config';
import { TimelineEntry } from './timeline';

export const DEPLOY_ORCHESTRATOR = 'deployOpenApi';
export const CANCEL_EVENT = 'cancel';
export const DEPLOY_REASONS = ['install', 'update', 'auto', 'rollback'] as const;
export type DeployReason = (typeof DEPLOY_REASONS)[number];

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

export interface DeployError {
  code: string;
  message: string;
  diagnostics?: Diagnostics;
  /** Set by the apply when the exec server certainly did not run it: nothing reached the cluster. */
  not_applied?: boolean;
}

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

export interface WorkloadIdentityResult {
  status: 'configured' | 'skipped';
  reason?: string;
  identity_name?: string;
  client_id?: string;
  principal_id?: string;
  oidc_issuer?: string;
  federated_credential?: string;
  roles_assigned?: string[];
}

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

/** What the cluster runs, read back when a rollback could not be verified. */
export interface ClusterInspection {
  deployment_image: string | null;
  pod_images: string[];
  ready_replicas: number;
}

export type DeployStatus = 'succeeded' | 'failed' | 'rolled_back' | 'cancelled';

export interface RollbackOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  image: string | null;
  reason?: string;
  error?: DeployError;
}

export interface DeployOutput {
  status: DeployStatus;
  deploy_id: string;
  target: string;
  namespace: string | null;
  reason: DeployReason;
  requester: string;
  workload_identity: WorkloadIdentityResult | null;
  openapi_deploy: {
    status: 'deployed' | 'failed' | 'rolled_back' | 'cancelled';
    image: string | null;
    tag: string | null;
    digest: string | null;
    external_ip: string | null;
    base_url: string | null;
    api_version: string | null;
    apply_output: string;
    ready_replicas: number | null;
    desired_replicas: number | null;
    error?: string;
  };
  previous_image: string | null;
  error: DeployError | null;
  rollback: RollbackOutcome | null;
  /** Whether a cancel was requested before the outcome was decided (then status is never `succeeded`). */
  cancel_requested: boolean;
  /** In words, what the cluster looks like after a failure or a cancel. */
  cluster_state: string;
  timeline: TimelineEntry[];
  started_at: string;
  finished_at: string;
  elapsed_seconds: number;
}

export interface FinishInput {
  deployId: string;
  output: DeployOutput;
}

export interface FinishResult {
  /** A deploy started afterwards because a newer image was pushed while this one ran. */
  follow_up_instance_id: string | null;
}
