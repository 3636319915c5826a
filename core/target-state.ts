// Per-target state kept in the `targets` table, and the pure decisions taken on it: who holds the single-flight
// lease, whether a registry push starts a deploy, waits for the running one, or is ignored, and which digests
// failed (so auto-updates never retry them).
import type * as z from 'zod/mini';
import type { FailedDigest as FailedDigestSchema } from './contract/summary';
import type { DeployOutput } from './deploy-model';

export interface TargetState {
  name: string;
  /** Tag chosen explicitly for this target; null → follow the pinned tag. */
  desiredTagOverride: string | null;
  deployedTag: string | null;
  deployedDigest: string | null;
  deployedImage: string | null;
  deployedAt: string | null;
  /** JSON of the manifest objects last deployed successfully (no Secrets): the rollback source. */
  deployedManifest: string | null;
  /** JSON of the manifest objects applied by the running deploy, promoted on success. */
  appliedManifest: string | null;
  previousTag: string | null;
  previousDigest: string | null;
  previousImage: string | null;
  externalIp: string | null;
  apiVersion: string | null;
  activeInstanceId: string | null;
  activeReason: string | null;
  activeSince: string | null;
  /** The last pushed digest an auto deploy was started or queued for (once per digest). */
  lastAutoDigest: string | null;
  /** A push that arrived while a deploy was running, applied once it ends. */
  pendingPushTag: string | null;
  pendingPushDigest: string | null;
  /** JSON of FailedDigest[] (newest first, at most MAX_FAILED_DIGESTS): digests auto-updates must not retry. */
  failedDigests: string | null;
  /** JSON of the UpdatePolicy a deployer set through the API; null → the configured one (core/update-policy.ts). */
  policyOverride: string | null;
  /** The updateTarget instance waiting (for approval or the window) or deploying for this target; null when none. */
  pendingUpdateId: string | null;
  /** The image the cluster was last found running instead of the deployed one (reported once), and since when. */
  driftImage: string | null;
  driftSince: string | null;
  /** JSON of the last reconcile pass's ReconcileFinding for this target (core/contract/reconcile.ts). */
  lastReconcile: string | null;
}

export function emptyTargetState(name: string): TargetState {
  return {
    name,
    desiredTagOverride: null,
    deployedTag: null,
    deployedDigest: null,
    deployedImage: null,
    deployedAt: null,
    deployedManifest: null,
    appliedManifest: null,
    previousTag: null,
    previousDigest: null,
    previousImage: null,
    externalIp: null,
    apiVersion: null,
    activeInstanceId: null,
    activeReason: null,
    activeSince: null,
    lastAutoDigest: null,
    pendingPushTag: null,
    pendingPushDigest: null,
    failedDigests: null,
    policyOverride: null,
    pendingUpdateId: null,
    driftImage: null,
    driftSince: null,
    lastReconcile: null,
  };
}

/** How long a freshly taken lease counts as active even before its orchestration is visible. */
export const LEASE_START_GRACE_MS = 60_000;

export type ActiveInstanceStatus = 'running' | 'finished' | 'unknown';

/**
 * Whether the lease holder still blocks a new deploy. An instance that finished (or was terminated) without
 * releasing the lease no longer counts; one not yet visible counts only during the start grace period.
 */
export function leaseIsHeld(state: TargetState, holderStatus: ActiveInstanceStatus, nowMs: number): boolean {
  if (!state.activeInstanceId) return false;
  if (holderStatus === 'running') return true;
  if (holderStatus === 'finished') return false;
  const since = state.activeSince ? Date.parse(state.activeSince) : 0;
  return nowMs - since < LEASE_START_GRACE_MS;
}

export interface PushEvent {
  repository: string;
  tag: string;
  digest: string;
}

export type PushDecision =
  | { action: 'ignore'; reason: 'tag_not_desired' | 'already_deployed' | 'duplicate' | 'failed_before' }
  | { action: 'start' }
  | { action: 'queue' };

