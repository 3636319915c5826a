// The deploy's progress as the API and the dashboard see it: the current phase plus a timeline of every phase.
// Pure functions over plain data; the orchestrator supplies timestamps from its deterministic clock.

export const PHASES = [
  'resolving_image',
  'setup_workload_identity',
  'applying_manifests',
  'waiting_for_rollout',
  'waiting_for_external_ip',
  'verifying_service',
] as const;

export type PhaseName = (typeof PHASES)[number] | 'rolling_back';
export type PhaseStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';
/** What customStatus.phase says: a phase name or a terminal word. */
export type CurrentPhase = PhaseName | 'queued' | 'completed' | 'failed' | 'rolled_back' | 'cancelled';

export interface TimelineEntry {
  name: PhaseName;
  status: PhaseStatus;
  startedAt: string | null;
  endedAt: string | null;
  detail: string;
}

export interface DeployProgress {
  phase: CurrentPhase;
  target: string;
  image: string | null;
  reason: string;
  cancel_requested: boolean;
  timeline: TimelineEntry[];
}

export function initialTimeline(): TimelineEntry[] {
  return PHASES.map((name) => ({ name, status: 'pending', startedAt: null, endedAt: null, detail: '' }));
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

export function detailPhase(t: readonly TimelineEntry[], name: PhaseName, detail: string): TimelineEntry[] {
  return upsert(t, name, { detail: detail.slice(0, 200) });
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
