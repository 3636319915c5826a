// Small pure formatters shared by the pages.

/** `sha256:0123456789abcdef…` → `sha256:0123456789ab` (12 hex digits, as container tools show them). */
export function shortDigest(digest: string | null | undefined): string | null {
  if (!digest) return null;
  const match = /^([a-z0-9]+):([0-9a-f]+)$/i.exec(digest);
  if (!match) return digest.slice(0, 19);
  return `${match[1]}:${match[2]!.slice(0, 12)}`;
}

/** `host/repo@sha256:<64 hex>` → `host/repo@sha256:<12 hex>`; tag references are returned unchanged. */
export function shortImage(image: string | null | undefined): string | null {
  if (!image) return null;
  const at = image.lastIndexOf('@');
  return at < 0 ? image : `${image.slice(0, at)}@${shortDigest(image.slice(at + 1))}`;
}

/** Human duration: `850 ms`, `12 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Parses an ISO timestamp; null for missing or malformed values rather than NaN. */
export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** `2026-05-15T10:04:05Z` → `2026-05-15 10:04:05 UTC` (stable across the users' locales and time zones). */
export function formatTimestamp(iso: string | null | undefined): string {
  const ms = parseTime(iso);
  if (ms === null) return '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** Splits a tag such as `3.10.1` or `v3.4-rc1` into numeric parts for ordering; null when not version-like. */
function versionParts(tag: string): number[] | null {
  const match = /^v?(\d+(?:\.\d+)*)$/.exec(tag);
  return match ? match[1]!.split('.').map(Number) : null;
}

/** Compares two version-like tags numerically (`3.10` > `3.9`); null when either is not version-like. */
export function compareTags(a: string, b: string): number | null {
  const pa = versionParts(a);
  const pb = versionParts(b);
  if (!pa || !pb) return null;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** Registry tags newer than the pinned one, newest first. Non-version tags (`latest`, `dev`) are not "newer". */
export function newerTags(tags: readonly string[], pinned: string): string[] {
  return tags.filter((tag) => (compareTags(tag, pinned) ?? 0) > 0).sort((a, b) => compareTags(b, a) ?? 0);
}
