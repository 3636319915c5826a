// The activities of one target's update through its policy (orchestrations/update-target.orchestrator.ts): claim
// the target's waiting-update slot and say an approval is wanted, read the maintenance window, start the deploy of
// the offered digest under the lease, watch that deploy's history record, and record how the update ended. The
// orchestrator decides; these only look and write (docs/policies.md).
import type { DurableClient } from 'durable-functions';
import { DeploymentRecord, queuedDeploymentRecord } from '../../core/deployment-record';
import { isDomainError } from '../../core/errors';
import { windowState } from '../../core/maintenance-window';
import type { MaintenanceWindow, UpdatePolicy } from '../../core/contract/policy';
import { isInstanceNotFound, TERMINAL_RUNTIME } from '../../core/status';
import { failedDigest } from '../../core/target-state';
import { isStopped } from '../../core/cluster-power';
import type {
  OfferedImage,
  UpdateDecision,
  UpdateOutcome,
  UpdateTargetOutput,
  UpdateTrigger,
} from '../../core/update-model';
import { clusterPowerView } from '../../functions/lib/views';
import { notify } from '../../services/notifications';
import { ActivityDeps, activityDeps, sleep, targetNamed } from './context';

/** Seconds in an hour of `approvalTimeoutHours`; ELB_TEST_HOUR_SECONDS shortens it for tests only. */
const HOUR_SECONDS = 3600;

export interface UpdateBeginInput {
  updateId: string;
  target: string;
  image: OfferedImage;
  mode: UpdatePolicy['mode'];
  approvalTimeoutHours: number;
  offeredAt: string;
}

export interface UpdateBeginResult {
  /** When an unanswered approval expires (epoch ms); null in a mode without approval. */
  expiresAtMs: number | null;
  /** Durable timer between two tries or looks (ELB_POLL_INTERVAL_SECONDS, at least 1 s). */
  pollSeconds: number;
  /** How long one look at the deploy's record may watch (ELB_WATCH_SECONDS, at most 60 s). */
  watchSeconds: number;
}

/**
 * The update's start: it takes the target's waiting-update slot when that is free (the gate route already put it
 * there; a wave's sub-orchestration takes it here), and a waiting approval is announced (`approval_waiting`).
 */
export async function beginUpdate(
  input: UpdateBeginInput,
  client: DurableClient,
  d: ActivityDeps = activityDeps(),
): Promise<UpdateBeginResult> {
  const target = targetNamed(d, input.target);
  await d.targets.update(target.name, (s) =>
    s.pendingUpdateId === null
      ? { next: { ...s, pendingUpdateId: input.updateId }, result: undefined }
      : { next: null, result: undefined },
  );
  const hourSeconds = d.config.testHourSeconds ?? HOUR_SECONDS;
  const expiresAtMs =
    input.mode === 'approve' ? Date.parse(input.offeredAt) + input.approvalTimeoutHours * hourSeconds * 1000 : null;
  if (expiresAtMs !== null) {
    await notify(client, {
      kind: 'approval_waiting',
      target: target.name,
      tag: input.image.tag,
      digest: input.image.digest,
      deploy_id: input.updateId,
      link: `/docs?target=${encodeURIComponent(target.name)}`,
      summary: `Update to ${input.image.tag} waiting for approval (expires in ${input.approvalTimeoutHours} h)`,
    });
  }
  return {
    expiresAtMs,
    pollSeconds: Math.max(1, d.config.timings.pollIntervalSeconds),
    watchSeconds: Math.min(60, d.config.timings.watchSeconds),
  };
}

export interface UpdateWindowInput {
  target: string;
  window: MaintenanceWindow;
}

export interface UpdateWindowResult {
  open: boolean;
  text: string;
  /** When it next closes (open) or opens (closed), epoch ms and ISO. */
  nextMs: number;
  next: string;
}

/** The window now, by this worker's clock (an activity, so the orchestration replays the answer it got). */
export async function readWindow(input: UpdateWindowInput): Promise<UpdateWindowResult> {
  const w = windowState(input.window, new Date());
  return { open: w.open, text: w.text, nextMs: w.next.getTime(), next: w.next.toISOString() };
}

export interface UpdateStartInput {
  updateId: string;
  target: string;
  image: OfferedImage;
  requester: string;
  decision: UpdateDecision | null;
}

export type UpdateStartResult =
  | { state: 'started'; deployId: string }
  /** The lease is held (or the start could not be made now): try again after a timer. */
  | { state: 'busy'; activeInstanceId: string | null; detail: string }
  /** Nothing to deploy: the digest runs already, failed before, or the cluster is stopped. */
  | { state: 'skipped'; error: { code: string; message: string } };

/** Starts the `auto` deploy of exactly the offered digest under the target's lease (services/deploy-leases.ts). */
export async function startUpdateDeploy(
  input: UpdateStartInput,
  client: DurableClient,
  d: ActivityDeps = activityDeps(),
): Promise<UpdateStartResult> {
  const target = targetNamed(d, input.target);
  const { state } = await d.targets.get(target.name);
  const { tag, digest } = input.image;
  if (state.deployedDigest === digest)
    return skipped('already_deployed', `${tag} (${digest.slice(0, 19)}) is already deployed`);
  const failed = failedDigest(state, digest);
  if (failed)
    return skipped('digest_failed_before', `${digest.slice(0, 19)} failed on ${failed.failed_at} (${failed.code})`);
  if (isStopped(await clusterPowerView(target)))
    return skipped('cluster_stopped', `the AKS cluster of ${target.name} is stopped; Start cluster deploys it`);
  try {
    const outcome = await d.leases(client).start({
      target,
      reason: 'auto',
      tag,
      digest,
      requester: input.requester,
      approval: input.decision,
    });
    if (outcome.started) return { state: 'started', deployId: outcome.instanceId };
    return { state: 'busy', activeInstanceId: outcome.activeInstanceId, detail: 'another operation holds the target' };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { state: 'busy', activeInstanceId: null, detail: `${err.code}: ${err.message}`.slice(0, 300) };
  }
}

