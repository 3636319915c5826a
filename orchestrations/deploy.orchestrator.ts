// The deploy orchestration (docs/deploy.md). Deterministic: time comes from the replay clock, every side effect is
// an activity, settings arrive in the input. Waiting is a bounded check activity followed by a durable timer; every
// activity of the deploy itself is raced against the cancel event, so a cancel is honoured after each step and at
// once inside a wait (a read-only check in flight is abandoned; a change in flight is waited for first).
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import {
  ActivityResult,
  AddressCheck,
  ApplyResult,
  CANCEL_EVENT,
  ClusterInspection,
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
import {
  CurrentPhase,
  endPhase,
  initialTimeline,
  PHASE_LABEL,
  PhaseName,
  startPhase,
  TimelineEntry,
} from '../core/timeline';
import { ACTIVITY } from './activity-names';

/** Raised inside the orchestrator when the cancel event has arrived. */
class Cancelled {
  /** `completed`: the phase's own step finished before the cancel was seen (its detail is then not "cancelled"). */
  constructor(
    readonly phase: PhaseName,
    readonly completed = false,
  ) {}
}

/** The value (or the fault) of a task that already completed, as a `yield` of it would give. */
function unwrap(task: Task): unknown {
  if (task.isFaulted) throw task.result;
  return task.result;
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

  /**
   * How a step treats a cancel: `abandon` a read-only check at once, `finish` a change in flight before stopping
   * (its effect must be known), or `ignore` it (the rollback, which a cancel itself may have started).
   */
  type OnCancel = 'abandon' | 'finish' | 'ignore';

  /** Runs an activity returning ActivityResult; a coded failure or a fault becomes PhaseFailed. */
  function* step<T>(
    name: PhaseName,
    activity: string,
    activityInput: unknown,
    onCancel: OnCancel,
  ): Generator<Task, T, unknown> {
    if (onCancel === 'abandon' && cancelEvent.isCompleted) throw new Cancelled(name);
    let result: ActivityResult<T>;
    try {
      const task = context.df.callActivity(activity, activityInput);
      // A compound task never completes through a child that completed before it was built: race only while open.
      if (onCancel !== 'ignore' && !cancelEvent.isCompleted) {
        const winner = yield context.df.Task.any([task, cancelEvent]);
        if (winner === cancelEvent && onCancel === 'abandon') throw new Cancelled(name);
        // Seen, to be honoured once the change in flight ends: say so now ("Cancelling…").
        if (winner === cancelEvent) publish();
      }
      result = (task.isCompleted ? unwrap(task) : yield task) as ActivityResult<T>;
    } catch (err) {
      if (err instanceof Cancelled) throw err;
      throw new PhaseFailed(name, faultToError(err));
    }
    if (!result.ok) throw new PhaseFailed(name, result.error);
    return result.value;
  }

  /** After a phase ended: a cancel that arrived meanwhile stops the deploy before the next step. */
  const stopIfCancelled = (name: PhaseName) => {
    if (cancelEvent.isCompleted) throw new Cancelled(name, true);
  };

  /** Waits `seconds` on a durable timer unless the cancel event arrives first; true when cancelled. */
  function* pause(seconds: number, cancellable = true): Generator<Task, boolean, unknown> {
    if (cancellable && cancelEvent.isCompleted) return true;
    // Derived from the replay clock (a copy, so the library's own Date is never mutated).
    const fireAt = structuredClone(context.df.currentUtcDateTime);
    fireAt.setTime(fireAt.getTime() + seconds * 1000);
    const timer = context.df.createTimer(fireAt);
    if (!cancellable) {
      yield timer;
      return false;
    }
    const winner = yield context.df.Task.any([timer, cancelEvent]);
    if (winner === cancelEvent) {
      timer.cancel();
      return true;
    }
    return false;
  }

  /**
   * A zero-second checkpoint: a cancel that arrived in the same batch as the last activity's result is only seen
   * once the orchestrator waits on something, so the decisions that matter (apply, success) wait here first.
   */
  function* cancelArrived(): Generator<Task, boolean, unknown> {
    return yield* pause(0);
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
    cancellable = true,
  ): Generator<Task, T, unknown> {
    const deadline = context.df.currentUtcDateTime.getTime() + timeoutSeconds * 1000;
    for (;;) {
      const remaining = Math.ceil((deadline - context.df.currentUtcDateTime.getTime()) / 1000);
      const watch = Math.max(1, Math.min(timings.watchSeconds, remaining));
      const value: T = yield* step<T>(name, activity, buildInput(watch), cancellable ? 'abandon' : 'ignore');
      const verdict = judge(value);
      if (verdict.error) throw new PhaseFailed(name, verdict.error);
      if (verdict.done) return value;
      timeline = timeline.map((e) => (e.name === name ? { ...e, detail: verdict.detail.slice(0, 200) } : e));
      publish();
      if (context.df.currentUtcDateTime.getTime() >= deadline)
        throw new PhaseFailed(name, timeoutError(verdict.detail));
      if (yield* pause(timings.pollIntervalSeconds, cancellable)) throw new Cancelled(name);
      if (context.df.currentUtcDateTime.getTime() >= deadline)
        throw new PhaseFailed(name, timeoutError(verdict.detail));
    }
  }

  function* waitForRollout(
    name: PhaseName,
    expectedImage: string,
    cancellable = true,
  ): Generator<Task, RolloutCheck, unknown> {
    return yield* waitFor<RolloutCheck>(
      name,
      ACTIVITY.checkRollout,
      (watchSeconds) => ({
        target: input.target,
        image: expectedImage,
        watchSeconds,
        retrySeconds: timings.dependencyRetrySeconds,
      }),
      (v) => ({ done: v.state === 'ready', detail: v.detail, error: v.state === 'failed' ? v.error : undefined }),
      timings.rolloutTimeoutSeconds,
      (last) => ({
        code: 'rollout_timeout',
        message: `the rollout did not finish within ${timings.rolloutTimeoutSeconds}s (${last})`,
        diagnostics: { likely_cause: 'Pods are slow to become Ready.', what_to_do: 'Check the pod events and logs.' },
      }),
      cancellable,
    );
  }

  function* waitForAddress(name: PhaseName): Generator<Task, AddressCheck, unknown> {
    return yield* waitFor<AddressCheck>(
      name,
      ACTIVITY.checkExternalIp,
      (watchSeconds) => ({ target: input.target, watchSeconds, retrySeconds: timings.dependencyRetrySeconds }),
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
      (watchSeconds) => ({
        target: input.target,
        externalIp,
        watchSeconds,
        retrySeconds: timings.dependencyRetrySeconds,
      }),
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

  /** What the cluster runs after a rollback that did not verify, read back from it ("unknown" only if unreadable). */
  function* readBack(): Generator<Task, string, unknown> {
    try {
      const seen = (yield context.df.callActivity(ACTIVITY.inspectCluster, {
        target: input.target,
        retrySeconds: timings.dependencyRetrySeconds,
      })) as ActivityResult<ClusterInspection>;
      if (!seen.ok) return `unknown: the cluster cannot be read (${seen.error.code}: ${seen.error.message})`;
      const v = seen.value;
      if (!v.deployment_image) return 'runs no elb-openapi Deployment (read back from the cluster)';
      const pods = v.pod_images.length
        ? `; pods run ${[...new Set(v.pod_images)].join(', ')}, ${v.ready_replicas} ready`
        : '; no pods';
      return `runs ${v.deployment_image} (read back from the cluster${pods})`;
    } catch (err) {
      return `unknown: the cluster cannot be read (${faultToError(err).message})`;
    }
  }

  publish();
  let resolved: ResolvedImage | null = null;
  let wi: WorkloadIdentityResult | null = null;
  let applied: ApplyResult | null = null;
  // A failed apply may have changed some objects, so an attempted apply counts for the rollback decision — unless
  // the exec server certainly did not run it.
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
    resolved = yield* step<ResolvedImage>(
      'resolving_image',
      ACTIVITY.resolveImage,
      {
        deployId,
        target: input.target,
        tag: input.tag,
        digest: input.digest,
        reason: input.reason,
        requester: input.requester,
      },
      // It writes the history record: a late write must not land after the finish step's.
      'finish',
    );
    image = resolved.image;
    end('resolving_image', 'done', `${resolved.tag} → ${resolved.digest.slice(0, 19)}`);
    stopIfCancelled('resolving_image');

    if (resolved.kind === 'aks') {
      begin('setup_workload_identity');
      wi = yield* step<WorkloadIdentityResult>(
        'setup_workload_identity',
        ACTIVITY.setupWorkloadIdentity,
        { target: input.target },
        'finish',
      );
      end('setup_workload_identity', 'done', `identity ${wi.identity_name ?? ''}`);
      stopIfCancelled('setup_workload_identity');
    } else {
      wi = { status: 'skipped', reason: 'kubeconfig target: no Azure workload identity' };
      timeline = endPhase(timeline, 'setup_workload_identity', 'skipped', now(), wi.reason!);
      publish();
    }

    // Last chance to cancel with the cluster untouched.
    if (yield* cancelArrived()) throw new Cancelled('applying_manifests');

    begin('applying_manifests');
    applyAttempted = true;
    try {
      applied = yield* step<ApplyResult>(
        'applying_manifests',
        ACTIVITY.applyManifests,
        {
          target: input.target,
          mode: 'deploy',
          image: resolved.image,
          tag: resolved.tag,
          workloadIdentityClientId: wi?.client_id ?? null,
        },
        'finish',
      );
    } catch (thrown) {
      if (thrown instanceof PhaseFailed && thrown.error.not_applied) applyAttempted = false;
      throw thrown;
    }
    end('applying_manifests', 'done', `generation ${applied.generation}`);
    stopIfCancelled('applying_manifests');

    begin('waiting_for_rollout');
    rollout = yield* waitForRollout('waiting_for_rollout', resolved.image);
    end('waiting_for_rollout', 'done', rollout.detail);
    stopIfCancelled('waiting_for_rollout');

    begin('waiting_for_external_ip');
    address = yield* waitForAddress('waiting_for_external_ip');
    end('waiting_for_external_ip', 'done', address.external_ip!);
    stopIfCancelled('waiting_for_external_ip');

    begin('verifying_service');
    verified = yield* verify('verifying_service', address.external_ip!);
    end('verifying_service', 'done', verified.detail);
    // Never `succeeded` with a cancel requested: one that arrived with the last result is honoured too.
    if (yield* cancelArrived()) throw new Cancelled('verifying_service', true);
    phase = 'completed';
    clusterState = `running ${resolved.image}`;
  } catch (thrown) {
    if (thrown instanceof Cancelled) {
      status = 'cancelled';
      if (!thrown.completed) end(thrown.phase, 'failed', 'cancelled');
      error = { code: 'cancelled', message: `cancelled on request during ${PHASE_LABEL[thrown.phase]}` };
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
      clusterState = error?.not_applied
        ? 'unchanged: the exec server did not run the apply'
        : 'unchanged: nothing was applied';
    } else if (resolved && !resolved.canRollBack) {
      rollback = {
        status: 'skipped',
        image: null,
        reason: 'first install: there is no previous deployment to restore',
      };
      clusterState = `left as applied (${resolved.image}); the service is not verified`;
    } else {
      // Restore the previously deployed manifest and verify it like a deploy; a cancel does not stop it.
      begin('rolling_back', `restoring ${resolved?.previous?.image ?? 'the previous deployment'}`);
      try {
        const restored = yield* step<ApplyResult>(
          'rolling_back',
          ACTIVITY.applyManifests,
          { target: input.target, mode: 'rollback' },
          'ignore',
        );
        const back = yield* waitForRollout('rolling_back', restored.image, false);
        rollout = back;
        end('rolling_back', 'done', `restored ${restored.image}`);
        rollback = { status: 'succeeded', image: restored.image };
        clusterState = `restored to ${restored.image}`;
        if (status === 'failed') {
          status = 'rolled_back';
          phase = 'rolled_back';
        }
      } catch (rbThrown) {
        const rbError = rbThrown instanceof PhaseFailed ? rbThrown.error : faultToError(rbThrown);
        end('rolling_back', 'failed', `${rbError.code}: ${rbError.message}`);
        rollback = { status: 'failed', image: resolved?.previous?.image ?? null, error: rbError };
        clusterState = yield* readBack();
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
    cancel_requested: cancelEvent.isCompleted,
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
