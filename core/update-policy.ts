// How a target's update policy (docs/policies.md) applies: the policy in force (the API's change over the
// configured one), the tag the target wants, whether a pushed tag is one it follows, and which way an update goes.
import * as z from 'zod/mini';
import { UpdatePolicy } from './contract/policy';
import { CheckedUpdatePolicy } from './contract/settings';
import type { TargetState } from './target-state';
import type { Target } from './targets';
import { compareTags, tagInRange, tagVersion } from './versions';

/** The policy in force: the one set through the API (kept on the target row), else the configured one. */
export function policyOf(target: Pick<Target, 'policy'>, state: Pick<TargetState, 'policyOverride'>): UpdatePolicy {
  if (state.policyOverride) {
    try {
      const parsed = z.safeParse(CheckedUpdatePolicy, JSON.parse(state.policyOverride));
      if (parsed.success) return parsed.data;
    } catch {
      // A row written by hand or by an older version: the configured policy holds.
    }
  }
  return target.policy;
}

/**
 * The tag a target follows when nothing chose another: the policy's tag, else the pin (ELB_OPENAPI_TAG). A range
 * starts from the pin too, until a newer tag in the range is pushed or found by the reconcile.
 */
export function baseTag(policy: UpdatePolicy, pinnedTag: string): string {
  return ('tag' in policy.track ? policy.track.tag : null) ?? pinnedTag;
}

/** The tag the target should run: a choice made for it (a manual deploy, a newer tag in its range), else its base. */
export function desiredTagOf(policy: UpdatePolicy, state: Pick<TargetState, 'desiredTagOverride'>, pinnedTag: string) {
  return state.desiredTagOverride ?? baseTag(policy, pinnedTag);
}

/**
 * Whether a pushed tag is one the target follows: its desired tag, or — tracking a range — a tag in the range not
 * older than the desired one (a desired tag outside the range, say from a manual deploy, gives way to the range).
 */
export function followsTag(policy: UpdatePolicy, desired: string, tag: string): boolean {
  if ('tag' in policy.track) return tag === desired;
  const { range } = policy.track;
  if (!tagInRange(tag, range)) return false;
  if (!tagVersion(desired) || !tagInRange(desired, range)) return true;
  return compareTags(tag, desired) >= 0;
}

/**
 * Which way an update of a followed tag goes: `deploy` at once (today's behaviour), through the `gate` (an approval
 * and/or a maintenance window first), as part of a `wave`, or only `announce` it (manual mode).
 */
export type UpdateRoute = 'deploy' | 'gate' | 'wave' | 'announce';

export function updateRoute(policy: UpdatePolicy, inWave: boolean): UpdateRoute {
  if (policy.mode === 'manual') return 'announce';
  if (inWave) return 'wave';
  if (policy.mode === 'approve' || policy.window !== null) return 'gate';
  return 'deploy';
}

/** The target's desired tag under the policy in force. */
export function desiredTag(
  target: Pick<Target, 'policy'>,
  state: Pick<TargetState, 'desiredTagOverride' | 'policyOverride'>,
  pinnedTag: string,
): string {
  return desiredTagOf(policyOf(target, state), state, pinnedTag);
}
