// A target's update policy (docs/policies.md): how a newer image reaches it — at once, after a deployer's approval,
// or only by hand; which tags it follows; when it may change; what drift does. Configured per target in ELB_TARGETS
// (`policy`), changeable through the API; the defaults keep the behaviour of a target without a policy.
import * as z from 'zod/mini';
import { TAG, TARGET_NAME } from './primitives';

/** `auto`: deploy at once (inside the window); `approve`: wait for a deployer's decision; `manual`: only tell. */
export const UPDATE_MODES = ['auto', 'approve', 'manual'] as const;
export const UpdateMode = z.enum(UPDATE_MODES);

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Whether `timeZone` is an IANA zone this runtime knows (`Europe/Stockholm`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const CLOCK = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (24 h)'));

/** Follow one tag's digest; `null` follows the pinned tag (ELB_OPENAPI_TAG), the behaviour without a policy. */
export const TrackTag = z.strictObject({
  tag: z.nullable(z.string().check(z.regex(TAG, 'must be a valid image tag'))),
});
/** The longest range text accepted; ranges are written by operators, not generated. */
export const MAX_RANGE_LENGTH = 100;
/** What a semver range is written with. Whether it is one is checked on the server (CheckedUpdatePolicy). */
const RANGE_TEXT = /^[0-9A-Za-z.*~^<>=| -]+$/;
export const RANGE_MESSAGE = 'must be a semver range such as ~3.4, 3.x or >=3.4 <4';

/**
 * Follow the newest tag inside a semver range (`~3.4`, `3.x`, `>=3.4 <4`): core/versions.ts orders the tags. The
 * page parses this shape too, so semver itself is not used here (it would be most of the page's script budget).
 */
export const TrackRange = z.strictObject({
  range: z
    .string()
    .check(
      z.maxLength(MAX_RANGE_LENGTH, `must be at most ${MAX_RANGE_LENGTH} characters`),
      z.regex(RANGE_TEXT, RANGE_MESSAGE),
    ),
});
export const Track = z.union([TrackTag, TrackRange], { error: 'must be {"tag": …} or {"range": …}' });

/**
 * Days and hours in a time zone when automatic and approved updates may run. An end not after the start runs past
 * midnight (`22:00`–`02:00`).
 */
export const MaintenanceWindow = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS, { error: 'must be mon, tue, wed, thu, fri, sat or sun' }))
      .check(z.minLength(1, 'must list at least one day'), z.maxLength(7, 'lists a day twice')),
    start: CLOCK,
    end: CLOCK,
    timeZone: z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as Europe/Stockholm or UTC')),
  })
  .check(
    z.refine((w) => w.start !== w.end, 'start and end must differ'),
    z.refine((w) => new Set(w.days).size === w.days.length, 'lists a day twice'),
  );

/** `correct`: redeploy the desired image when the cluster runs something else; `notify`: only report it. */
export const DriftAction = z.enum(['correct', 'notify']);

export const UpdatePolicy = z.strictObject({
  mode: z._default(UpdateMode, 'auto'),
  track: z._default(Track, { tag: null }),
  /** How long an update waits for a decision before it ends `expired`. */
  approvalTimeoutHours: z._default(z.int().check(z.minimum(1), z.maximum(720)), 24),
  window: z._default(z.nullable(MaintenanceWindow), null),
  drift: z._default(DriftAction, 'notify'),
});

export type UpdatePolicy = z.output<typeof UpdatePolicy>;
export type MaintenanceWindow = z.output<typeof MaintenanceWindow>;
export type Track = z.output<typeof Track>;

/** A target without a policy: follow the pinned tag, deploy pushes at once, any time, report drift. */
export const DEFAULT_POLICY: UpdatePolicy = {
  mode: 'auto',
  track: { tag: null },
  approvalTimeoutHours: 24,
  window: null,
  drift: 'notify',
};

/**
 * One group of a wave (ELB_WAVES, docs/policies.md "Waves"): its targets update together; the next group starts only
 * after every one of them succeeded and `soakSeconds` passed with their services still healthy.
 */
export const WaveGroup = z.strictObject({
  name: z.string().check(z.regex(TARGET_NAME, 'must be a lowercase DNS label')),
  targets: z
    .array(z.string().check(z.regex(TARGET_NAME, 'must be a target name')))
    .check(z.minLength(1, 'must name at least one target')),
  soakSeconds: z._default(z.int().check(z.minimum(0), z.maximum(86_400)), 300),
});
/** The groups in the order a wave updates them. */
export const WaveList = z.array(WaveGroup).check(z.maxLength(20, 'must have at most 20 groups'));
export type WaveGroup = z.output<typeof WaveGroup>;
