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
