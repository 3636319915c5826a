// What the stepper shows for each deploy phase: a label, a status, elapsed time. The phases themselves are the
// backend's (core/timeline.ts, pure and bundled by Vite), so the dashboard cannot fall out of step with them.
import { PHASES, type CurrentPhase } from '../../../core/timeline.js';
import type { PhaseStatus, TimelineEntry } from '../api/types.js';
import { parseTime } from './format.js';

/** A label for every phase and terminal word the server can report: a phase added in core/ fails the type-check here. */
const LABELS: Record<CurrentPhase | 'pending', string> = {
  queued: 'Queued',
  pending: 'Queued',
  resolving_image: 'Resolving image digest',
  setup_workload_identity: 'Setting up workload identity',
  applying_manifests: 'Applying manifests',
  waiting_for_rollout: 'Waiting for pods to roll out',
  waiting_for_external_ip: 'Waiting for LoadBalancer address',
  verifying_service: 'Verifying the service answers',
  rolling_back: 'Rolling back to the previous image',
  applying_token: 'Storing a new API token and restarting',
  verifying_token: 'Checking the new token works and the old one does not',
  restoring_token: 'Restoring the previous token',
  building_image: 'Building the image with ACR Tasks',
  starting_cluster: 'Starting the cluster',
  completed: 'Completed',
  rolled_back: 'Rolled back',
  cancelled: 'Cancelled',
  failed: 'Failed',
  terminated: 'Terminated',
};

/** A readable label for every phase; an unknown phase name is humanised rather than shown raw. */
export function phaseLabel(name: string | null | undefined): string {
  if (!name) return 'Starting';
  if (Object.hasOwn(LABELS, name)) return LABELS[name as keyof typeof LABELS];
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const PHASE_NAMES = Object.keys(LABELS).filter((name) => name.includes('_'));
// A phase name as the server writes it in messages: `waiting_for_external_ip` or `waiting for external ip`.
const RAW_PHASE = new RegExp(`\\b(${PHASE_NAMES.map((name) => name.replace(/_/g, '[_ ]')).join('|')})\\b`, 'gi');

/**
 * Replaces raw phase names inside a server message with their labels ("cancelled on request during waiting for
 * external ip" → "… during waiting for LoadBalancer address"), so no message shows an internal name.
 */
export function withPhaseLabels(text: string): string {
  return text.replace(RAW_PHASE, (match, _group, offset: number) => {
    const label = phaseLabel(match.toLowerCase().replace(/ /g, '_'));
    // Mid-sentence the label starts in lower case, except for words that are always capitalised.
    return offset === 0 ? label : label.charAt(0).toLowerCase() + label.slice(1);
  });
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
  const currentIndex = PHASES.indexOf(currentPhase as (typeof PHASES)[number]);
  return PHASES.map((name, index) => ({
    name,
    label: phaseLabel(name),
    status:
      currentIndex < 0 ? 'pending' : index < currentIndex ? 'done' : index === currentIndex ? 'running' : 'pending',
    elapsedMs: null,
    detail: null,
  }));
}
