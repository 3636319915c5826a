// The target's AKS cluster as the summary reports it (`cluster`, docs/api.md): whether it is stopped, and how its
// power state reads. Pure, so the Overview row and the API page say the same.
import type { TargetSummary } from '../api/types.js';

/** Stopped, or stopping: Start cluster is what the target needs before anything else can run on it. */
export function clusterStopped(summary: TargetSummary): boolean {
  const c = summary.cluster;
  return c !== null && (c.power_state === 'Stopped' || c.provisioning_state === 'Stopping');
}

/** "Stopped", or "Stopping" while Azure still stops it. */
export function powerText(summary: TargetSummary): string {
  const c = summary.cluster;
  if (!c) return 'unknown';
  return c.provisioning_state === 'Stopping' ? 'Stopping' : c.power_state;
}
