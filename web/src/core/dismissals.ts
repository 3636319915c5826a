// Which finished deploys' results the user has dismissed. Kept per deploy id (the only thing the dashboard keeps
// in the browser), so an automatic update's result stays up until dismissed, across reloads and tabs.

/** At most this many ids are kept; older ones fall off (their deploys are long superseded). */
export const MAX_DISMISSED = 50;

/** The list with `id` added last, without duplicates, capped at MAX_DISMISSED. */
export function withDismissed(list: readonly string[], id: string): string[] {
  return [...list.filter((item) => item !== id), id].slice(-MAX_DISMISSED);
}

/** A stored list read back; anything that is not a list of strings counts as empty. */
export function parseDismissed(stored: string | null): string[] {
  if (!stored) return [];
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
