// Image tags as versions (docs/policies.md "Tracking a version range"): which tags are versions, how they order and
// whether one falls in a range. One helper for the server and the page, so both order tags the same way.
import coerce from 'semver/functions/coerce.js';
import compare from 'semver/functions/compare.js';
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import type SemVer from 'semver/classes/semver.js';
import { MAX_RANGE_LENGTH } from './contract/policy';

/**
 * Tags that read as versions: `3`, `3.4`, `3.4.1`, an optional `v`, an optional pre-release (`3.4.1-rc.1`).
 * Anything else (`latest`, `build-123`, `sha-1a2b`) is not a version, even where semver's coercion would find a number in it.
 */
const VERSION_TAG = /^v?(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,2}(-[0-9A-Za-z][0-9A-Za-z.-]*)?$/;

/** The tag as a semantic version (`3.4` → 3.4.0), or null when the tag is not a version. */
export function tagVersion(tag: string): SemVer | null {
  if (!VERSION_TAG.test(tag)) return null;
  return coerce(tag, { includePrerelease: true });
}

/** Whether `range` is a semver range an operator may track (`~3.4`, `3.x`, `>=3.4 <4`). */
export function isVersionRange(range: string): boolean {
  return range.trim() !== '' && range.length <= MAX_RANGE_LENGTH && validRange(range) !== null;
}

/**
 * Whether the tag is a version inside the range. Pre-releases match only a range that names a pre-release of the
 * same version (semver's rule), so `~3.4` does not pick up `3.5.0-rc.1`.
 */
export function tagInRange(tag: string, range: string): boolean {
  const version = tagVersion(tag);
  return version !== null && isVersionRange(range) && satisfies(version, range);
}

/**
 * Orders version tags, lowest first. Tags of the same version (`3.4` and `3.4.0`) order by the more specific one
 * last, then by their text, so every caller picks the same one.
 */
export function compareTags(a: string, b: string): number {
  const va = tagVersion(a);
  const vb = tagVersion(b);
  if (!va || !vb) throw new Error('compareTags: not a version tag');
  return compare(va, vb) || a.split('.').length - b.split('.').length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The newest tag in the range, or null when none is. */
export function newestInRange(tags: Iterable<string>, range: string): string | null {
  let best: string | null = null;
  for (const tag of tags) {
    if (tagInRange(tag, range) && (best === null || compareTags(tag, best) > 0)) best = tag;
  }
  return best;
}
