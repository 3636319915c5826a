// What the summary and the policy route say about a target's updates (docs/api.md "Update policy and approvals"): the
// policy in force and where it comes from, its window now, and the update waiting on the target — read from that
// update's orchestration status. Pure: the caller passes the time and what Durable answered.
import type * as z from 'zod/mini';
import type * as contract from './contract/update';
import { windowState } from './maintenance-window';
import type { TargetState } from './target-state';
import type { Target } from './targets';
import { UpdateProgress } from './update-model';
import { policyOf } from './update-policy';

export type PolicyView = z.input<typeof contract.PolicyView>;
export type PendingUpdate = z.input<typeof contract.PendingUpdate>;

/** The policy in force, whether the API set it, and its window at `at`. */
export function policyView(
  target: Pick<Target, 'policy'>,
  state: Pick<TargetState, 'policyOverride'>,
  at: Date,
): PolicyView {
  const policy = policyOf(target, state);
  // An override that no longer parses reads as the configured policy (core/update-policy.ts), and says so.
  const source = policy === target.policy ? 'configuration' : 'api';
  const w = policy.window ? windowState(policy.window, at) : null;
  return {
    policy,
    source,
    window: w ? { open: w.open, text: w.text, next: w.next.toISOString() } : null,
  };
}

/**
 * The update waiting on (or deploying to) the target, from its orchestration: null once it is over, or when its
 * status is not the shape an update publishes (not started yet, or another orchestration's).
 */
export function pendingUpdateView(
  updateId: string,
  runtimeStatus: string,
  customStatus: unknown,
): PendingUpdate | null {
  if (!['Running', 'Pending', 'ContinuedAsNew'].includes(runtimeStatus)) return null;
  const p = customStatus as Partial<UpdateProgress> | null;
  if (!p || typeof p !== 'object' || !p.image || typeof p.image.digest !== 'string') return null;
  if (p.state !== 'waiting_for_approval' && p.state !== 'waiting_for_window' && p.state !== 'deploying') return null;
  return {
    update_id: updateId,
    tag: p.image.tag,
    digest: p.image.digest,
    state: p.state,
    offered_at: p.offered_at ?? '',
    expires_at: p.state === 'waiting_for_approval' ? (p.expires_at ?? null) : null,
    window: p.window ?? null,
    window_opens_at: p.state === 'waiting_for_window' ? (p.window_opens_at ?? null) : null,
    deploy_id: p.deploy_id ?? null,
    decision: p.decision ?? null,
  };
}
