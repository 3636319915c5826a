// The per-target summary the dashboard reads (docs/api.md): pinned/desired tag, what is deployed, what the registry
// has, whether an update is available, the live service, the active and the most recent deploy, the digests that
// failed, the dependencies that do not answer — and the cheap activity view the page polls (tables only).
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { AppConfig } from './config';
import type * as contract from './contract/summary';
import { ReconcileFinding } from './contract/reconcile';
import { DeployReason } from './deploy-model';
import { DeploymentRecord } from './deployment-record';
import { digestRef } from './image';
import { failedDigest, failedDigestsOf, TargetState } from './target-state';
import { desiredTag } from './update-policy';
import { Target } from './targets';
import type { PendingUpdate, PolicyView } from './update-views';

// The shapes are declared in core/contract/summary.ts; the server builds their wire form (`z.input`: fields the
// dashboard reads as null may be left out).
export type RegistryView = z.input<typeof contract.RegistryView>;
export type ServiceView = z.input<typeof contract.ServiceView>;
export type ActiveDeployView = z.input<typeof contract.ActiveDeployView>;
export type ClusterPowerView = z.input<typeof contract.ClusterPowerView>;
/** The most recent deploy of a target (running or finished), from its history record. */
export type DeployBrief = z.input<typeof contract.DeployBrief>;
export type DependencyPart = z.input<typeof contract.DependencyPart>;
/** A part that does not answer right now (no secrets, no URLs). */
export type DependencyProblem = z.input<typeof contract.DependencyProblem>;
/** What `GET …/activity` answers: tables only, cheap enough to poll every second. */
export type ActivityView = z.input<typeof contract.TargetActivity>;
export type TargetSummary = z.input<typeof contract.TargetSummary>;

/** Which local-run.sh command starts each part (docs/api.md "dependencies"). */
const LOCAL_START: Record<DependencyPart, string> = {
  exec: 'scripts/dev/local-run.sh terminal-exec',
  cluster: 'scripts/dev/local-run.sh sim',
  registry: 'scripts/dev/local-run.sh sim',
  storage: 'scripts/dev/local-run.sh azurite',
};

export function dependencyProblem(config: AppConfig, part: DependencyPart, message: string): DependencyProblem {
  return {
    part,
    code: `${part}_unavailable` as DependencyProblem['code'],
    message: message.split('\n')[0]!.slice(0, 300),
    hint: config.localRun ? LOCAL_START[part] : null,
  };
}

const ONE_LINE = (text: string) => text.split('\n')[0]!.slice(0, 300);

export function deployBrief(record: DeploymentRecord, liveCancelRequested = false): DeployBrief {
  return {
    deploy_id: record.deploy_id,
    reason: record.reason as DeployReason,
    requester: record.requester,
    status: record.status,
    cancel_requested: record.output?.cancel_requested ?? liveCancelRequested,
    started_at: record.requested_at,
    finished_at: record.finished_at,
    tag: record.tag,
    digest: record.digest,
    error: record.error ? { code: record.error.code, message: ONE_LINE(record.error.message) } : null,
    cluster_state: record.finished_at ? (record.output?.cluster_state ?? null) : null,
  };
}

/**
 * Opaque; changes whenever the active deploy, the last deploy's status or the deployed digest changes (and when a
 * digest is marked failed), so a page polling the activity route re-reads the summary only then.
 */
export function changeToken(state: TargetState, last: DeploymentRecord | null): string {
  const parts = [
    state.activeInstanceId,
    last?.deploy_id,
    last?.status,
    last?.finished_at,
    state.deployedDigest,
    failedDigestsOf(state)[0]?.deploy_id,
    // An update starting to wait (or ending) changes what the page shows too.
    state.pendingUpdateId,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/** The lease holder, unless its history record already says it finished (it is only handing over). */
export function activityView(state: TargetState, last: DeploymentRecord | null): ActivityView {
  const holder = state.activeInstanceId;
  const own = last && last.deploy_id === holder ? last : null;
  const active =
    holder && !(own && own.finished_at !== null)
      ? {
          instance_id: holder,
          reason: state.activeReason ?? own?.reason ?? '',
          requester: own?.requester ?? '',
          started_at: state.activeSince,
        }
      : null;
  return {
    target: state.name,
    change_token: changeToken(state, last),
    active_deploy: active,
    last_deploy: last ? deployBrief(last) : null,
  };
}

/** The last reconcile pass's finding kept on the target row, or null (none yet, or a row an older version wrote). */
export function lastReconcileOf(state: TargetState): z.output<typeof ReconcileFinding> | null {
  if (!state.lastReconcile) return null;
  try {
    const parsed = z.safeParse(ReconcileFinding, JSON.parse(state.lastReconcile));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function buildSummary(
  config: AppConfig,
  target: Target,
  state: TargetState,
  registry: RegistryView,
  service: ServiceView,
  active: ActiveDeployView | null,
  last: DeploymentRecord | null = null,
  dependencies: DependencyProblem[] = [],
  cluster: ClusterPowerView | null = null,
  updates: { policy: PolicyView; pending: PendingUpdate | null } | null = null,
): TargetSummary {
  const deployed =
    state.deployedDigest && state.deployedImage
      ? {
          tag: state.deployedTag,
          digest: state.deployedDigest,
          image: state.deployedImage,
          deployed_at: state.deployedAt,
        }
      : null;
  const liveImage = service.live_image ?? null;
  const expectedLive = deployed ? digestRef(config.image, deployed.digest) : null;
  const drifted = Boolean(expectedLive && liveImage && liveImage !== expectedLive);
  return {
    target: target.name,
    kind: target.kind,
    namespace: target.namespace,
    pinned_tag: config.pinnedTag,
    // Rebuild & Deploy is offered when there is a build source and a registry ARM can address.
    rebuild:
      config.build && config.registryResourceId ? { image: `${config.image.repository}:${config.pinnedTag}` } : null,
    desired_tag: desiredTag(target, state, config.pinnedTag),
    deployed,
    registry,
    update_available: registry.digest !== null && (deployed === null ? false : registry.digest !== deployed.digest),
    drift: {
      detected: drifted,
      live_image: liveImage,
      // The reconcile's record of when it first saw this image, if it is the one running now.
      since: drifted && state.driftImage === liveImage ? state.driftSince : null,
    },
    last_reconcile: lastReconcileOf(state),
    service,
    cluster,
    active_deploy: active,
    last_deploy: last
      ? deployBrief(last, active?.instance_id === last.deploy_id && active.cancel_requested === true)
      : null,
    failed_digests: failedDigestsOf(state),
    registry_digest_failed: failedDigest(state, registry.digest),
    dependencies,
    policy: updates?.policy ?? null,
    pending_update: updates?.pending ?? null,
    change_token: changeToken(state, last),
  };
}
