// The target's AKS cluster as the summary reports it (`cluster`, docs/api.md): whether it is stopped, and how its
// power state reads. Pure, so the Overview row and the API page say the same.
import type { TargetSummary } from '../api/types.js';

/**
 * Stopped, or stopping: Start cluster is what the target needs before anything else can run on it. A cluster already
 * starting is not (as the server judges it, core/cluster-power.ts `isStopped`).
 */
export function clusterStopped(summary: TargetSummary): boolean {
  const c = summary.cluster;
  if (!c) return false;
  if (c.provisioning_state === 'Stopping') return true;
  return c.power_state === 'Stopped' && c.provisioning_state !== 'Starting';
}

/** "Stopped", or "Stopping" while Azure still stops it. */
export function powerText(summary: TargetSummary): string {
  const c = summary.cluster;
  if (!c) return 'unknown';
  return c.provisioning_state === 'Stopping' ? 'Stopping' : c.power_state;
}
