// The reconcile pass's decision for one target (docs/policies.md "Reconcile and drift"): from the registry's tags,
// the target row and the image the cluster runs, whether to offer a newer image the target follows (a push whose
// event never came), and whether the cluster drifted from what elb-control deployed — and, per the policy, whether
// to correct it. Pure: the caller reads the world and acts (services/reconcile.ts).
import type * as z from 'zod/mini';
import type { UpdatePolicy } from './contract/policy';
import type * as contract from './contract/reconcile';
import { ReconcileRequestBody } from './contract/reconcile';
import { DomainError } from './errors';
import { failedDigest, TargetState } from './target-state';
import { desiredTagOf } from './update-policy';
import { validate } from './validate';
import { newestInRange } from './versions';

export type ReconcileFinding = z.output<typeof contract.ReconcileFinding>;
export type ReconcileUpdate = z.output<typeof contract.ReconcileUpdate>;
export type ReconcileDrift = z.output<typeof contract.ReconcileDrift>;
export type ReconcileUpdateReason = NonNullable<ReconcileUpdate['reason']>;

/** Every 10 minutes, at second 0 (NCRONTAB: second minute hour day month day-of-week). */
export const DEFAULT_RECONCILE_SCHEDULE = '0 */10 * * * *';

/**
 * The timer's schedule, read when the app registers its functions: ELB_RECONCILE_SCHEDULE, else every 10 minutes.
 * Not a `%ELB_RECONCILE_SCHEDULE%` binding expression: the host refuses a function whose expression names an unset
 * setting, and the pass should run by default (docs/policies.md "Reconcile and drift").
 */
export function reconcileSchedule(env: Readonly<Record<string, string | undefined>>): string {
  const value = env.ELB_RECONCILE_SCHEDULE?.trim();
  return value ? value : DEFAULT_RECONCILE_SCHEDULE;
}

/** What the pass read for one target. */
export interface ReconcileInputs {
  policy: UpdatePolicy;
  state: TargetState;
  pinnedTag: string;
  /** The repository's tags (tag → digest), or the code of the error that kept the registry from answering. */
  registry: { digests: Record<string, string> } | { error: string };
  /** The image the Deployment runs (null: no Deployment), or the error code of the cluster read. */
  live: { image: string | null } | { error: string };
  /** The deployed digest as the image reference the Deployment names (core/image.ts digestRef), or null. */
  deployedImage: string | null;
  clusterStopped: boolean;
  /** A deploy holds the target's lease (and its orchestration is alive). */
  deployRunning: boolean;
}

/** The decision: what the caller does. `offer` and `correct` name the image to hand on. */
export interface ReconcileDecision {
  skipped: ReconcileFinding['skipped'];
  update: ReconcileUpdate;
  drift: ReconcileDrift;
  /** Offer this image to the update path (services/updates.ts offerUpdate, trigger `reconcile`). */
  offer: { tag: string; digest: string } | null;
  /**
   * The drift episode to record on the target row: a new drifted image (`since` is when it was first seen), or null
   * to clear a recorded one, or undefined to leave the row as it is.
   */
  record: { image: string } | null | undefined;
  /** Start a `drift` deploy of the deployed digest (policy `correct`, a newly seen drifted image). */
  correct: boolean;
}

/** The tag the policy follows now and its digest: the desired tag, or for a range the newest tag in it. */
function followed(
  inputs: ReconcileInputs,
  digests: Record<string, string>,
): { tag: string | null; digest: string | null; missing: ReconcileUpdateReason | null } {
  const { policy, state, pinnedTag } = inputs;
  if ('range' in policy.track) {
    const tag = newestInRange(Object.keys(digests), policy.track.range);
    if (tag === null) return { tag: null, digest: null, missing: 'no_tag_in_range' };
    return { tag, digest: digests[tag]!, missing: null };
  }
  const tag = desiredTagOf(policy, state, pinnedTag);
  const digest = digests[tag] ?? null;
  return { tag, digest, missing: digest === null ? 'not_in_registry' : null };
}

function updateDecision(inputs: ReconcileInputs): { update: ReconcileUpdate; offer: ReconcileDecision['offer'] } {
  const none = (reason: ReconcileUpdateReason, tag: string | null = null, digest: string | null = null) => ({
    update: { tag, digest, action: 'none' as const, reason, outcome: null, deploy_id: null },
    offer: null,
  });
  if ('error' in inputs.registry) return none('registry_unavailable');
  const { tag, digest, missing } = followed(inputs, inputs.registry.digests);
  if (missing || tag === null || digest === null) return none(missing ?? 'not_in_registry', tag, digest);
  const { state } = inputs;
  if (state.deployedDigest === digest) return none('up_to_date', tag, digest);
  // Once per digest, whichever path saw it first: the push handler and this pass both set lastAutoDigest.
  if (state.lastAutoDigest === digest || state.pendingPushDigest === digest) return none('offered_before', tag, digest);
  if (failedDigest(state, digest)) return none('failed_before', tag, digest);
  return {
    update: { tag, digest, action: 'offered', reason: null, outcome: null, deploy_id: null },
    offer: { tag, digest },
  };
}

