// What the pages say about drift and the reconcile (docs/policies.md "Reconcile and drift"): the cluster running an
// image other than the one elb-control deployed, since when, and what the last reconcile pass found.
import type { TargetSummary } from '../api/types.js';
import { formatClock, shortenDigests } from './deploy-text.js';
import { shortImage } from './format.js';

/** "Drift: the cluster runs X, elb-control deployed Y (since 22:01 UTC)", or null without drift. */
export function driftText(summary: TargetSummary, now: number): string | null {
  if (!summary.drift.detected) return null;
  const live = shortImage(summary.drift.live_image) ?? 'an unknown image';
  const deployed = shortImage(summary.deployed?.image) ?? 'another image';
  const since = summary.drift.since ? ` (since ${formatClock(summary.drift.since, now)})` : '';
  return `Drift: the cluster runs ${live}, elb-control deployed ${deployed}${since}`;
}

/** "Last reconcile 22:01 UTC: could not read the registry", or null before the first pass. */
export function reconcileText(summary: TargetSummary, now: number): string | null {
  const last = summary.last_reconcile;
  if (!last) return null;
  return `Last reconcile ${formatClock(last.at, now)}: ${shortenDigests(last.message)}`;
}
