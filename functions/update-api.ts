// Approve or reject the update waiting on a target (docs/api.md "Update policy and approvals"). The update is the
// target's updateTarget orchestration, whose id the target row keeps; the decision — the deployer's name from the
// sign-in, the route's verb, an optional comment — is raised on it as an external event, and it records it in the
// history. Nothing else in the request is taken: a body naming who or what is refused (`unknown_field`).
import type { DurableClient } from 'durable-functions';
import { Caller } from '../core/auth';
import type * as z from 'zod/mini';
import type { DecisionAccepted } from '../core/contract/update';
import { DomainError } from '../core/errors';
import { isInstanceNotFound } from '../core/status';
import { DECISION_EVENT, UpdateDecision, UpdateProgress } from '../core/update-model';
import { parseDecisionRequest } from '../core/update-requests';
import { pendingUpdateView } from '../core/update-views';
import { adapters } from '../services/composition';
import { httpRoute, json, readBody, targetFromRoute } from './lib/http';
import type { HttpRequest } from '@azure/functions';

/** How long the route waits for the update to take the decision (so a second, late decision is told so). */
const ACK_WAIT_MS = 3000;

async function statusOf(client: DurableClient, id: string) {
  try {
    return await client.getStatus(id);
  } catch (err) {
    if (isInstanceNotFound(err)) return null;
    throw new DomainError('durable_unavailable', 'the orchestration service is unavailable', 503);
  }
}

async function decide(req: HttpRequest, caller: Caller, client: DurableClient, verb: UpdateDecision['decision']) {
  const target = targetFromRoute(req.params.target);
  const { comment } = parseDecisionRequest(await readBody(req, 4096));
  const { state } = await adapters().targets.get(target.name);
  const id = state.pendingUpdateId;
  const status = id ? await statusOf(client, id) : null;
  const waiting = id && status ? pendingUpdateView(id, status.runtimeStatus, status.customStatus) : null;
  if (!id || !waiting || waiting.state !== 'waiting_for_approval') {
    throw new DomainError(
      'no_update_waiting',
      waiting
        ? `the update to ${waiting.tag} on ${target.name} is not waiting for approval (${waiting.state.replace(/_/g, ' ')})`
        : `no update is waiting for approval on ${target.name}`,
      409,
      waiting ? { state: waiting.state, update_id: id } : {},
    );
  }
  const decision: UpdateDecision = { decision: verb, by: caller.name, at: new Date().toISOString(), comment };
  await client.raiseEvent(id, DECISION_EVENT, decision);
  const { taken, moved } = await takenDecision(client, id);
  if (!taken && moved) {
    // It ended (expired, superseded) or moved on between the look and the decision: the decision was not taken.
    throw new DomainError('no_update_waiting', `the update on ${target.name} stopped waiting for approval`, 409, {
      state: moved,
      update_id: id,
    });
  }
  if (taken && (taken.by !== decision.by || taken.at !== decision.at || taken.decision !== decision.decision)) {
    throw new DomainError('already_decided', `the update was already ${taken.decision}d by ${taken.by}`, 409, {
      decision: taken,
    });
  }
  const body: z.input<typeof DecisionAccepted> = {
    target: target.name,
    update_id: id,
    tag: waiting.tag,
    digest: waiting.digest,
    decision: taken ?? decision,
  };
  return json(202, body);
}

/**
 * The decision the update took, once its status shows one; `moved` when it left the approval wait without one (it
 * expired or was superseded meanwhile). Neither within the wait: the decision is raised, and will be taken.
 */
async function takenDecision(
  client: DurableClient,
  id: string,
): Promise<{ taken: UpdateDecision | null; moved: string | null }> {
  const deadline = Date.now() + ACK_WAIT_MS;
  while (Date.now() < deadline) {
    const status = await statusOf(client, id).catch(() => null);
    const progress = status?.customStatus as Partial<UpdateProgress> | null | undefined;
    if (progress?.decision) return { taken: progress.decision, moved: null };
    if (progress?.state && progress.state !== 'waiting_for_approval') return { taken: null, moved: progress.state };
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { taken: null, moved: null };
}

httpRoute('targetUpdateApprove', { POST: (req, caller, client) => decide(req, caller, client, 'approve') });
httpRoute('targetUpdateReject', { POST: (req, caller, client) => decide(req, caller, client, 'reject') });
