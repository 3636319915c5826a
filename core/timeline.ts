// The deploy's progress as the API and the dashboard see it: the current phase plus a timeline of every phase.
// Pure functions over plain data; the orchestrator supplies timestamps from its deterministic clock. The shapes
// are declared in core/contract/deploy.ts.
import * as z from 'zod/mini';
import * as contract from './contract/deploy';
import { PHASES, PRELUDE_PHASES, ROTATION_PHASES } from './contract/deploy';
import type { DEPLOY_REASONS } from './contract/primitives';

export { PHASES } from './contract/deploy';
export type PhaseName = z.output<typeof contract.PhaseName>;
/** Phase names in words, for messages ("cancelled on request during the rollout"). */
export const PHASE_LABEL: Record<PhaseName, string> = {
  resolving_image: 'resolving the image',
  setup_workload_identity: 'the workload identity setup',
  applying_manifests: 'the apply',
  waiting_for_rollout: 'the rollout',
  waiting_for_external_ip: 'the wait for a LoadBalancer address',
  verifying_service: 'the service check',
  rolling_back: 'the rollback',
  applying_token: 'the token change',
  verifying_token: 'the token check',
  restoring_token: 'the restore of the previous token',
  building_image: 'the image build',
  starting_cluster: 'the cluster start',
};

export type PhaseStatus = z.output<typeof contract.PhaseStatus>;
/** What customStatus.phase says: a phase name or a terminal word. */
export type CurrentPhase = z.output<typeof contract.CurrentPhase>;
export type TimelineEntry = z.output<typeof contract.TimelineEntry>;
export type DeployProgress = z.output<typeof contract.DeployProgress>;

/** The phases an operation runs, in order: a token rotation's own, or a deploy's with its prelude (if any) first. */
export function operationPhases(reason: (typeof DEPLOY_REASONS)[number]): readonly PhaseName[] {
  if (reason === 'rotate_token') return ROTATION_PHASES;
  if (reason === 'rebuild' || reason === 'start_cluster') return [PRELUDE_PHASES[reason], ...PHASES];
  return PHASES;
}

/** Every phase pending: a deploy's by default, or another operation's (a token rotation's). */
export function initialTimeline(phases: readonly PhaseName[] = PHASES): TimelineEntry[] {
  return phases.map((name) => ({ name, status: 'pending', startedAt: null, endedAt: null, detail: '' }));
}

function upsert(timeline: readonly TimelineEntry[], name: PhaseName, patch: Partial<TimelineEntry>): TimelineEntry[] {
  const exists = timeline.some((e) => e.name === name);
  const base: TimelineEntry[] = exists
    ? [...timeline]
    : [...timeline, { name, status: 'pending', startedAt: null, endedAt: null, detail: '' }];
  return base.map((e) => (e.name === name ? { ...e, ...patch } : e));
}

export function startPhase(t: readonly TimelineEntry[], name: PhaseName, at: string, detail = ''): TimelineEntry[] {
  return upsert(t, name, { status: 'running', startedAt: at, endedAt: null, detail });
}

export function endPhase(
  t: readonly TimelineEntry[],
  name: PhaseName,
  status: 'done' | 'skipped' | 'failed',
  at: string,
  detail: string,
): TimelineEntry[] {
  const current = t.find((e) => e.name === name);
  return upsert(t, name, { status, startedAt: current?.startedAt ?? at, endedAt: at, detail: detail.slice(0, 200) });
}

/** Seconds each finished phase took, for history records and the phase-timing chart. */
export function phaseDurations(t: readonly TimelineEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of t) {
    if (e.startedAt && e.endedAt) out[e.name] = Math.max(0, (Date.parse(e.endedAt) - Date.parse(e.startedAt)) / 1000);
  }
  return out;
}

/**
 * The timeline inside a Durable custom status, or null when it has none (not started yet) or is malformed. The
 * custom status is written by our own orchestrator, but it crosses a storage boundary, so it is checked.
 */
export function timelineOf(customStatus: unknown): TimelineEntry[] | null {
  if (typeof customStatus !== 'object' || customStatus === null) return null;
  const t = z.safeParse(z.array(contract.TimelineEntry), (customStatus as { timeline?: unknown }).timeline);
  return t.success ? t.data : null;
}

/**
 * The timeline of a deploy stopped from outside (hard termination, or a host failure): the phase that was running
 * is marked failed at `at` with `detail`, so a reader can see where it stopped. Pending phases stay pending.
 */
export function interruptedTimeline(t: readonly TimelineEntry[], at: string, detail: string): TimelineEntry[] {
  return t.map((e) =>
    e.status === 'running' ? { ...e, status: 'failed', endedAt: at, detail: detail.slice(0, 200) } : { ...e },
  );
}
