// Ordering image tags, for the server's tag lists and the dashboard's "newer tags". Two questions, two answers:
// listing needs a total order over any tag (`latest`, `3.4-rc1`), while "is it newer" has no answer for a tag
// that is not a version. No imports: the dashboard bundles this file (see web/vite.config.ts).

/** A total order for listing any tags: digit runs compare as numbers (`3.10` after `3.9`), the rest as text. */
export function tagListOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Splits a version tag such as `3.10.1` or `v3.4` into its numbers; null when the tag is not one. */
function versionParts(tag: string): number[] | null {
  const match = /^v?(\d+(?:\.\d+)*)$/.exec(tag);
  return match ? match[1]!.split('.').map(Number) : null;
}

/** Compares two version tags numerically (`3.10` > `3.9`, `v3.4` = `3.4`); null when either is not a version. */
export function compareVersionTags(a: string, b: string): number | null {
  const pa = versionParts(a);
  const pb = versionParts(b);
  if (!pa || !pb) return null;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** Tags newer than the pinned one, newest first. Tags that are not versions (`latest`, `dev`) are never newer. */
export function newerTags(tags: readonly string[], pinned: string): string[] {
  return tags.filter((tag) => (compareVersionTags(tag, pinned) ?? 0) > 0).sort((a, b) => compareVersionTags(b, a) ?? 0);
}
