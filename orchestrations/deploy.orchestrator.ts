// The deploy orchestration (DESIGN §5). Deterministic: time comes from the replay clock, every side effect is an
// activity, settings arrive in the input. Waiting is a bounded check activity followed by a durable timer raced
// against the cancel event, so a long rollout adds a few history events per minute and a cancel is honoured
// between waits.
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import {
  ActivityResult,
  AddressCheck,
  ApplyResult,
  CANCEL_EVENT,
  DeployError,
  DeployInput,
  DeployOutput,
  DeployStatus,
  FinishInput,
  ResolvedImage,
  RollbackOutcome,
  RolloutCheck,
  VerifyCheck,
  WorkloadIdentityResult,
} from '../core/deploy-model';
import { CurrentPhase, endPhase, initialTimeline, PhaseName, startPhase, TimelineEntry } from '../core/timeline';
import { ACTIVITY } from './activity-names';

/** Raised inside the orchestrator when the cancel event has arrived. */
class Cancelled {
  constructor(readonly phase: PhaseName) {}
}

/** A phase failed with a coded error. */
class PhaseFailed {
  constructor(
    readonly phase: PhaseName,
    readonly error: DeployError,
  ) {}
}

/** Turns an unexpected activity fault into a coded error, keeping only the first line (no stack traces). */
function faultToError(err: unknown): DeployError {
  const raw = err instanceof Error ? err.message : String(err);
  const firstLine = raw.split('\n')[0]!.trim();
  const message = firstLine.replace(/^Activity function '[^']+' failed:\s*/, '').slice(0, 500);
  return { code: 'internal_error', message: message || 'an activity failed unexpectedly' };
}

