// The update pipeline's shapes (docs/policies.md): what starts an update of one target (a push, the reconcile, a
// wave), the orchestration that carries it through its policy — approval, maintenance window — into a deploy, and
// what it ends with. Waves call the same orchestration once per target.
import type * as z from 'zod/mini';
import type { UpdatePolicy } from './contract/policy';
import type * as contract from './contract/update';

/** One target's update through its policy (orchestrations/update-target.orchestrator.ts). */
export const UPDATE_TARGET_ORCHESTRATOR = 'updateTarget';
/** A wave across target groups (orchestrations/wave.orchestrator.ts). */
export const WAVE_ORCHESTRATOR = 'updateWave';
/** A deployer's approve/reject, raised on a waiting updateTarget instance. */
export const DECISION_EVENT = 'decision';
/** A newer image for the same target: the waiting update ends `superseded`. */
export const SUPERSEDE_EVENT = 'superseded';

/** How long an update keeps trying to take a lease another operation holds before it gives up (`lease_busy`). */
export const LEASE_WAIT_LIMIT_SECONDS = 3600;

/** Who noticed the newer image. */
export type UpdateTrigger = 'push' | 'reconcile' | 'wave';

/** A tag and the digest it pointed to when the update was offered: the update deploys exactly that digest. */
export interface OfferedImage {
  tag: string;
  digest: string;
}

export interface UpdateTargetInput {
  target: string;
  image: OfferedImage;
  trigger: UpdateTrigger;
  /** The policy in force when the update was offered; later policy changes apply to later updates. */
  policy: UpdatePolicy;
  /** ISO time the update was offered (orchestration input, so replay stays deterministic). */
  offeredAt: string;
  /** The wave instance this update belongs to, or null. */
  waveId: string | null;
}

/** A deployer's approve/reject (core/contract/update.ts): who, when, and an optional comment. */
export type UpdateDecision = z.output<typeof contract.UpdateDecision>;

export const UPDATE_OUTCOMES = [
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
  'rejected',
  'expired',
  'superseded',
  'skipped',
] as const;
export type UpdateOutcome = (typeof UPDATE_OUTCOMES)[number];

export interface UpdateTargetOutput {
  target: string;
  image: OfferedImage;
  outcome: UpdateOutcome;
  /** The deploy it ran (its history record), or null when none ran. */
  deployId: string | null;
  error: { code: string; message: string } | null;
  decision: UpdateDecision | null;
}

/** Where an update stands, published as its orchestration's customStatus (the summary's `pending_update`). */
export type UpdateState = 'waiting_for_approval' | 'waiting_for_window' | 'deploying' | 'done';

export interface UpdateProgress {
  state: UpdateState;
  target: string;
  image: OfferedImage;
  trigger: UpdateTrigger;
  offered_at: string;
  /** When an unanswered approval expires; null without one. */
  expires_at: string | null;
  /** The maintenance window ("Sat 02:00–05:00 Europe/Stockholm"), or null. */
  window: string | null;
  /** When the window opens next, while waiting for it. */
  window_opens_at: string | null;
  deploy_id: string | null;
  decision: UpdateDecision | null;
  outcome: UpdateOutcome | null;
  /** One line on the current step ("the target is busy with …"). */
  detail: string;
}
