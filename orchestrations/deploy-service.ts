// Starting, following up and cancelling deploys: the single-flight lease on the target row, the history record,
// and the Durable client calls. Shared by the HTTP routes, the Event Grid trigger and the finish activity.
import { randomBytes } from 'node:crypto';
import type { DurableClient } from 'durable-functions';
import { AppConfig } from '../core/config';
import { CANCEL_EVENT, DEPLOY_ORCHESTRATOR, DeployInput, DeployReason } from '../core/deploy-model';
import { queuedDeploymentRecord } from '../core/deployment-record';
import { DomainError } from '../core/errors';
import { ACTIVE_RUNTIME, isInstanceNotFound, TERMINAL_RUNTIME } from '../core/status';
import {
  ActiveInstanceStatus,
  decidePush,
  leaseIsHeld,
  needsFollowUp,
  PushDecision,
  PushEvent,
  TargetState,
} from '../core/target-state';
import { Target } from '../core/targets';
import { interruptedTimeline, timelineOf } from '../core/timeline';
import { DeploymentStore, TargetStore } from '../adapters/state-store';

export interface DeployStores {
  targets: TargetStore;
  deployments: DeploymentStore;
}

export interface StartRequest {
  target: Target;
  reason: DeployReason;
  tag: string | null;
  digest: string | null;
  requester: string;
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

/** Whether the instance holding a lease is still alive, from Durable's point of view. */
export async function holderStatus(client: DurableClient, instanceId: string): Promise<ActiveInstanceStatus> {
  try {
    const s = await client.getStatus(instanceId);
    if (ACTIVE_RUNTIME.has(s.runtimeStatus)) return 'running';
    if (TERMINAL_RUNTIME.has(s.runtimeStatus)) return 'finished';
    return 'running';
  } catch (err) {
    if (isInstanceNotFound(err)) return 'unknown';
    // Unsure: keep the lease (a spurious 409 is better than two deploys on one cluster).
    return 'running';
  }
}

function leaseFor(state: TargetState, id: string, reason: DeployReason, nowIso: string): TargetState {
  return { ...state, activeInstanceId: id, activeReason: reason, activeSince: nowIso };
}

export class DeployService {
  constructor(
    private readonly client: DurableClient,
    private readonly config: AppConfig,
    private readonly stores: DeployStores,
  ) {}

  /** Starts a deploy unless one is active on the target (atomic: a conditional write on the target row). */
  async start(req: StartRequest): Promise<StartOutcome> {
    const id = newDeployId(req.target.name);
    const now = new Date();
    const outcome = await this.stores.targets.update<StartOutcome>(req.target.name, async (s) => {
      if (s.activeInstanceId && leaseIsHeld(s, await holderStatus(this.client, s.activeInstanceId), Date.now())) {
        return { next: null, result: { started: false, activeInstanceId: s.activeInstanceId } };
      }
      return { next: leaseFor(s, id, req.reason, now.toISOString()), result: { started: true, instanceId: id } };
    });
    if (!outcome.started) return outcome;
    await this.launch(id, req, now);
    return outcome;
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
    await this.stores.deployments.create(
      queuedDeploymentRecord({
        deployId: id,
        target: req.target.name,
        reason: req.reason,
        requester: req.requester,
        requestedAt: input.requestedAt,
        tag: req.tag,
        digest: req.digest,
      }),
    );
    try {
      await this.client.startNew(DEPLOY_ORCHESTRATOR, { instanceId: id, input });
    } catch {
      await this.release(req.target.name, id);
      await this.stores.deployments.update(req.target.name, id, {
        status: 'failed',
        finished_at: new Date().toISOString(),
        error: { code: 'orchestration_start_failed', message: 'the orchestration could not be started' },
      });
      throw new DomainError(
        'orchestration_start_failed',
        'the deploy orchestration could not be started; try again',
        503,
      );
    }
  }

  /** Drops the lease if `id` still holds it. */
  async release(target: string, id: string): Promise<void> {
    await this.stores.targets.update(target, (s) =>
      s.activeInstanceId === id
        ? { next: { ...s, activeInstanceId: null, activeReason: null, activeSince: null }, result: undefined }
        : { next: null, result: undefined },
    );
  }

  /**
   * Called when a deploy has recorded its result: hands the lease to a follow-up `auto` deploy when a newer image
   * was pushed meanwhile (it resolves the tag afresh, so several pushes converge on the latest), else releases it.
   */
  async handOver(target: Target, finishedId: string): Promise<string | null> {
    const followUpId = newDeployId(target.name);
    const now = new Date();
    const plan = await this.stores.targets.update<{ tag: string } | null>(target.name, (s) => {
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

  /** Applies one registry push to one target: start an `auto` deploy, queue it behind the running one, or ignore. */
  async push(target: Target, push: PushEvent): Promise<PushDecision & { instanceId?: string }> {
    const id = newDeployId(target.name);
    const now = new Date();
    const decision = await this.stores.targets.update<PushDecision>(target.name, async (s) => {
      const held = s.activeInstanceId
        ? leaseIsHeld(s, await holderStatus(this.client, s.activeInstanceId), Date.now())
        : false;
      const d = decidePush(s, this.config.pinnedTag, push, held);
      if (d.action === 'ignore') return { next: null, result: d };
      if (d.action === 'queue') {
        return {
          next: { ...s, lastAutoDigest: push.digest, pendingPushTag: push.tag, pendingPushDigest: push.digest },
          result: d,
        };
      }
      return { next: { ...leaseFor(s, id, 'auto', now.toISOString()), lastAutoDigest: push.digest }, result: d };
    });
    if (decision.action !== 'start') return decision;
    await this.launch(id, { target, reason: 'auto', tag: push.tag, digest: null, requester: 'event-grid' }, now);
    return { ...decision, instanceId: id };
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
    if (target) {
      const finishedAt = new Date().toISOString();
      await this.stores.deployments.update(target, id, {
        status: 'terminated',
        finished_at: finishedAt,
        timeline: interruptedTimeline(timelineOf(status.customStatus) ?? [], finishedAt, 'terminated'),
        error: {
          code: 'terminated',
          message: `terminated by ${requester}; the cluster was left as it was at that moment`,
        },
      });
      // The orchestration never reaches its finish step, so this is where a push queued during it gets its
      // follow-up deploy (or the lease is released).
      const configured = this.config.targets.find((t) => t.name === target);
      if (configured) await this.handOver(configured, id);
      else await this.release(target, id);
    }
    return { instance_id: id, cancel_requested: true, mode, terminated: true };
  }
}
