// The reconcile pass (docs/policies.md "Reconcile and drift"): for each target, what the registry has for the tag or
// range its policy follows, what is deployed, and what the cluster runs. A newer image that was never offered (a
// push without an event, a dead-lettered delivery) goes to the same update path a push takes; drift is recorded once
// per drifted image and, per policy, corrected. The timer (functions/reconcile.ts) and `POST /api/reconcile` run it.
import type { DurableClient } from 'durable-functions';
import { AppConfig } from '../core/config';
import { isStopped } from '../core/cluster-power';
import { DomainError } from '../core/errors';
import { digestRef } from '../core/image';
import { decideReconcile, failedFinding, findingMessage, ReconcileFinding } from '../core/reconcile';
import { isInstanceNotFound, TERMINAL_RUNTIME } from '../core/status';
import { leaseIsHeld, TargetState } from '../core/target-state';
import { Target } from '../core/targets';
import { policyOf } from '../core/update-policy';
import { RegistryTags } from '../adapters/registry';
import { clusterPowerView, clusterRead, summaryRegistryTags } from '../functions/lib/views';
import { adapters, deployLeases } from './composition';
import { notify } from './notifications';
import { OfferOutcome, offerUpdate } from './updates';

/** Targets reconciled at once: each pass reads a cluster and Resource Manager, and may start a deploy. */
export const RECONCILE_PARALLEL = 3;

/**
 * Runs the pass on `targets` (default: every configured one); one target's failure never stops the others. `found`
 * hears each target's finding as soon as it is made (the HTTP route answers with those it has by its deadline).
 */
export async function reconcileTargets(
  client: DurableClient,
  targets: readonly Target[] = adapters().config.targets,
  found: (finding: ReconcileFinding) => void = () => undefined,
): Promise<ReconcileFinding[]> {
  const { config } = adapters();
  // One registry read for every target: bounded, and an outage is a value each target reports.
  const tags = await summaryRegistryTags(config);
  return mapLimited(targets, RECONCILE_PARALLEL, async (target) => {
    const finding = await reconcileOne(client, config, target, tags);
    found(finding);
    return finding;
  });
}

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The pass on one target, as a finding (a failure too: storage or Durable down is reported, not thrown). */
export async function reconcileOne(
  client: DurableClient,
  config: AppConfig,
  target: Target,
  tags: RegistryTags | DomainError,
): Promise<ReconcileFinding> {
  const at = new Date().toISOString();
  try {
    const finding = await pass(client, config, target, tags, at);
    await recordFinding(target.name, finding);
    return finding;
  } catch (err) {
    const finding = failedFinding(target.name, at, err instanceof DomainError ? err.code : 'internal_error');
    // Storage may be what failed; the answer (and the log line) still say so.
    await recordFinding(target.name, finding).catch(() => undefined);
    return finding;
  }
}

async function pass(
  client: DurableClient,
  config: AppConfig,
  target: Target,
  tags: RegistryTags | DomainError,
  at: string,
): Promise<ReconcileFinding> {
  const { targets } = adapters();
  const state = await releaseLostClaim(client, target.name, (await targets.get(target.name)).state);
  const [power, live, deployRunning] = await Promise.all([
    clusterPowerView(target),
    clusterRead(target, (kube) => kube.deployment()).then(
      (d) => ({ image: d?.image ?? null }),
      (err: unknown) => ({ error: err instanceof DomainError ? err.code : 'cluster_unavailable' }),
    ),
    leaseHeld(client, state),
  ]);
  const deployedImage = state.deployedDigest ? digestRef(config.image, state.deployedDigest) : null;
  const decision = decideReconcile({
    policy: policyOf(target, state),
    state,
    pinnedTag: config.pinnedTag,
    registry: tags instanceof DomainError ? { error: tags.code } : tags,
    live,
    deployedImage,
    clusterStopped: isStopped(power),
    deployRunning,
  });
  const update = { ...decision.update };
  if (decision.offer) {
    const push = { repository: config.image.repository, ...decision.offer };
    const outcome = await offerUpdate(client, target, push, 'reconcile');
    update.outcome = outcomeText(outcome);
    update.deploy_id = outcome.action === 'start' ? outcome.instanceId : null;
  }
  const drift = { ...decision.drift };
  if (decision.record !== undefined) {
    const claimed = await recordDrift(target.name, decision.record?.image ?? null, at);
    if (!claimed) {
      // Another pass (the timer and a manual run at once) recorded this drift first: it reports and corrects it.
      if (drift.action !== 'none') drift.action = 'known';
    } else if (decision.record) {
      if (decision.correct && state.deployedDigest)
        drift.deploy_id = await correctDrift(client, target, state, decision.record.image);
      await notifyDrift(client, config, target, state, drift, at);
    }
  }
  const found: Omit<ReconcileFinding, 'message'> = {
    target: target.name,
    at,
    skipped: decision.skipped,
    update,
    drift,
    error: null,
  };
  return { ...found, message: findingMessage(found) };
}

/** How long a claimed update may take to show in Durable before a pass judges its start lost. */
const LOST_CLAIM_MS = 60_000;

/** When an update id (`<target>-update-20260101t120000-1a2b3c4d`, services/deploy-leases.ts newDeployId) was made. */
function claimTime(id: string): number | null {
  const m = /-(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})-[0-9a-f]{8}$/.exec(id);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
}

