// The deploy phases (DESIGN §5) and what the stepper shows for each: a label, a status, elapsed time.
import type { PhaseStatus, TimelineEntry } from '../api/types.js';
import { parseTime } from './format.js';

export const DEPLOY_PHASES = [
  'resolving_image',
  'setup_workload_identity',
  'applying_manifests',
  'waiting_for_rollout',
  'waiting_for_external_ip',
  'verifying_service',
] as const;

const LABELS: Record<string, string> = {
  queued: 'Queued',
  pending: 'Queued',
  resolving_image: 'Resolving image digest',
  setup_workload_identity: 'Setting up workload identity',
  applying_manifests: 'Applying manifests',
  waiting_for_rollout: 'Waiting for pods to roll out',
  waiting_for_external_ip: 'Waiting for LoadBalancer address',
  verifying_service: 'Verifying the service answers',
  rolling_back: 'Rolling back to the previous image',
  completed: 'Completed',
  rolled_back: 'Rolled back',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/** A readable label for every phase; an unknown phase name is humanised rather than shown raw. */
export function phaseLabel(name: string | null | undefined): string {
  if (!name) return 'Starting';
  const known = LABELS[name];
  if (known) return known;
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface PhaseStep {
  name: string;
  label: string;
  status: PhaseStatus;
  /** Time spent in the phase so far (running) or in total (finished); null when it has not started. */
  elapsedMs: number | null;
  detail: string | null;
}

function elapsed(entry: TimelineEntry, now: number): number | null {
  const started = parseTime(entry.startedAt);
  if (started === null) return null;
  const ended = parseTime(entry.endedAt);
  if (ended !== null) return Math.max(0, ended - started);
  return entry.status === 'running' ? Math.max(0, now - started) : null;
}

/**
 * The stepper's rows. The server's timeline is the truth when it has one; before the first timeline arrives
 * (queued, or only the summary's `active_deploy` known) the canonical phases are shown with the current one
 * marked running, so the user sees what is coming.
 */
export function phaseSteps(timeline: readonly TimelineEntry[], currentPhase: string | null, now: number): PhaseStep[] {
  if (timeline.length > 0) {
    return timeline.map((entry) => ({
      name: entry.name,
      label: phaseLabel(entry.name),
      status: entry.status,
      elapsedMs: elapsed(entry, now),
      detail: entry.detail,
    }));
  }
  const currentIndex = DEPLOY_PHASES.indexOf(currentPhase as (typeof DEPLOY_PHASES)[number]);
  return DEPLOY_PHASES.map((name, index) => ({
    name,
    label: phaseLabel(name),
    status:
      currentIndex < 0 ? 'pending' : index < currentIndex ? 'done' : index === currentIndex ? 'running' : 'pending',
    elapsedMs: null,
    detail: null,
  }));
}
