// What one reconcile pass found on one target (docs/policies.md "Reconcile and drift"): the registry's image for what
// the policy follows against what is deployed, and what the cluster runs against what was deployed. The timer
// records it on the target row (the summary's `last_reconcile`); `POST /api/reconcile` answers it for each target.
import * as z from 'zod/mini';
import { TargetName } from './primitives';

/**
 * What ELB_RECONCILE_SCHEDULE may look like: six NCRONTAB fields, or a TimeSpan `[d.]hh:mm:ss` (both are what the
 * Functions host accepts; the host checks the values themselves when it loads the trigger).
 */
export const RECONCILE_SCHEDULE_FORMAT =
  /^(?:[\d*?,/A-Za-z-]+(?:\s+[\d*?,/A-Za-z-]+){5}|(?:\d+\.)?\d{1,2}:\d{2}:\d{2})$/;

/**
 * Why no update was offered: `up_to_date` (the digest is deployed), `offered_before` (an event or an earlier pass
 * already offered it: once per digest), `failed_before` (it failed on this target), `not_in_registry` (the followed
 * tag is not there), `no_tag_in_range` (no tag in the range), `registry_unavailable`.
 */
export const RECONCILE_UPDATE_REASONS = [
  'up_to_date',
  'offered_before',
  'failed_before',
  'not_in_registry',
  'no_tag_in_range',
  'registry_unavailable',
] as const;

export const ReconcileUpdate = z.object({
  /** The tag the policy follows now (for a range: the newest tag in it), or null when the registry gave none. */
  tag: z.nullable(z.string()),
  /** That tag's digest in the registry, or null. */
  digest: z.nullable(z.string()),
  /** `offered`: handed to the update path (services/updates.ts), whose answer is `outcome`. */
  action: z.enum(['none', 'offered']),
  reason: z.nullable(z.enum(RECONCILE_UPDATE_REASONS)),
  /** What the update path did with it: `started`, `queued`, `announced` or `ignored: <reason>`. */
  outcome: z.nullable(z.string()),
  /** The deploy it started, if any. */
  deploy_id: z.nullable(z.string()),
});

export const ReconcileDrift = z.object({
  /** `unknown`: the cluster could not be read (`error` says why). */
  state: z.enum(['none', 'detected', 'unknown']),
  /** What the Deployment runs, when it was read. */
  live_image: z.nullable(z.string()),
  /** The image elb-control deployed (by digest), or null before the first deploy. */
  deployed_image: z.nullable(z.string()),
  /**
   * `reported`: new drift, recorded (and notified) once; `corrected`: new drift under policy `correct`, a `drift`
   * deploy of the deployed digest started; `known`: reported on an earlier pass; `none`: nothing to do.
   */
  action: z.enum(['none', 'reported', 'corrected', 'known']),
  /** The correcting deploy, when one started. */
  deploy_id: z.nullable(z.string()),
  error: z.nullable(z.string()),
});

export const ReconcileFinding = z.object({
  target: TargetName,
  /** When the pass looked (ISO 8601, UTC). */
  at: z.string(),
  /** `cluster_stopped` or `deploy_running`: the target was left alone this pass. */
  skipped: z.nullable(z.enum(['cluster_stopped', 'deploy_running'])),
  update: ReconcileUpdate,
  drift: ReconcileDrift,
  /** One line for people and the log: what it found and did (no secrets). */
  message: z.string(),
  /** The pass failed on this target (storage, Durable): the code; the other targets went on. */
  error: z.nullable(z.string()),
});

/** `POST /api/reconcile`: an empty body or `{}` runs every target; `{"target": "…"}` runs one. */
export const ReconcileRequestBody = z.strictObject({ target: z.optional(TargetName) });

export const ReconcileAnswer = z.object({ findings: z.array(ReconcileFinding) });
