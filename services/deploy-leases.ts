// The lease service: every transition of a target's single-flight lease and of a deploy's history record goes through
// here — start (HTTP or a registry push), finish (the orchestration's last activity), cancel and terminate, and the
// repair of a record whose orchestration ended without recording it. Why one owner: docs/design.md#the-lease-service.
import { randomBytes } from 'node:crypto';
import type { DurableClient } from 'durable-functions';
import { AppConfig } from '../core/config';
import {
  CANCEL_EVENT,
  DEPLOY_ORCHESTRATOR,
  DeployInput,
  DeployOutput,
  DeployReason,
  ROTATE_TOKEN_ORCHESTRATOR,
} from '../core/deploy-model';
import { DeploymentRecord, queuedDeploymentRecord } from '../core/deployment-record';
import { DomainError } from '../core/errors';
import { DurableStatusLike, isInstanceNotFound, TERMINAL_RUNTIME } from '../core/status';
import {
  ActiveInstanceStatus,
  decidePush,
  failedDigestEntry,
  LEASE_START_GRACE_MS,
  leaseIsHeld,
  needsFollowUp,
  PushDecision,
  PushEvent,
  TargetState,
  withFailedDigest,
  withoutFailedDigest,
} from '../core/target-state';
import { Target } from '../core/targets';
import { baseTag, desiredTagOf, followsTag, policyOf } from '../core/update-policy';
import { interruptedTimeline, phaseDurations, TimelineEntry, timelineOf } from '../core/timeline';
import { DeploymentStore, TargetStore } from '../adapters/state-store';
import { NotificationInput } from '../core/notifications';
import { notify } from './notifications';

/** What the lease service works on: the settings and the two tables (services/composition.ts supplies them). */
export interface LeaseParts {
  config: AppConfig;
  targets: TargetStore;
  deployments: DeploymentStore;
}

export interface StartRequest {
  target: Target;
  reason: DeployReason;
  tag: string | null;
  digest: string | null;
  requester: string;
  /** An update's approval, kept in the history record (docs/policies.md "Approvals"). */
  approval?: DeploymentRecord['approval'];
  /** A deploy outside the maintenance window: the reason given, and by whom. */
  windowOverride?: DeploymentRecord['window_override'];
}

/** customStatus phases published once the outcome is decided (only the finish step is left). */
const DECIDED_PHASES = new Set(['completed', 'failed', 'rolled_back', 'cancelled']);

export type StartOutcome = { started: true; instanceId: string } | { started: false; activeInstanceId: string };

/** Readable, unique, safe in URLs: `<target>-<utc time>-<random>`. */
export function newDeployId(target: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `${target}-${stamp}-${randomBytes(4).toString('hex')}`;
}

/** The lease holder as Durable sees it: its class, and its status when Durable knows it. */
interface Holder {
  status: ActiveInstanceStatus;
  durable: DurableStatusLike | null;
}

/** Whether the instance holding a lease is still alive, from Durable's point of view. */
async function holderOf(client: DurableClient, instanceId: string): Promise<Holder> {
  try {
    const s = await client.getStatus(instanceId);
    if (TERMINAL_RUNTIME.has(s.runtimeStatus)) return { status: 'finished', durable: s };
    return { status: 'running', durable: s };
  } catch (err) {
    if (isInstanceNotFound(err)) return { status: 'unknown', durable: null };
    // Unsure: keep the lease (a spurious 409 is better than two deploys on one cluster).
    return { status: 'running', durable: null };
  }
}

/**
 * How a record whose orchestration stopped without its finish step is closed: `durable` is the orchestration's
 * end as Durable reports it, or null when Durable no longer knows the instance. The phase that was running is marked
 * failed, so a reader sees where it stopped.
 */
export function interruptedRecord(
  record: Pick<DeploymentRecord, 'timeline' | 'error'>,
  durable: Pick<DurableStatusLike, 'runtimeStatus' | 'lastUpdatedTime' | 'customStatus'> | null,
  nowIso: string,
): Partial<DeploymentRecord> & Pick<DeploymentRecord, 'status' | 'finished_at'> {
  const timeline: TimelineEntry[] = (durable && timelineOf(durable.customStatus)) ?? record.timeline;
  if (!durable) {
    return {
      status: 'failed',
      finished_at: nowIso,
      timeline: interruptedTimeline(timeline, nowIso, 'orchestration missing'),
      error: record.error ?? {
        code: 'orchestration_missing',
        message: 'the orchestration is gone (purged, or a new task hub) without recording a result',
      },
    };
  }
  const status = durable.runtimeStatus === 'Terminated' ? 'terminated' : 'failed';
  const finishedAt = new Date(durable.lastUpdatedTime).toISOString();
  return {
    status,
    finished_at: finishedAt,
    timeline: interruptedTimeline(timeline, finishedAt, `ended as ${durable.runtimeStatus}`),
    error: record.error ?? {
      code: status,
      message: `the orchestration ended as ${durable.runtimeStatus} without recording a result`,
    },
  };
}

