// What the Overview says about one target: its state in a word (with a badge tone) and any detail that explains
// it. Pure, so the precedence (a running deploy, an unreachable cluster, a digest that failed…) is unit-tested.
import type { TargetSummary } from '../api/types.js';
import { clusterStopped, powerText } from './cluster.js';
import { failedDigestText, partName, type Tone } from './deploy-text.js';
import { updateAdvice } from './page-state.js';
import { phaseLabel } from './phases.js';

export interface TargetState {
  label: string;
  tone: Tone;
  detail: string | null;
}

export function targetState(summary: TargetSummary, now: number): TargetState {
  const active = summary.active_deploy;
  if (active) {
    return {
      label:
        active.reason === 'auto'
          ? 'Updating automatically'
          : active.reason === 'rotate_token'
            ? 'Rotating the API token'
            : active.reason === 'start_cluster'
              ? 'Starting the cluster'
              : active.reason === 'drift'
                ? 'Correcting drift'
                : 'Deploying',
      tone: 'accent',
      detail: phaseLabel(active.phase),
    };
  }
  if (clusterStopped(summary)) {
    return {
      label: 'Cluster stopped',
      tone: 'warn',
      detail: `The AKS cluster is ${powerText(summary).toLowerCase()}; Start cluster on the API page starts it and deploys the service again.`,
    };
  }
  const down = summary.dependencies.map((d) => partName(d.part));
  const downText = down.length > 0 ? `${down.join(', ')} ${down.length === 1 ? 'does' : 'do'} not answer` : null;
  const clusterDown =
    summary.service.error_code === 'cluster_unavailable' || summary.dependencies.some((d) => d.part === 'cluster');
  if (clusterDown) return { label: 'Cannot reach the cluster', tone: 'danger', detail: downText };
  if (summary.service.error) return { label: 'State unknown', tone: 'warn', detail: summary.service.error };
  if (!summary.service.installed) return { label: 'Not installed', tone: '', detail: downText };
  const advice = updateAdvice(summary, now);
  if (advice.drift) return { label: 'Drift', tone: 'warn', detail: advice.drift };
  if (advice.updateAvailable && summary.registry_digest_failed) {
    return {
      label: 'Update failed before',
      tone: 'danger',
      detail: failedDigestText(summary.registry_digest_failed, now),
    };
  }
  if (advice.updateAvailable) return { label: 'Update available', tone: 'warn', detail: downText };
  return { label: 'Running', tone: 'ok', detail: downText };
}
