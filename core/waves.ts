// Waves across clusters (docs/policies.md "Waves"): the wave's input, its id, and the pure moves on its picture
// (core/contract/waves.ts) that the orchestration makes. No clock reads: every time comes in as an argument.
import type { UpdatePolicy, WaveGroup } from './contract/policy';
import type { WaveGroupView, WaveState, WaveTarget, WaveView } from './contract/waves';
import type { OfferedImage, UpdateTargetOutput, UpdateTrigger } from './update-model';
import { type DurableStatusLike, TERMINAL_RUNTIME } from './status';

/** Raised on a wave by POST /api/waves/{id}/cancel: it stops before its next group starts. */
export const WAVE_CANCEL_EVENT = 'cancel';
/** The instance-id prefix of every wave. */
export const WAVE_ID_PREFIX = 'wave-';

export interface WaveInput {
  image: OfferedImage;
  /** config.waves when the image was offered: the groups in order. */
  groups: WaveGroup[];
  /** Each target's policy when the image was offered (its updateTarget runs under it). */
  policies: Record<string, UpdatePolicy>;
  offeredAt: string;
  trigger: UpdateTrigger;
  /** The running waves this one supersedes: it starts its first group only once every one of them has stopped. */
  supersedes: string[];
  /** Durable timer between two looks at a wave being waited for, or at a rollback being followed. */
  pollIntervalSeconds: number;
  /** How long the health check after a soak may watch for a healthy service (a bounded activity). */
  healthWatchSeconds: number;
}

/** One wave per image: the same digest offered twice (a redelivery, the reconcile) names the same instance. */
export function waveIdOf(digest: string): string {
  return WAVE_ID_PREFIX + digest.replace(/^sha256:/, '').slice(0, 20);
}

/** The target's update inside the wave: a stable id, so a replayed wave addresses the same sub-orchestration. */
export function updateIdOf(waveId: string, target: string): string {
  return `${waveId}-${target}`;
}

export function initialWave(waveId: string, input: WaveInput, now: string): WaveView {
  return {
    wave_id: waveId,
    state: input.supersedes.length > 0 ? 'queued' : 'running',
    image: { tag: input.image.tag, digest: input.image.digest },
    trigger: input.trigger,
    offered_at: input.offeredAt,
    started_at: now,
    finished_at: null,
    current_group: null,
    groups: input.groups.map((g): WaveGroupView => ({
      name: g.name,
      state: 'waiting',
      soak_seconds: g.soakSeconds,
      soak_ends_at: null,
      targets: g.targets.map((target): WaveTarget => ({
        target,
        state: 'waiting',
        update_id: null,
        deploy_id: null,
        outcome: null,
        detail: null,
        rollback_deploy_id: null,
      })),
    })),
    halted_because: null,
    cancel_requested: false,
    supersedes: input.supersedes,
  };
}

export function withGroup(view: WaveView, index: number, patch: Partial<WaveGroupView>): WaveView {
  return { ...view, groups: view.groups.map((g, i) => (i === index ? { ...g, ...patch } : g)) };
}

export function withTarget(view: WaveView, group: number, target: string, patch: Partial<WaveTarget>): WaveView {
  return withGroup(view, group, {
    targets: view.groups[group]!.targets.map((t) => (t.target === target ? { ...t, ...patch } : t)),
  });
}

/**
 * Whether a finished update lets its group go on: it succeeded, or found the digest already deployed (an earlier
 * update or a manual deploy got there first). Anything else halts the wave.
 */
export function passed(output: UpdateTargetOutput): boolean {
  return output.outcome === 'succeeded' || (output.outcome === 'skipped' && output.error?.code === 'already_deployed');
}

/**
 * The state a finished update leaves its target in: an update that deployed nothing (rejected, expired, cancelled,
 * superseded, skipped for another reason) leaves it `skipped`; its outcome says which.
 */
export function targetStateOf(output: UpdateTargetOutput): WaveTarget['state'] {
  if (passed(output)) return 'succeeded';
  switch (output.outcome) {
    case 'rolled_back':
      return 'rolled_back';
    case 'failed':
      return 'failed';
    default:
      return 'skipped';
  }
}

/** One line on a finished update: its outcome, and the error or the decision behind it. */
export function outcomeDetail(output: UpdateTargetOutput): string | null {
  if (output.outcome === 'succeeded') return null;
  if (passed(output)) return 'already deployed';
  if (output.error) return `${output.error.code}: ${output.error.message}`.slice(0, 300);
  if (output.decision)
    return `${output.decision.decision === 'reject' ? 'rejected' : 'approved'} by ${output.decision.by}${
      output.decision.comment ? `: ${output.decision.comment}` : ''
    }`.slice(0, 300);
  return null;
}

/** Why the wave halted, naming the targets that did not pass. */
export function haltText(group: WaveGroupView): string {
  const bad = group.targets.filter((t) => t.state !== 'succeeded');
  const parts = bad.map((t) => `${t.target} ${t.outcome ?? t.state}${t.detail ? ` (${t.detail})` : ''}`);
  return `group ${group.name}: ${parts.join('; ')}`.slice(0, 500);
}

/** Every target not yet started becomes `skipped`, every group not yet started too: the wave ends here. */
export function skipRest(view: WaveView, fromGroup: number): WaveView {
  return {
    ...view,
    groups: view.groups.map((g, i) =>
      i < fromGroup
        ? g
        : {
            ...g,
            state: g.state === 'waiting' ? 'skipped' : g.state,
            targets: g.targets.map((t) => (t.state === 'waiting' ? { ...t, state: 'skipped' } : t)),
          },
    ),
  };
}

export function finished(view: WaveView, state: WaveState, now: string, because: string | null = null): WaveView {
  return { ...view, state, finished_at: now, current_group: null, halted_because: because ?? view.halted_because };
}

/** Whether a listed wave is still running (a newer image supersedes it; the page counts its soak down). */
export function waveIsActive(view: Pick<WaveView, 'finished_at'>): boolean {
  return view.finished_at === null;
}

/** A listed wave's picture: its output once it ended by itself, else its last published status. */
export function waveOf(
  s: Pick<DurableStatusLike, 'runtimeStatus' | 'customStatus' | 'output' | 'lastUpdatedTime'>,
): WaveView | null {
  const ended = TERMINAL_RUNTIME.has(s.runtimeStatus);
  const view = ((ended && s.runtimeStatus === 'Completed' ? s.output : s.customStatus) ?? null) as WaveView | null;
  if (!view || typeof view !== 'object' || !Array.isArray(view.groups)) return null;
  if (!ended || view.finished_at !== null) return view;
  // Terminated or failed in the host: it did not write its own end.
  const at = new Date(s.lastUpdatedTime).toISOString();
  return {
    ...view,
    state: 'halted',
    finished_at: at,
    current_group: null,
    halted_because: `the wave orchestration ended as ${s.runtimeStatus}`,
  };
}