function driftDecision(inputs: ReconcileInputs): Pick<ReconcileDecision, 'drift' | 'record' | 'correct'> {
  const { state, deployedImage } = inputs;
  const base = { deployed_image: deployedImage, deploy_id: null };
  if ('error' in inputs.live) {
    return {
      drift: { ...base, state: 'unknown', live_image: null, action: 'none', error: inputs.live.error },
      record: undefined,
      correct: false,
    };
  }
  const live = inputs.live.image;
  // Drift is a Deployment running another image than the deployed digest; before the first deploy, or with no
  // Deployment at all (the summary says "not installed"), there is nothing to compare.
  if (deployedImage === null || live === null || live === deployedImage) {
    return {
      drift: { ...base, state: 'none', live_image: live, action: 'none', error: null },
      record: state.driftImage !== null ? null : undefined,
      correct: false,
    };
  }
  if (state.driftImage === live) {
    return {
      drift: { ...base, state: 'detected', live_image: live, action: 'known', error: null },
      record: undefined,
      correct: false,
    };
  }
  const correct = inputs.policy.drift === 'correct';
  return {
    drift: { ...base, state: 'detected', live_image: live, action: correct ? 'corrected' : 'reported', error: null },
    record: { image: live },
    correct,
  };
}

/** What the pass does on one target. */
export function decideReconcile(inputs: ReconcileInputs): ReconcileDecision {
  const skipped = inputs.clusterStopped ? 'cluster_stopped' : inputs.deployRunning ? 'deploy_running' : null;
  if (skipped) {
    // A stopped cluster cannot take a deploy, and a running deploy is changing the image right now: nothing is
    // judged or changed; the next pass looks again.
    const { update } = updateDecision(inputs);
    return {
      skipped,
      update: { ...update, action: 'none' },
      drift: {
        state: 'unknown',
        live_image: null,
        deployed_image: inputs.deployedImage,
        action: 'none',
        deploy_id: null,
        error: null,
      },
      offer: null,
      record: undefined,
      correct: false,
    };
  }
  const { update, offer } = updateDecision(inputs);
  const drift = driftDecision(inputs);
  if (drift.correct && offer !== null) {
    // A newer image is on its way and replaces whatever runs; the drift stays unrecorded, so the next pass (the
    // image then offered before) corrects it if the update did not happen.
    return {
      skipped: null,
      update,
      offer,
      drift: { ...drift.drift, action: 'none' },
      record: undefined,
      correct: false,
    };
  }
  return { skipped: null, update, offer, ...drift };
}

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : 'none');

/** The finding's one line, for the log and the page: what the registry has, what was done, what the cluster runs. */
export function findingMessage(f: Omit<ReconcileFinding, 'message'>): string {
  if (f.error === 'still_running')
    return 'still running when the answer was due; the summary shows its result (last_reconcile) once it ends';
  if (f.error) return `the reconcile failed on this target (${f.error})`;
  const parts: string[] = [];
  if (f.skipped === 'cluster_stopped') parts.push('skipped: the cluster is stopped');
  if (f.skipped === 'deploy_running') parts.push('skipped: a deploy is running');
  const u = f.update;
  const image = u.tag ? `${u.tag} (${short(u.digest)})` : null;
  if (u.reason === 'registry_unavailable') parts.push('could not read the registry');
  else if (u.action === 'offered') parts.push(`offered ${image}: ${u.outcome ?? 'no answer'}`);
  else if (!f.skipped) {
    const why: Record<ReconcileUpdateReason, string> = {
      up_to_date: `${image} is deployed`,
      offered_before: `${image} was offered before`,
      failed_before: `${image} failed before; not retried`,
      not_in_registry: `${u.tag ?? 'the followed tag'} is not in the registry`,
      no_tag_in_range: 'no tag in the range',
      registry_unavailable: 'could not read the registry',
    };
    parts.push(why[u.reason ?? 'up_to_date']);
  }
  const d = f.drift;
  if (d.state === 'detected') {
    const what = `drift: the cluster runs ${d.live_image}, elb-control deployed ${d.deployed_image}`;
    const done =
      d.action === 'corrected'
        ? d.deploy_id
          ? `; correcting (deploy ${d.deploy_id})`
          : '; not corrected: a deploy holds the target'
        : d.action === 'known'
          ? ' (reported before)'
          : d.action === 'reported'
            ? '; reported'
            : '; the offered update replaces it';
    parts.push(what + done);
  } else if (d.state === 'unknown' && d.error) parts.push(`could not read the cluster (${d.error})`);
  return parts.join('; ');
}

/**
 * A target's finding when the pass could not make one: `error` is the code of what failed (storage, Durable), or
 * `still_running` when `POST /api/reconcile` answered before that target's pass ended — the pass goes on and records
 * its finding on the target row (the summary's last_reconcile).
 */
export function failedFinding(target: string, at: string, error: string): ReconcileFinding {
  const f: Omit<ReconcileFinding, 'message'> = {
    target,
    at,
    skipped: null,
    update: { tag: null, digest: null, action: 'none', reason: null, outcome: null, deploy_id: null },
    drift: { state: 'unknown', live_image: null, deployed_image: null, action: 'none', deploy_id: null, error: null },
    error,
  };
  return { ...f, message: findingMessage(f) };
}

/** `POST /api/reconcile`'s body: empty or `{}` for every target, `{"target": "…"}` for one (null: every target). */
export function parseReconcileRequest(rawBody: string): string | null {
  let body: unknown = {};
  if (rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new DomainError('invalid_json', 'the request body is not valid JSON', 400);
    }
  }
  const parsed = validate(ReconcileRequestBody, body, (issue) =>
    issue.code === 'unrecognized_keys'
      ? 'unknown_field'
      : issue.path[0] === 'target'
        ? 'invalid_target'
        : 'invalid_body',
  );
  return parsed.target ?? null;
}