/** Whether Durable has never heard of instance `id`, claimed at `claimedAt` (ms) more than LOST_CLAIM_MS ago. */
async function lostInstance(client: DurableClient, id: string, claimedAt: number | null): Promise<boolean> {
  if (claimedAt === null || Number.isNaN(claimedAt) || Date.now() - claimedAt < LOST_CLAIM_MS) return false;
  try {
    await client.getStatus(id);
    return false;
  } catch (err) {
    return isInstanceNotFound(err);
  }
}

/**
 * An update claims its digest on the target row (lastAutoDigest, with pendingUpdateId for a gated one, with the lease
 * for an automatic deploy) and then starts its instance (services/updates.ts, services/deploy-leases.ts); a process
 * killed in between leaves a claim Durable never heard of, and every later offer of that digest would be "offered
 * before". Once such a claim is older than LOST_CLAIM_MS, the pass gives the digest back (the lease itself is taken
 * over by the next deploy, as ever), so this pass offers it again. Returns the state to judge.
 */
async function releaseLostClaim(client: DurableClient, name: string, state: TargetState): Promise<TargetState> {
  if (state.lastAutoDigest === null) return state;
  const update = state.pendingUpdateId;
  const lease = state.activeReason === 'auto' ? state.activeInstanceId : null;
  const lostUpdate = update !== null && (await lostInstance(client, update, claimTime(update)));
  // A lost automatic deploy owns the digest only when no gated update claims it.
  const lostLease =
    update === null &&
    lease !== null &&
    (await lostInstance(client, lease, state.activeSince ? Date.parse(state.activeSince) : null));
  if (!lostUpdate && !lostLease) return state;
  return adapters().targets.update<TargetState>(name, (s) => {
    if (s.pendingUpdateId !== update || s.activeInstanceId !== state.activeInstanceId) return { next: null, result: s };
    const next = { ...s, lastAutoDigest: null, pendingUpdateId: lostUpdate ? null : s.pendingUpdateId };
    return { next, result: next };
  });
}

/** Whether a deploy holds the target now (its orchestration alive, or just started). */
async function leaseHeld(client: DurableClient, state: TargetState): Promise<boolean> {
  if (!state.activeInstanceId) return false;
  try {
    const s = await client.getStatus(state.activeInstanceId);
    return leaseIsHeld(state, TERMINAL_RUNTIME.has(s.runtimeStatus) ? 'finished' : 'running', Date.now());
  } catch (err) {
    // Unsure whether it runs: leave the target alone this pass (the lease service decides the same way).
    return isInstanceNotFound(err) ? leaseIsHeld(state, 'unknown', Date.now()) : true;
  }
}

/**
 * Records a new drifted image (or clears a recorded one when `image` is null). True when this call changed the row:
 * only that caller reports and corrects the drift, so two passes at once act once.
 */
async function recordDrift(name: string, image: string | null, at: string): Promise<boolean> {
  return adapters().targets.update<boolean>(name, (s) => {
    if (s.driftImage === image) return { next: null, result: false };
    return { next: { ...s, driftImage: image, driftSince: image ? at : null }, result: true };
  });
}

/** Starts a `drift` deploy of the deployed digest; null when a deploy holds the target (it decides what runs). */
async function correctDrift(
  client: DurableClient,
  target: Target,
  state: TargetState,
  liveImage: string,
): Promise<string | null> {
  try {
    const outcome = await deployLeases(client).start({
      target,
      reason: 'drift',
      tag: state.deployedTag,
      digest: state.deployedDigest,
      requester: 'reconcile',
    });
    return outcome.started ? outcome.instanceId : null;
  } catch (err) {
    // Not started: forget the episode, so the next pass tries again instead of treating it as handled.
    await adapters()
      .targets.update(target.name, (s) =>
        s.driftImage === liveImage
          ? { next: { ...s, driftImage: null, driftSince: null }, result: undefined }
          : { next: null, result: undefined },
      )
      .catch(() => undefined);
    throw err;
  }
}

/** drift_detected, once per drifted image (the caller won the record): never throws, never waits for delivery. */
async function notifyDrift(
  client: DurableClient,
  config: AppConfig,
  target: Target,
  state: TargetState,
  drift: ReconcileFinding['drift'],
  since: string,
): Promise<void> {
  const what = `Drift: the cluster runs ${drift.live_image}, elb-control deployed ${drift.deployed_image}`;
  const outcome = drift.deploy_id
    ? 'a drift deploy puts the deployed image back'
    : drift.action === 'corrected'
      ? 'not corrected: a deploy holds the target'
      : 'reported only (policy notify)';
  await notify(
    client,
    {
      kind: 'drift_detected',
      target: target.name,
      tag: state.deployedTag,
      digest: state.deployedDigest,
      deploy_id: drift.deploy_id,
      reason: drift.deploy_id ? 'drift' : null,
      requester: 'reconcile',
      summary: `${what}; ${outcome}.`,
      // One happening per drifted image and episode.
      key: `drift|${target.name}|${drift.live_image}|${since}`,
    },
    config,
  );
}

async function recordFinding(name: string, finding: ReconcileFinding): Promise<void> {
  await adapters().targets.update(name, (s) => ({
    next: { ...s, lastReconcile: JSON.stringify(finding) },
    result: undefined,
  }));
}

function outcomeText(outcome: OfferOutcome): string {
  switch (outcome.action) {
    case 'start':
      return 'started';
    case 'queue':
      return 'queued';
    case 'announce':
      return 'announced';
    case 'ignore':
      return `ignored: ${outcome.reason}`;
  }
}