function skipped(code: string, message: string): UpdateStartResult {
  return { state: 'skipped', error: { code, message } };
}

export interface UpdateWatchInput {
  target: string;
  deployId: string;
  watchSeconds: number;
}

export type UpdateWatchResult =
  | { finished: false }
  | {
      finished: true;
      outcome: Extract<UpdateOutcome, 'succeeded' | 'failed' | 'rolled_back' | 'cancelled'>;
      error: { code: string; message: string } | null;
    };

const FINISHED_AS: Partial<
  Record<DeploymentRecord['status'], Extract<UpdateWatchResult, { finished: true }>['outcome']>
> = {
  succeeded: 'succeeded',
  failed: 'failed',
  rolled_back: 'rolled_back',
  cancelled: 'cancelled',
  terminated: 'cancelled',
};

/**
 * Watches the deploy's history record for up to `watchSeconds`. A deploy whose orchestration ended without
 * recording (terminated from outside, failed in the host) is not waited on forever: Durable's word decides then.
 */
export async function watchUpdateDeploy(
  input: UpdateWatchInput,
  client: DurableClient,
  d: ActivityDeps = activityDeps(),
): Promise<UpdateWatchResult> {
  const deadline = Date.now() + input.watchSeconds * 1000;
  for (;;) {
    const record = await d.deployments.get(input.target, input.deployId);
    if (record && record.finished_at !== null) return finished(record.status, record.error);
    if (Date.now() >= deadline) break;
    await sleep(Math.min(d.pollMs, Math.max(0, deadline - Date.now())));
  }
  try {
    const status = await client.getStatus(input.deployId);
    if (!TERMINAL_RUNTIME.has(status.runtimeStatus)) return { finished: false };
    // Ended without its finish step; the record may have been written in the meantime.
    const record = await d.deployments.get(input.target, input.deployId);
    if (record && record.finished_at !== null) return finished(record.status, record.error);
    return finished(status.runtimeStatus === 'Terminated' ? 'terminated' : 'failed', {
      code: 'deploy_interrupted',
      message: `the deploy ended as ${status.runtimeStatus} without recording a result`,
    });
  } catch (err) {
    if (!isInstanceNotFound(err)) throw err;
    return { finished: false };
  }
}

function finished(
  status: DeploymentRecord['status'],
  error: { code: string; message: string } | null,
): UpdateWatchResult {
  return { finished: true, outcome: FINISHED_AS[status] ?? 'failed', error };
}

export interface UpdateFinishInput {
  updateId: string;
  trigger: UpdateTrigger;
  offeredAt: string;
  output: UpdateTargetOutput;
}

/** Who an update's own record names when no deployer decided: the path that noticed the image. */
export function triggerRequester(trigger: UpdateTrigger): string {
  return trigger === 'push' ? 'event-grid' : trigger;
}

/**
 * The update's end: an update that never deployed (rejected, expired, superseded, or given up) gets a history
 * record of its own — with the decision, when there was one — and the target's waiting-update slot is freed.
 * Both writes are idempotent, so a step run again records once.
 */
export async function finishUpdate(input: UpdateFinishInput, d: ActivityDeps = activityDeps()): Promise<void> {
  const { output } = input;
  const target = targetNamed(d, output.target);
  if (output.deployId === null && output.outcome !== 'skipped') {
    const record = queuedDeploymentRecord({
      deployId: input.updateId,
      target: target.name,
      reason: 'auto',
      requester: output.decision?.by ?? triggerRequester(input.trigger),
      requestedAt: input.offeredAt,
      tag: output.image.tag,
      digest: output.image.digest,
      approval: output.decision,
    });
    await d.deployments.create({
      ...record,
      status: output.outcome === 'succeeded' || output.outcome === 'rolled_back' ? 'failed' : output.outcome,
      finished_at: new Date().toISOString(),
      error: output.error,
    });
  }
  await d.targets.update(target.name, (s) =>
    s.pendingUpdateId === input.updateId
      ? { next: { ...s, pendingUpdateId: null }, result: undefined }
      : { next: null, result: undefined },
  );
}

/** The update activities, declared once (name, input, output), like the deploy's table (./index.ts). */
export const UPDATE_ACTIVITIES = {
  updateBegin: { run: beginUpdate, durableClient: true },
  updateWindow: { run: readWindow },
  updateStartDeploy: { run: startUpdateDeploy, durableClient: true },
  updateWatchDeploy: { run: watchUpdateDeploy, durableClient: true },
  updateFinish: { run: finishUpdate },
} as const;

export type UpdateActivityName = keyof typeof UPDATE_ACTIVITIES;
export type UpdateActivityInput<N extends UpdateActivityName> = Parameters<(typeof UPDATE_ACTIVITIES)[N]['run']>[0];
export type UpdateActivityOutput<N extends UpdateActivityName> = Awaited<
  ReturnType<(typeof UPDATE_ACTIVITIES)[N]['run']>
>;