function leaseFor(state: TargetState, id: string, reason: DeployReason, nowIso: string): TargetState {
  return { ...state, activeInstanceId: id, activeReason: reason, activeSince: nowIso };
}

/** A lease taken from a holder that never released it (it ended without finishing, or vanished). */
interface TakeOver {
  id: string;
  holder: Holder;
}

export class DeployLeases {
  private readonly config: AppConfig;
  private readonly targets: TargetStore;
  private readonly deployments: DeploymentStore;

  constructor(
    private readonly client: DurableClient,
    parts: LeaseParts,
  ) {
    this.config = parts.config;
    this.targets = parts.targets;
    this.deployments = parts.deployments;
  }

  /** Starts a deploy unless one is active on the target (atomic: a conditional write on the target row). */
  async start(req: StartRequest): Promise<StartOutcome> {
    const id = newDeployId(req.target.name);
    const now = new Date();
    let takeOver: TakeOver | null = null;
    const outcome = await this.targets.update<StartOutcome>(req.target.name, async (s) => {
      takeOver = null;
      if (s.activeInstanceId) {
        const holder = await holderOf(this.client, s.activeInstanceId);
        if (leaseIsHeld(s, holder.status, Date.now()))
          return { next: null, result: { started: false, activeInstanceId: s.activeInstanceId } };
        takeOver = { id: s.activeInstanceId, holder };
      }
      return {
        next: this.takenFrom(leaseFor(s, id, req.reason, now.toISOString()), takeOver),
        result: { started: true, instanceId: id },
      };
    });
    if (!outcome.started) return outcome;
    await this.closeTakenOver(req.target.name, takeOver);
    await this.launch(id, req, now);
    return outcome;
  }

  /**
   * Applies one registry push to one target: start an `auto` deploy, queue it behind the running one, or ignore.
   * `requester` names who saw the push: `event-grid`, or `reconcile` for an image the reconcile found.
   */
  async push(
    target: Target,
    push: PushEvent,
    requester = 'event-grid',
  ): Promise<PushDecision & { instanceId?: string }> {
    const id = newDeployId(target.name);
    const now = new Date();
    let takeOver: TakeOver | null = null;
    const decision = await this.targets.update<PushDecision>(target.name, async (s) => {
      takeOver = null;
      let held = false;
      if (s.activeInstanceId) {
        const holder = await holderOf(this.client, s.activeInstanceId);
        held = leaseIsHeld(s, holder.status, Date.now());
        if (!held) takeOver = { id: s.activeInstanceId, holder };
      }
      const policy = policyOf(target, s);
      const follows = followsTag(policy, desiredTagOf(policy, s, this.config.pinnedTag), push.tag);
      const d = decidePush(s, follows, push, held);
      if (d.action === 'ignore') return { next: null, result: d };
      // Tracking a range, the pushed tag becomes the one the target wants (docs/policies.md).
      const wanted = 'range' in policy.track ? { ...s, desiredTagOverride: push.tag } : s;
      if (d.action === 'queue') {
        return {
          next: { ...wanted, lastAutoDigest: push.digest, pendingPushTag: push.tag, pendingPushDigest: push.digest },
          result: d,
        };
      }
      const next = { ...leaseFor(wanted, id, 'auto', now.toISOString()), lastAutoDigest: push.digest };
      return { next: this.takenFrom(next, takeOver), result: d };
    });
    if (decision.action !== 'start') return decision;
    await this.closeTakenOver(target.name, takeOver);
    await this.launch(id, { target, reason: 'auto', tag: push.tag, digest: null, requester }, now);
    return { ...decision, instanceId: id };
  }

