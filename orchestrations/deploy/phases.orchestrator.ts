// The deploy's forward phases, in order: resolve the image, set up workload identity (AKS only), apply, then wait
// for the rollout, the address and a healthy service. A cancel or a failure leaves by a throw (Cancelled,
// PhaseFailed) with what was done so far in `Progress`, for the rollback decision (rollback.orchestrator.ts).
import type { Task } from 'durable-functions';
import {
  AddressCheck,
  ApplyResult,
  ResolvedImage,
  RolloutCheck,
  VerifyCheck,
  WorkloadIdentityResult,
} from '../../core/deploy-model';
import { endPhase } from '../../core/timeline';
import { Cancelled, DeployRun, PhaseFailed } from './run.orchestrator';
import { waitForAddress, waitForHealthyService, waitForRollout } from './waits.orchestrator';

/** What the deploy has done so far. */
export interface Progress {
  resolved: ResolvedImage | null;
  wi: WorkloadIdentityResult | null;
  applied: ApplyResult | null;
  /**
   * A failed apply may have changed some objects, so an attempted apply counts for the rollback decision — unless
   * the exec server certainly did not run it.
   */
  applyAttempted: boolean;
  rollout: RolloutCheck | null;
  address: AddressCheck | null;
  verified: VerifyCheck | null;
  /** The exact image a prelude fixed (what a build pushed): deployed instead of resolving the tag. */
  image?: { tag: string; digest: string };
  /** Rebuild & Deploy: the ACR Tasks run. */
  build?: { run_id: string; status: string; digest: string | null };
}

export function noProgress(): Progress {
  return {
    resolved: null,
    wi: null,
    applied: null,
    applyAttempted: false,
    rollout: null,
    address: null,
    verified: null,
  };
}

/** Runs every phase to a verified service; returns normally only on success. */
export function* deployPhases(run: DeployRun, progress: Progress): Generator<Task, void, unknown> {
  const { input, deployId } = run;

  run.begin('resolving_image');
  const resolved = yield* run.step(
    'resolving_image',
    'deployResolveImage',
    {
      deployId,
      target: input.target,
      tag: progress.image?.tag ?? input.tag,
      digest: progress.image?.digest ?? input.digest,
      reason: input.reason,
      requester: input.requester,
    },
    // It writes the history record: a late write must not land after the finish step's.
    'finish',
  );
  progress.resolved = resolved;
  run.image = resolved.image;
  run.end('resolving_image', 'done', `${resolved.tag} → ${resolved.digest.slice(0, 19)}`);
  run.stopIfCancelled('resolving_image');

  if (resolved.kind === 'aks') {
    run.begin('setup_workload_identity');
    const wi = yield* run.step(
      'setup_workload_identity',
      'deploySetupWorkloadIdentity',
      { target: input.target },
      'finish',
    );
    progress.wi = wi;
    run.end('setup_workload_identity', 'done', `identity ${wi.identity_name ?? ''}`);
    run.stopIfCancelled('setup_workload_identity');
  } else {
    const wi: WorkloadIdentityResult = { status: 'skipped', reason: 'kubeconfig target: no Azure workload identity' };
    progress.wi = wi;
    run.timeline = endPhase(run.timeline, 'setup_workload_identity', 'skipped', run.now(), wi.reason!);
    run.publish();
  }

  // Last chance to cancel with the cluster untouched.
  if (yield* run.cancelArrived()) throw new Cancelled('applying_manifests');

  run.begin('applying_manifests');
  progress.applyAttempted = true;
  let applied: ApplyResult;
  try {
    applied = yield* run.step(
      'applying_manifests',
      'deployApplyManifests',
      {
        target: input.target,
        mode: 'deploy',
        image: resolved.image,
        tag: resolved.tag,
        workloadIdentityClientId: progress.wi?.client_id ?? null,
      },
      'finish',
    );
  } catch (thrown) {
    if (thrown instanceof PhaseFailed && thrown.error.not_applied) progress.applyAttempted = false;
    throw thrown;
  }
  progress.applied = applied;
  run.end('applying_manifests', 'done', `generation ${applied.generation}`);
  run.stopIfCancelled('applying_manifests');

  run.begin('waiting_for_rollout');
  const rollout = yield* waitForRollout(run, 'waiting_for_rollout', resolved.image);
  progress.rollout = rollout;
  run.end('waiting_for_rollout', 'done', rollout.detail);
  run.stopIfCancelled('waiting_for_rollout');

  run.begin('waiting_for_external_ip');
  const address = yield* waitForAddress(run, 'waiting_for_external_ip');
  progress.address = address;
  run.end('waiting_for_external_ip', 'done', address.external_ip!);
  run.stopIfCancelled('waiting_for_external_ip');

  run.begin('verifying_service');
  const verified = yield* waitForHealthyService(run, 'verifying_service', address.external_ip!);
  progress.verified = verified;
  run.end('verifying_service', 'done', verified.detail);
  // Never `succeeded` with a cancel requested: one that arrived with the last result is honoured too.
  if (yield* run.cancelArrived()) throw new Cancelled('verifying_service', true);
}
