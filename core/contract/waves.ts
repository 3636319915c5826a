// A wave's picture (docs/policies.md "Waves"): the groups in order, each target's state, the soak, why it halted. The
// wave orchestration publishes it as its custom status and returns it as its output; GET /api/waves lists it and the
// Overview page draws it, so all three read one shape.
import * as z from 'zod/mini';

/** Wave instance ids: `wave-` and 20 hex digits of the image digest (core/waves.ts). */
export const WAVE_ID = /^wave-[a-f0-9]{20}$/;
export const WaveId = z.string().check(z.regex(WAVE_ID, 'must be wave-<20 hex digits>'));

export const WAVE_TARGET_STATES = ['waiting', 'updating', 'succeeded', 'failed', 'rolled_back', 'skipped'] as const;
export const WaveTargetState = z.enum(WAVE_TARGET_STATES);

export const WAVE_GROUP_STATES = [
  'waiting',
  'updating',
  'soaking',
  'checking',
  'succeeded',
  'halted',
  'skipped',
] as const;
export const WaveGroupState = z.enum(WAVE_GROUP_STATES);

/** `queued`: waiting for the wave it superseded to stop; `halted`: a target failed; the rest end it by hand or by a newer image. */
export const WAVE_STATES = ['queued', 'running', 'succeeded', 'halted', 'cancelled', 'superseded'] as const;
export const WaveState = z.enum(WAVE_STATES);

export const WaveTarget = z.object({
  target: z.string(),
  state: WaveTargetState,
  /** The target's update orchestration (updateTarget), once started. */
  update_id: z.nullable(z.string()),
  /** The deploy that update ran (its history record), when one ran. */
  deploy_id: z.nullable(z.string()),
  /** updateTarget's outcome (succeeded, failed, rolled_back, rejected, expired, …), once it ended. */
  outcome: z.nullable(z.string()),
  /** One line: why the target did not succeed, or what the health check after the soak saw. */
  detail: z.nullable(z.string()),
  /** The rollback the wave started for a target found unhealthy after the soak. */
  rollback_deploy_id: z.nullable(z.string()),
});

export const WaveGroupView = z.object({
  name: z.string(),
  state: WaveGroupState,
  soak_seconds: z.number(),
  /** When the soak of this group ends (ISO), while and after it soaks; null before. */
  soak_ends_at: z.nullable(z.string()),
  targets: z.array(WaveTarget),
});

export const WaveView = z.object({
  wave_id: z.string(),
  state: WaveState,
  image: z.object({ tag: z.string(), digest: z.string() }),
  /** push | reconcile: who noticed the image. */
  trigger: z.string(),
  offered_at: z.string(),
  started_at: z.string(),
  finished_at: z.nullable(z.string()),
  /** The index of the group updating or soaking now; null before the first and after the end. */
  current_group: z.nullable(z.number()),
  groups: z.array(WaveGroupView),
  /** Why the wave stopped short, in words: the target, its outcome and error; or who cancelled it. */
  halted_because: z.nullable(z.string()),
  cancel_requested: z.boolean(),
  /** The waves this one superseded and waited for (docs/policies.md "Waves"). */
  supersedes: z.array(z.string()),
});

/** GET /api/waves: the running and the most recent waves, newest first. */
export const WavesAnswer = z.object({ waves: z.array(WaveView) });

/** POST /api/waves/{id}/cancel. */
export const WaveCancelAnswer = z.object({ wave_id: z.string(), cancel_requested: z.boolean() });
export const WaveParams = z.strictObject({ id: WaveId });

export type WaveView = z.output<typeof WaveView>;
export type WaveGroupView = z.output<typeof WaveGroupView>;
export type WaveTarget = z.output<typeof WaveTarget>;
export type WaveTargetState = z.output<typeof WaveTargetState>;
export type WaveState = z.output<typeof WaveState>;