  /**
   * The deploy's end, from its last activity: the result goes into its history record and the target row (the new
   * deployed image, or a digest that failed), then the lease is released or handed to a follow-up deploy.
   */
  async finish(target: Target, deployId: string, output: DeployOutput): Promise<string | null> {
    // Unconditional: the finish step knows the result, even over a repair that judged the instance gone too early.
    await this.deployments.update(target.name, deployId, {
      status: output.status,
      finished_at: output.finished_at,
      tag: output.openapi_deploy.tag,
      digest: output.openapi_deploy.digest,
      image: output.openapi_deploy.image,
      previous_image: output.previous_image,
      elapsed_seconds: output.elapsed_seconds,
      phase_seconds: phaseDurations(output.timeline),
      timeline: output.timeline,
      error: output.error ? { code: output.error.code, message: output.error.message } : null,
      rollback_status: output.rollback?.status ?? null,
      output,
    });
    await this.announce({
      kind: output.status === 'succeeded' ? 'deploy_succeeded' : 'deploy_failed',
      target: target.name,
      deploy_id: deployId,
      reason: output.reason,
      tag: output.openapi_deploy.tag,
      digest: output.openapi_deploy.digest,
      outcome: output.status,
      error: output.error ? { code: output.error.code, message: output.error.message } : null,
      requester: output.requester,
      time: output.finished_at,
    });
    if (output.reason === 'rotate_token') {
      // A rotation changes no image: on success the manifest it applied (the token's fingerprint on the pod
      // template) becomes the deployed one, so a later rollback keeps the pods on the token in use.
      await this.targets.update(target.name, (s) => ({
        next: {
          ...s,
          deployedManifest:
            output.status === 'succeeded' ? (s.appliedManifest ?? s.deployedManifest) : s.deployedManifest,
          appliedManifest: null,
        },
        result: undefined,
      }));
      return this.handOver(target, deployId);
    }
    const failure = failedDigestEntry(output);
    await this.targets.update(target.name, (s) => {
      if (output.status !== 'succeeded') {
        const next = { ...s, appliedManifest: null };
        return { next: failure ? withFailedDigest(next, failure) : next, result: undefined };
      }
      const changed = s.deployedDigest !== output.openapi_deploy.digest;
      const tag = output.openapi_deploy.tag;
      // A manual deploy that succeeded records its tag as the target's choice (the policy's own tag needs no
      // override); an automatic one, or a drift correction (it puts back what was deployed), only follows the choice.
      const base = baseTag(policyOf(target, s), this.config.pinnedTag);
      const follows = output.reason === 'auto' || output.reason === 'drift';
      const desiredTagOverride = follows || tag === null ? s.desiredTagOverride : tag === base ? null : tag;
      return {
        next: {
          // A later success of a digest that failed clears its mark.
          ...withoutFailedDigest(s, output.openapi_deploy.digest),
          desiredTagOverride,
          previousTag: changed ? s.deployedTag : s.previousTag,
          previousDigest: changed ? s.deployedDigest : s.previousDigest,
          previousImage: changed ? s.deployedImage : s.previousImage,
          deployedTag: output.openapi_deploy.tag,
          deployedDigest: output.openapi_deploy.digest,
          deployedImage: output.openapi_deploy.image,
          deployedAt: output.finished_at,
          deployedManifest: s.appliedManifest ?? s.deployedManifest,
          appliedManifest: null,
          externalIp: output.openapi_deploy.external_ip,
          apiVersion: output.openapi_deploy.api_version,
        },
        result: undefined,
      };
    });
    return this.handOver(target, deployId);
  }

  /** Cancel (honoured after every step, at once inside waits) or terminate (immediate; the cluster is left as it is). */
  async cancel(id: string, mode: 'cancel' | 'terminate', requester: string, expectedTarget: string | null = null) {
    let status;
    try {
      status = await this.client.getStatus(id);
    } catch (err) {
      if (isInstanceNotFound(err)) throw new DomainError('unknown_deploy', `no deploy ${id}`, 404);
      throw new DomainError('durable_unavailable', 'the orchestration service is unavailable', 503);
    }
    const target = (status.input as { target?: string } | null)?.target ?? null;
    if (expectedTarget !== null && target !== expectedTarget)
      throw new DomainError('unknown_deploy', `no deploy ${id} on ${expectedTarget}`, 404);
    if (TERMINAL_RUNTIME.has(status.runtimeStatus)) {
      throw new DomainError('deploy_not_running', `deploy ${id} already ended (${status.runtimeStatus})`, 409, {
        runtime_status: status.runtimeStatus,
      });
    }
    const phase = (status.customStatus as { phase?: string } | null)?.phase;
    if (mode === 'cancel' && phase && DECIDED_PHASES.has(phase)) {
      // Its outcome is decided and being recorded; a cancel now could not change it.
      throw new DomainError('deploy_not_running', `deploy ${id} has already ended (${phase})`, 409, {
        runtime_status: status.runtimeStatus,
        phase,
      });
    }
    if (mode === 'cancel') {
      await this.client.raiseEvent(id, CANCEL_EVENT, { requester });
      await this.acknowledged(id);
      return { instance_id: id, cancel_requested: true, mode };
    }
    await this.client.terminate(id, `terminated by ${requester.replace(/[^\w@.-]/g, '_')}`);
    if (target) await this.terminated(target, id, status.customStatus, requester);
    return { instance_id: id, cancel_requested: true, mode, terminated: true };
  }