export const deployOpenApiOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as DeployInput;
  const deployId = context.df.instanceId;
  const { timings } = input;
  const now = () => context.df.currentUtcDateTime.toISOString();
  const startedAt = now();
  const startMs = context.df.currentUtcDateTime.getTime();

  let timeline: TimelineEntry[] = initialTimeline();
  let phase: CurrentPhase = 'resolving_image';
  let image: string | null = null;
  // One waiter for the whole run: a second waiter for the same event name would swallow the event.
  const cancelEvent = context.df.waitForExternalEvent(CANCEL_EVENT);

  const publish = () =>
    context.df.setCustomStatus({
      phase,
      target: input.target,
      image,
      reason: input.reason,
      cancel_requested: cancelEvent.isCompleted,
      timeline,
    });
  const begin = (name: PhaseName, detail = '') => {
    phase = name;
    timeline = startPhase(timeline, name, now(), detail);
    publish();
  };
  const end = (name: PhaseName, status: 'done' | 'skipped' | 'failed', detail: string) => {
    timeline = endPhase(timeline, name, status, now(), detail);
    publish();
  };

  /** Runs an activity returning ActivityResult; a coded failure or a fault becomes PhaseFailed. */
  function* step<T>(name: PhaseName, activity: string, activityInput: unknown): Generator<Task, T, unknown> {
    let result: ActivityResult<T>;
    try {
      result = (yield context.df.callActivity(activity, activityInput)) as ActivityResult<T>;
    } catch (err) {
      throw new PhaseFailed(name, faultToError(err));
    }
    if (!result.ok) throw new PhaseFailed(name, result.error);
    return result.value;
  }

  /** Waits `seconds` on a durable timer unless the cancel event arrives first; true when cancelled. */
  function* pause(seconds: number): Generator<Task, boolean, unknown> {
    if (cancelEvent.isCompleted) return true;
    // Derived from the replay clock (a copy, so the library's own Date is never mutated).
    const fireAt = structuredClone(context.df.currentUtcDateTime);
    fireAt.setTime(fireAt.getTime() + seconds * 1000);
    const timer = context.df.createTimer(fireAt);
    const winner = yield context.df.Task.any([timer, cancelEvent]);
    if (winner === cancelEvent) {
      timer.cancel();
      return true;
    }
    return false;
  }

  /**
   * Repeats a bounded check until it reports done, fails, or the phase deadline passes. Between checks: a durable
   * timer raced against cancel.
   */
  function* waitFor<T>(
    name: PhaseName,
    activity: string,
    buildInput: (watchSeconds: number) => unknown,
    judge: (value: T) => { done: boolean; detail: string; error?: DeployError },
    timeoutSeconds: number,
    timeoutError: (lastDetail: string) => DeployError,
  ): Generator<Task, T, unknown> {
    const deadline = context.df.currentUtcDateTime.getTime() + timeoutSeconds * 1000;
    for (;;) {
      const remaining = Math.ceil((deadline - context.df.currentUtcDateTime.getTime()) / 1000);
      const watch = Math.max(1, Math.min(timings.watchSeconds, remaining));
      const value: T = yield* step<T>(name, activity, buildInput(watch));
      const verdict = judge(value);
      if (verdict.error) throw new PhaseFailed(name, verdict.error);
      if (verdict.done) return value;
      timeline = timeline.map((e) => (e.name === name ? { ...e, detail: verdict.detail.slice(0, 200) } : e));
      publish();
      if (context.df.currentUtcDateTime.getTime() >= deadline)
        throw new PhaseFailed(name, timeoutError(verdict.detail));
      if (yield* pause(timings.pollIntervalSeconds)) throw new Cancelled(name);
      if (context.df.currentUtcDateTime.getTime() >= deadline)
        throw new PhaseFailed(name, timeoutError(verdict.detail));
    }
  }

  function* waitForRollout(name: PhaseName, expectedImage: string): Generator<Task, RolloutCheck, unknown> {
    return yield* waitFor<RolloutCheck>(
      name,
      ACTIVITY.checkRollout,
      (watchSeconds) => ({ target: input.target, image: expectedImage, watchSeconds }),
      (v) => ({ done: v.state === 'ready', detail: v.detail, error: v.state === 'failed' ? v.error : undefined }),
      timings.rolloutTimeoutSeconds,
      (last) => ({
        code: 'rollout_timeout',
        message: `the rollout did not finish within ${timings.rolloutTimeoutSeconds}s (${last})`,
        diagnostics: { likely_cause: 'Pods are slow to become Ready.', what_to_do: 'Check the pod events and logs.' },
      }),
    );
  }

  function* waitForAddress(name: PhaseName): Generator<Task, AddressCheck, unknown> {
    return yield* waitFor<AddressCheck>(
      name,
      ACTIVITY.checkExternalIp,
      (watchSeconds) => ({ target: input.target, watchSeconds }),
      (v) => ({ done: v.external_ip !== null, detail: v.detail }),
      timings.externalIpTimeoutSeconds,
      (last) => ({
        code: 'external_ip_timeout',
        message: `the LoadBalancer Service got no address within ${timings.externalIpTimeoutSeconds}s (${last})`,
        diagnostics: {
          likely_cause:
            'The cloud load balancer could not allocate an address (subnet permissions, quota, or no LB controller).',
          what_to_do:
            "Check the Service events (kubectl describe svc elb-openapi) and the cluster identity's rights on the subnet.",
        },
      }),
    );
  }

  function* verify(name: PhaseName, externalIp: string): Generator<Task, VerifyCheck, unknown> {
    return yield* waitFor<VerifyCheck>(
      name,
      ACTIVITY.verifyService,
      (watchSeconds) => ({ target: input.target, externalIp, watchSeconds }),
      (v) => ({ done: v.healthy, detail: v.detail }),
      timings.verifyTimeoutSeconds,
      (last) => ({
        code: 'service_unhealthy',
        message: `the service did not answer /healthz and /openapi.json within ${timings.verifyTimeoutSeconds}s (${last})`,
        diagnostics: {
          likely_cause: 'The pod is Ready but the service is unreachable through its LoadBalancer address.',
          what_to_do: 'Check network reachability of the address from the control plane and the service logs.',
        },
      }),
    );
  }

  publish();
  let resolved: ResolvedImage | null = null;
  let wi: WorkloadIdentityResult | null = null;
  let applied: ApplyResult | null = null;
  // A failed apply may have changed some objects, so an attempted apply counts for the rollback decision.
  let applyAttempted = false;
  let rollout: RolloutCheck | null = null;
  let address: AddressCheck | null = null;
  let verified: VerifyCheck | null = null;
  let status: DeployStatus = 'succeeded';
  let error: DeployError | null = null;
  let rollback: RollbackOutcome | null = null;
  let clusterState = '';

  try {
    begin('resolving_image');
    resolved = yield* step<ResolvedImage>('resolving_image', ACTIVITY.resolveImage, {
      deployId,
      target: input.target,
      tag: input.tag,
      digest: input.digest,
      reason: input.reason,
      requester: input.requester,
    });
    image = resolved.image;
    end('resolving_image', 'done', `${resolved.tag} → ${resolved.digest.slice(0, 19)}`);

    if (resolved.kind === 'aks') {
      begin('setup_workload_identity');
      wi = yield* step<WorkloadIdentityResult>('setup_workload_identity', ACTIVITY.setupWorkloadIdentity, {
        target: input.target,
      });
      end('setup_workload_identity', 'done', `identity ${wi.identity_name ?? ''}`);
    } else {
      wi = { status: 'skipped', reason: 'kubeconfig target: no Azure workload identity' };
      timeline = endPhase(timeline, 'setup_workload_identity', 'skipped', now(), wi.reason!);
      publish();
    }

    // Last chance to cancel with the cluster untouched.
    if (yield* pause(0)) throw new Cancelled('applying_manifests');

    begin('applying_manifests');
    applyAttempted = true;
    applied = yield* step<ApplyResult>('applying_manifests', ACTIVITY.applyManifests, {
      target: input.target,
      mode: 'deploy',
      image: resolved.image,
      tag: resolved.tag,
      workloadIdentityClientId: wi?.client_id ?? null,
    });
    end('applying_manifests', 'done', `generation ${applied.generation}`);

    begin('waiting_for_rollout');
    rollout = yield* waitForRollout('waiting_for_rollout', resolved.image);
    end('waiting_for_rollout', 'done', rollout.detail);

    begin('waiting_for_external_ip');
    address = yield* waitForAddress('waiting_for_external_ip');
    end('waiting_for_external_ip', 'done', address.external_ip!);

    begin('verifying_service');
    verified = yield* verify('verifying_service', address.external_ip!);
    end('verifying_service', 'done', verified.detail);
    phase = 'completed';
    clusterState = `running ${resolved.image}`;
  } catch (thrown) {
    if (thrown instanceof Cancelled) {
      status = 'cancelled';
      end(thrown.phase, 'failed', 'cancelled');
      error = { code: 'cancelled', message: `cancelled on request during ${thrown.phase.replace(/_/g, ' ')}` };
      phase = 'cancelled';
    } else if (thrown instanceof PhaseFailed) {
      status = 'failed';
      error = thrown.error;
      end(thrown.phase, 'failed', `${thrown.error.code}: ${thrown.error.message}`);
      phase = 'failed';
    } else {
      throw thrown;
    }

    if (!applyAttempted) {
      clusterState = 'unchanged: nothing was applied';
    } else if (resolved && !resolved.canRollBack) {
      rollback = {
        status: 'skipped',
        image: null,
        reason: 'first install: there is no previous deployment to restore',
      };
      clusterState = `left as applied (${resolved.image}); the service is not verified`;
    } else {
      // Restore the previously deployed manifest and verify it like a deploy.
      begin('rolling_back', `restoring ${resolved?.previous?.image ?? 'the previous deployment'}`);
      try {
        const restored = yield* step<ApplyResult>('rolling_back', ACTIVITY.applyManifests, {
          target: input.target,
          mode: 'rollback',
        });
        const back = yield* waitForRollout('rolling_back', restored.image);
        rollout = back;
        end('rolling_back', 'done', `restored ${restored.image}`);
        rollback = { status: 'succeeded', image: restored.image };
        clusterState = `restored to ${restored.image}`;
        if (status === 'failed') {
          status = 'rolled_back';
          phase = 'rolled_back';
        }
      } catch (rbThrown) {
        const rbError =
          rbThrown instanceof PhaseFailed
            ? rbThrown.error
            : rbThrown instanceof Cancelled
              ? { code: 'cancelled', message: 'rollback verification was cancelled' }
              : faultToError(rbThrown);
        end('rolling_back', 'failed', `${rbError.code}: ${rbError.message}`);
        rollback = { status: 'failed', image: resolved?.previous?.image ?? null, error: rbError };
        clusterState = 'unknown: the rollback did not verify; inspect the cluster';
      }
    }
  }

  phase = status === 'succeeded' ? 'completed' : status;
  const finishedAt = now();
  const output: DeployOutput = {
    status,
    deploy_id: deployId,
    target: input.target,
    namespace: resolved?.namespace ?? null,
    reason: input.reason,
    requester: input.requester,
    workload_identity: wi,
    openapi_deploy: {
      status: status === 'succeeded' ? 'deployed' : status,
      image: resolved?.image ?? null,
      tag: resolved?.tag ?? input.tag,
      digest: resolved?.digest ?? null,
      external_ip: address?.external_ip ?? null,
      base_url: verified?.base_url ?? null,
      api_version: verified?.api_version ?? null,
      apply_output: applied?.apply_output ?? '',
      ready_replicas: rollout?.ready_replicas ?? null,
      desired_replicas: rollout?.desired_replicas ?? null,
      ...(error ? { error: error.message } : {}),
    },
    previous_image: resolved?.previous?.image ?? null,
    error,
    rollback,
    cluster_state: clusterState,
    timeline,
    started_at: startedAt,
    finished_at: finishedAt,
    elapsed_seconds: Math.round((context.df.currentUtcDateTime.getTime() - startMs) / 1000),
  };
  publish();
  const finishInput: FinishInput = { deployId, output };
  yield context.df.callActivity(ACTIVITY.finish, finishInput);
  return output;
};