/** `desired` is the target's desired tag, `follows` whether its policy follows the pushed tag (core/update-policy.ts). */
export function decidePush(state: TargetState, follows: boolean, push: PushEvent, leaseHeld: boolean): PushDecision {
  if (!follows) return { action: 'ignore', reason: 'tag_not_desired' };
  if (state.deployedDigest === push.digest) return { action: 'ignore', reason: 'already_deployed' };
  if (state.lastAutoDigest === push.digest) return { action: 'ignore', reason: 'duplicate' };
  if (failedDigest(state, push.digest)) return { action: 'ignore', reason: 'failed_before' };
  if (leaseHeld) return { action: 'queue' };
  return { action: 'start' };
}

/** After a deploy ends: whether a push queued during it still needs deploying. */
export function needsFollowUp(state: TargetState): boolean {
  return (
    state.pendingPushDigest !== null &&
    state.pendingPushDigest !== state.deployedDigest &&
    failedDigest(state, state.pendingPushDigest) === null
  );
}

/** A digest whose deploy failed or rolled back (docs/deploy.md "Failed digests"). */
/** A digest whose deploy failed or rolled back (core/contract/summary.ts). */
export type FailedDigest = z.output<typeof FailedDigestSchema>;

export const MAX_FAILED_DIGESTS = 10;

/** Error codes that blame a dependency (exec server, cluster API, storage), not the image: no digest is marked. */
export const DEPENDENCY_ERROR_CODES: ReadonlySet<string> = new Set([
  'exec_unavailable',
  'exec_denied',
  'exec_not_configured',
  'cluster_unavailable',
  'cluster_forbidden',
  'storage_unavailable',
  'kubeconfig_unreadable',
  'internal_error',
]);

export function failedDigestsOf(state: TargetState): FailedDigest[] {
  if (!state.failedDigests) return [];
  try {
    const list = JSON.parse(state.failedDigests) as unknown;
    return Array.isArray(list) ? (list as FailedDigest[]).filter((e) => typeof e?.digest === 'string') : [];
  } catch {
    return [];
  }
}

export function failedDigest(state: TargetState, digest: string | null): FailedDigest | null {
  if (!digest) return null;
  return failedDigestsOf(state).find((e) => e.digest === digest) ?? null;
}

/** Records a failure (replacing an older entry for the digest), newest first, bounded. */
export function withFailedDigest(state: TargetState, entry: FailedDigest): TargetState {
  const rest = failedDigestsOf(state).filter((e) => e.digest !== entry.digest);
  const message = entry.message.split('\n')[0]!.slice(0, 200);
  const list = [{ ...entry, message }, ...rest].slice(0, MAX_FAILED_DIGESTS);
  return { ...state, failedDigests: JSON.stringify(list) };
}

/** A later success of the digest clears its mark. */
export function withoutFailedDigest(state: TargetState, digest: string | null): TargetState {
  if (!failedDigest(state, digest)) return state;
  const list = failedDigestsOf(state).filter((e) => e.digest !== digest);
  return { ...state, failedDigests: list.length ? JSON.stringify(list) : null };
}

/**
 * The failed-digest entry a finished deploy leaves, or null: only a failure or rollback that reached the cluster
 * and is not blamed on a dependency marks its digest (docs/deploy.md "Failed digests").
 */
export function failedDigestEntry(output: DeployOutput): FailedDigest | null {
  if (output.status !== 'failed' && output.status !== 'rolled_back') return null;
  const digest = output.openapi_deploy.digest;
  if (!digest || !output.error || DEPENDENCY_ERROR_CODES.has(output.error.code)) return null;
  if (output.cluster_state.startsWith('unchanged')) return null;
  return {
    digest,
    tag: output.openapi_deploy.tag,
    deploy_id: output.deploy_id,
    failed_at: output.finished_at,
    outcome: output.status,
    code: output.error.code,
    message: output.error.message,
  };
}
