// Where a newer image meets a target's update policy (docs/policies.md): a verified registry push and the reconcile
// timer both offer it here, so either path decides the same way and one digest starts at most one update.
import type { DurableClient } from 'durable-functions';
import { isStopped } from '../core/cluster-power';
import { PushDecision, PushEvent } from '../core/target-state';
import { Target } from '../core/targets';
import { desiredTagOf, followsTag, policyOf, updateRoute, UpdateRoute } from '../core/update-policy';
import { UpdateTrigger } from '../core/update-model';
import { clusterPowerView } from '../functions/lib/views';
import { adapters, deployLeases } from './composition';
import { offerWave } from './waves';

/** What became of an offered image on one target, for the caller's log line. */
export type OfferOutcome =
  | { route: UpdateRoute | null; action: 'ignore'; reason: string }
  | { route: 'deploy'; action: 'start'; instanceId: string }
  | { route: 'deploy'; action: 'queue' }
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
      const outcome: PushDecision & { instanceId?: string } = await deployLeases(client).push(target, push);
      if (outcome.action === 'ignore') return { route, action: 'ignore', reason: outcome.reason };
      if (outcome.action === 'queue') return { route, action: 'queue' };
      return { route, action: 'start', instanceId: outcome.instanceId! };
    }
    case 'announce':
      return announce(target, push, trigger);
    case 'wave': {
      // One wave per digest for all the wave's targets: the first of them to see the image starts it.
      const wave = await offerWave(client, push, trigger);
      return { route, ...wave };
    }
    case 'gate':
      // Built with the approval gate (docs/policies.md); until then such a policy is refused at load.
      return { route, action: 'ignore', reason: `${route}_not_available` };
  }
}

/** Manual mode: the newer image is recorded as available once per digest, and nothing deploys. */
async function announce(target: Target, push: PushEvent, _trigger: UpdateTrigger): Promise<OfferOutcome> {
  const { targets } = adapters();
  const fresh = await targets.update<boolean>(target.name, async (s) => {
    if (s.lastAutoDigest === push.digest || s.deployedDigest === push.digest) return { next: null, result: false };
    const policy = policyOf(target, s);
    const wanted = 'range' in policy.track ? { desiredTagOverride: push.tag } : {};
    return { next: { ...s, ...wanted, lastAutoDigest: push.digest }, result: true };
  });
  if (!fresh) return { route: 'announce', action: 'ignore', reason: 'duplicate' };
  return { route: 'announce', action: 'announce' };
}
