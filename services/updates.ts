// Where a newer image meets a target's update policy (docs/policies.md): a verified registry push and the reconcile
// timer both offer it here, so either path decides the same way and one digest starts at most one update.
import type { DurableClient } from 'durable-functions';
import { isStopped } from '../core/cluster-power';
import { PushDecision, PushEvent } from '../core/target-state';
import { Target } from '../core/targets';
import { desiredTagOf, followsTag, policyOf, updateRoute, UpdateRoute } from '../core/update-policy';
import { SUPERSEDE_EVENT, UPDATE_TARGET_ORCHESTRATOR, UpdateTargetInput, UpdateTrigger } from '../core/update-model';
import { decidePush } from '../core/target-state';
import { DomainError } from '../core/errors';
import { newDeployId } from './deploy-leases';
import { notify } from './notifications';
import { clusterPowerView } from '../functions/lib/views';
import { adapters, deployLeases } from './composition';
import { offerWave } from './waves';

/** What became of an offered image on one target, for the caller's log line. */
export type OfferOutcome =
  | { route: UpdateRoute | null; action: 'ignore'; reason: string }
  | { route: 'deploy'; action: 'start'; instanceId: string }
  | { route: 'deploy'; action: 'queue' }
  | { route: 'gate'; action: 'start'; instanceId: string; superseded: string | null }
  | { route: 'wave'; action: 'start'; instanceId: string }
  | { route: 'announce'; action: 'announce' };

/**
 * Offers the image `push` names (already confirmed as the tag's current digest) to one target. Storage and Durable
 * failures throw: an Event Grid delivery is then retried, and the once-per-digest rule makes that safe.
 */
export async function offerUpdate(
  client: DurableClient,
  target: Target,
  push: PushEvent,
  trigger: UpdateTrigger,
): Promise<OfferOutcome> {
  const { config, targets } = adapters();
  const { state } = await targets.get(target.name);
  const policy = policyOf(target, state);
  if (!followsTag(policy, desiredTagOf(policy, state, config.pinnedTag), push.tag)) {
    return { route: null, action: 'ignore', reason: 'tag_not_desired' };
  }
  // A stopped cluster cannot take a deploy (it would fail and mark the digest failed); Start cluster converges the
  // target to its desired tag afterwards (docs/deploy.md#start-cluster).
  if (isStopped(await clusterPowerView(target))) return { route: null, action: 'ignore', reason: 'cluster_stopped' };
  const inWave = config.waves.some((g) => g.targets.includes(target.name));
  const route = updateRoute(policy, inWave);
  switch (route) {
    case 'deploy': {
      const requester = trigger === 'push' ? 'event-grid' : trigger;
      const outcome: PushDecision & { instanceId?: string } = await deployLeases(client).push(target, push, requester);
      if (outcome.action === 'ignore') return { route, action: 'ignore', reason: outcome.reason };
      if (outcome.action === 'queue') return { route, action: 'queue' };
      return { route, action: 'start', instanceId: outcome.instanceId! };
    }
    case 'announce':
      return announce(client, target, push, trigger);
    case 'gate':
      return gate(client, target, push, trigger);
    case 'wave': {
      // One wave per digest for all the wave's targets: the first of them to see the image starts it.
      const wave = await offerWave(client, push, trigger);
      return { route, ...wave };
    }
  }
}

/** Manual mode: the newer image is recorded as available once per digest, and nothing deploys. */
async function announce(
  client: DurableClient,
  target: Target,
  push: PushEvent,
  trigger: UpdateTrigger,
): Promise<OfferOutcome> {
  const { targets } = adapters();
  const fresh = await targets.update<boolean>(target.name, async (s) => {
    if (s.lastAutoDigest === push.digest || s.deployedDigest === push.digest) return { next: null, result: false };
    const policy = policyOf(target, s);
    const wanted = 'range' in policy.track ? { desiredTagOverride: push.tag } : {};
    return { next: { ...s, ...wanted, lastAutoDigest: push.digest }, result: true };
  });
  if (!fresh) return { route: 'announce', action: 'ignore', reason: 'duplicate' };
  // Never throws, never waits on a delivery (services/notifications.ts).
  await notify(client, {
    kind: 'update_available',
    target: target.name,
    tag: push.tag,
    digest: push.digest,
    requester: trigger === 'push' ? 'event-grid' : trigger,
    link: `/docs?target=${encodeURIComponent(target.name)}`,
    summary: `Update to ${push.tag} available on ${target.name} (manual policy: deploy it from the dashboard)`,
  });
  return { route: 'announce', action: 'announce' };
}

/** The claim a gated update takes on the target row: the digest, once, and the waiting-update slot. */
type GateClaim =
  { action: 'ignore'; reason: string } | { action: 'start'; previous: string | null; input: UpdateTargetInput };

/**
 * Approval and/or maintenance window (docs/policies.md): one waiting update per target, its instance id on the target
 * row. A newer image supersedes the waiting one and starts its own; a digest starts at most one update, whether the
 * push, its redelivery or the reconcile timer offers it (the claim is a conditional write of `lastAutoDigest`).
 */
async function gate(
  client: DurableClient,
  target: Target,
  push: PushEvent,
  trigger: UpdateTrigger,
): Promise<OfferOutcome> {
  const { config, targets } = adapters();
  const now = new Date();
  const id = newDeployId(target.name, now).replace(`${target.name}-`, `${target.name}-update-`);
  const claim = await targets.update<GateClaim>(target.name, (s) => {
    const policy = policyOf(target, s);
    const follows = followsTag(policy, desiredTagOf(policy, s, config.pinnedTag), push.tag);
    const d = decidePush(s, follows, push, false);
    if (d.action === 'ignore') return { next: null, result: d };
    // Tracking a range, the pushed tag becomes the one the target wants, as on the other routes.
    const wanted = 'range' in policy.track ? { desiredTagOverride: push.tag } : {};
    const input: UpdateTargetInput = {
      target: target.name,
      image: { tag: push.tag, digest: push.digest },
      trigger,
      policy,
      offeredAt: now.toISOString(),
      waveId: null,
    };
    return {
      next: { ...s, ...wanted, lastAutoDigest: push.digest, pendingUpdateId: id },
      result: { action: 'start', previous: s.pendingUpdateId, input },
    };
  });
  if (claim.action === 'ignore') return { route: 'gate', action: 'ignore', reason: claim.reason };
  if (claim.previous) await supersede(client, claim.previous, id);
  try {
    await client.startNew(UPDATE_TARGET_ORCHESTRATOR, { instanceId: id, input: claim.input });
  } catch {
    // Nothing started: give the digest and the slot back, so the redelivery (or the reconcile) tries again.
    await targets.update(target.name, (s) =>
      s.pendingUpdateId === id
        ? {
            next: {
              ...s,
              pendingUpdateId: null,
              lastAutoDigest: s.lastAutoDigest === push.digest ? null : s.lastAutoDigest,
            },
            result: undefined,
          }
        : { next: null, result: undefined },
    );
    throw new DomainError('orchestration_start_failed', 'the update orchestration could not be started', 503);
  }
  return { route: 'gate', action: 'start', instanceId: id, superseded: claim.previous };
}

/** Tells a waiting update that a newer image took its place; one that has already ended has nothing to hear. */
async function supersede(client: DurableClient, waitingId: string, newerId: string): Promise<void> {
  try {
    await client.raiseEvent(waitingId, SUPERSEDE_EVENT, { by: newerId });
  } catch {
    // Ended (or gone): its finish step frees the slot it no longer holds; the new update proceeds either way.
  }
}