  /**
   * A target's history, newest first, for a read: a running deploy's record carries its live timeline from
   * Durable (not stored). A record whose orchestration ended without recording is repaired (see repair()).
   */
  async history(target: string, limit: number): Promise<DeploymentRecord[]> {
    const records = await this.deployments.list(target, limit);
    return Promise.all(
      records.map(async (r) => {
        if (r.finished_at !== null) return r;
        let durable;
        try {
          durable = await this.client.getStatus(r.deploy_id);
        } catch (err) {
          // Gone from Durable: past the start grace it will never record its result; before it, it may yet start.
          if (isInstanceNotFound(err) && Date.now() - Date.parse(r.requested_at) > LEASE_START_GRACE_MS)
            return this.repair(r, null);
          return r;
        }
        if (TERMINAL_RUNTIME.has(durable.runtimeStatus)) return this.repair(r, durable);
        const live = timelineOf(durable.customStatus);
        return live ? { ...r, timeline: live } : r;
      }),
    );
  }

  /**
   * The one write a read may cause (docs/deploy.md#repairs): a record still open whose orchestration has ended
   * (terminated from outside the API, failed in the host) or vanished is closed, once — the write is conditional on
   * the record being open, so the next read finds it closed and writes nothing. The lease is not touched: a lease
   * whose holder has ended is free anyway, and a read does not start deploys.
   */
  private async repair(r: DeploymentRecord, durable: DurableStatusLike | null): Promise<DeploymentRecord> {
    const patch = interruptedRecord(r, durable, new Date().toISOString());
    try {
      return (await this.deployments.closeIfOpen(r.target, r.deploy_id, patch)) ?? { ...r, ...patch };
    } catch {
      // The read still answers, with the record as the repair would leave it; a later read stores the repair.
      return { ...r, ...patch };
    }
  }

  /** A lease taken over from a holder that ended without finishing drops the manifest that holder was applying. */
  private takenFrom(next: TargetState, takeOver: TakeOver | null): TargetState {
    return takeOver ? { ...next, appliedManifest: null } : next;
  }

  /** Closes the record of a holder whose lease was just taken over, if it is still open (the same repair). */
  private async closeTakenOver(target: string, takeOver: TakeOver | null): Promise<void> {
    if (!takeOver) return;
    const record = await this.deployments.get(target, takeOver.id);
    if (!record || record.finished_at !== null) return;
    const patch = interruptedRecord(record, takeOver.holder.durable, new Date().toISOString());
    await this.deployments.closeIfOpen(target, takeOver.id, patch);
  }

  /** The record and the lease after a hard termination through the API. */
  private async terminated(target: string, id: string, customStatus: unknown, requester: string): Promise<void> {
    const finishedAt = new Date().toISOString();
    const record = await this.deployments.get(target, id);
    // Conditional: a deploy whose finish step recorded its result just before the termination keeps that result.
    await this.deployments.closeIfOpen(target, id, {
      status: 'terminated',
      finished_at: finishedAt,
      timeline: interruptedTimeline(timelineOf(customStatus) ?? record?.timeline ?? [], finishedAt, 'terminated'),
      error: {
        code: 'terminated',
        message: `terminated by ${requester}; the cluster was left as it was at that moment`,
      },
    });
    await this.announce({
      kind: 'deploy_failed',
      target,
      deploy_id: id,
      reason: record?.reason ?? null,
      tag: record?.tag ?? null,
      digest: record?.digest ?? null,
      outcome: 'terminated',
      error: { code: 'terminated', message: `terminated by ${requester}` },
      requester,
      time: finishedAt,
    });
    // The orchestration never reaches its finish step, so this is where a push queued during it gets its
    // follow-up deploy (or the lease is released).
    const configured = this.config.targets.find((t) => t.name === target);
    if (configured) await this.handOver(configured, id);
    else await this.release(target, id);
  }

  /** Creates the history record and the orchestration for a lease already taken by `id`. */
  private async launch(id: string, req: StartRequest, now: Date): Promise<void> {
    const input: DeployInput = {
      target: req.target.name,
      reason: req.reason,
      tag: req.tag,
      digest: req.digest,
      requester: req.requester,
      requestedAt: now.toISOString(),
      timings: this.config.timings,
    };
    await this.deployments.create(
      queuedDeploymentRecord({
        deployId: id,
        target: req.target.name,
        reason: req.reason,
        requester: req.requester,
        requestedAt: input.requestedAt,
        tag: req.tag,
        digest: req.digest,
        approval: req.approval ?? null,
        windowOverride: req.windowOverride ?? null,
      }),
    );
    try {
      const orchestrator = req.reason === 'rotate_token' ? ROTATE_TOKEN_ORCHESTRATOR : DEPLOY_ORCHESTRATOR;
      await this.client.startNew(orchestrator, { instanceId: id, input });
    } catch {
      await this.release(req.target.name, id);
      await this.deployments.update(req.target.name, id, {
        status: 'failed',
        finished_at: new Date().toISOString(),
        error: { code: 'orchestration_start_failed', message: 'the orchestration could not be started' },
      });
      throw new DomainError(
        'orchestration_start_failed',
        `the ${req.reason === 'rotate_token' ? 'token rotation' : 'deploy'} orchestration could not be started; try again`,
        503,
      );
    }
    await this.announce({
      kind: 'deploy_started',
      target: req.target.name,
      deploy_id: id,
      reason: req.reason,
      tag: req.tag,
      digest: req.digest,
      requester: req.requester,
      time: input.requestedAt,
    });
  }

  /** Every deploy, rotation, rebuild and cluster start passes here, so this is where they are announced. Never throws. */
  private async announce(event: NotificationInput): Promise<void> {
    await notify(this.client, event, this.config);
  }

  /** Drops the lease if `id` still holds it. */
  private async release(target: string, id: string): Promise<void> {
    await this.targets.update(target, (s) =>
      s.activeInstanceId === id
        ? { next: { ...s, activeInstanceId: null, activeReason: null, activeSince: null }, result: undefined }
        : { next: null, result: undefined },
    );
  }

  /**
   * Called when a deploy has recorded its result: hands the lease to a follow-up `auto` deploy when a newer image
   * was pushed meanwhile (it resolves the tag afresh, so several pushes converge on the latest), else releases it.
   */
  private async handOver(target: Target, finishedId: string): Promise<string | null> {
    const followUpId = newDeployId(target.name);
    const now = new Date();
    const plan = await this.targets.update<{ tag: string } | null>(target.name, (s) => {
      if (s.activeInstanceId !== finishedId) return { next: null, result: null };
      if (needsFollowUp(s) && s.pendingPushTag) {
        // A finished deploy has promoted or dropped its applied manifest; a terminated one leaves it to drop here.
        const next = { ...leaseFor(s, followUpId, 'auto', now.toISOString()), appliedManifest: null };
        const tag = s.pendingPushTag;
        next.pendingPushDigest = null;
        next.pendingPushTag = null;
        return { next, result: { tag } };
      }
      const next = {
        ...s,
        appliedManifest: null,
        activeInstanceId: null,
        activeReason: null,
        activeSince: null,
        pendingPushDigest: null,
        pendingPushTag: null,
      };
      return { next, result: null };
    });
    if (!plan) return null;
    await this.launch(
      followUpId,
      { target, reason: 'auto', tag: plan.tag, digest: null, requester: 'event-grid' },
      now,
    );
    return followUpId;
  }

  /**
   * Waits briefly until the orchestration has seen the cancel (its status says cancel_requested), so a cancel that
   * arrived after the outcome was decided is answered 409 instead of being accepted and then ignored. A deploy that
   * is inside a change (the apply) may not say so within the wait; it honours the cancel right after it.
   */
  private async acknowledged(id: string, waitMs = 3000): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      let status;
      try {
        status = await this.client.getStatus(id);
      } catch {
        return;
      }
      const custom = status.customStatus as { phase?: string; cancel_requested?: boolean } | null;
      if (custom?.cancel_requested === true) return;
      if (TERMINAL_RUNTIME.has(status.runtimeStatus) || (custom?.phase && DECIDED_PHASES.has(custom.phase))) {
        throw new DomainError(
          'deploy_not_running',
          `deploy ${id} had already ended (${custom?.phase ?? status.runtimeStatus}) when the cancel arrived`,
          409,
          { runtime_status: status.runtimeStatus, phase: custom?.phase ?? null },
        );
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
}
