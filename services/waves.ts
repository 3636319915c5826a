// Starting, listing and cancelling waves (docs/policies.md "Waves"). A newer image for the targets of ELB_WAVES
// starts one wave, named from the digest, so a redelivered push or the reconcile timer offering the same digest
// starts nothing more; a wave still running for an older image is superseded: it stops before its next group, and
// the new wave starts its first group once it has stopped.
import { OrchestrationRuntimeStatus, type DurableClient, type DurableOrchestrationStatus } from 'durable-functions';
import type { WaveView } from '../core/contract/waves';
import { DomainError } from '../core/errors';
import { isInstanceNotFound, TERMINAL_RUNTIME } from '../core/status';
import { PushEvent } from '../core/target-state';
import { policyOf } from '../core/update-policy';
import { SUPERSEDE_EVENT, UpdateTrigger, WAVE_ORCHESTRATOR } from '../core/update-model';
import { WAVE_CANCEL_EVENT, WAVE_ID_PREFIX, waveIdOf, WaveInput, waveOf } from '../core/waves';
import { adapters } from './composition';

export type WaveOffer = { action: 'start'; instanceId: string } | { action: 'ignore'; reason: string };

/** How far back GET /api/waves looks (Durable lists instances by creation time). */
const LIST_DAYS = 30;
/** The most waves GET /api/waves answers with. */
export const WAVES_LISTED = 10;

const isWave = (s: Pick<DurableOrchestrationStatus, 'name' | 'instanceId'>) =>
  s.name === WAVE_ORCHESTRATOR && s.instanceId.startsWith(WAVE_ID_PREFIX);

async function known(client: DurableClient, instanceId: string): Promise<DurableOrchestrationStatus | null> {
  try {
    return await client.getStatus(instanceId);
  } catch (err) {
    if (isInstanceNotFound(err)) return null;
    throw err;
  }
}

/** Starts the wave for `push` unless it exists (running or ended); supersedes the waves still running. */
export async function offerWave(client: DurableClient, push: PushEvent, trigger: UpdateTrigger): Promise<WaveOffer> {
  const { config, targets } = adapters();
  const waveId = waveIdOf(push.digest);
  if (await known(client, waveId)) return { action: 'ignore', reason: 'wave_exists' };
  const running = (
    await client.getStatusBy({
      runtimeStatus: [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending],
    })
  )
    .filter(isWave)
    .filter((s) => s.instanceId !== waveId);
  const policies: WaveInput['policies'] = {};
  for (const group of config.waves) {
    for (const name of group.targets) {
      const target = config.targets.find((t) => t.name === name)!;
      policies[name] = policyOf(target, (await targets.get(name)).state);
    }
  }
  const input: WaveInput = {
    image: { tag: push.tag, digest: push.digest },
    groups: config.waves,
    policies,
    offeredAt: new Date().toISOString(),
    trigger,
    supersedes: running.map((s) => s.instanceId),
    pollIntervalSeconds: config.timings.pollIntervalSeconds,
    healthWatchSeconds: config.timings.verifyTimeoutSeconds,
  };
  try {
    await client.startNew(WAVE_ORCHESTRATOR, { instanceId: waveId, input });
  } catch (err) {
    // Two deliveries at once: the other one started it.
    if (await known(client, waveId)) return { action: 'ignore', reason: 'wave_exists' };
    throw err;
  }
  for (const s of running) {
    // A wave that ends meanwhile no longer takes events: nothing to supersede then.
    await client.raiseEvent(s.instanceId, SUPERSEDE_EVENT, { by: waveId }).catch(() => undefined);
  }
  return { action: 'start', instanceId: waveId };
}

/** The waves of the last LIST_DAYS days, running ones first, then the newest. */
export async function listWaves(client: DurableClient, now = new Date()): Promise<WaveView[]> {
  const from = new Date(now.getTime() - LIST_DAYS * 86_400_000);
  let all: DurableOrchestrationStatus[];
  try {
    all = (await client.getStatusBy({ createdTimeFrom: from })).filter(isWave);
  } catch {
    throw new DomainError('durable_unavailable', 'the orchestration service is unavailable', 503);
  }
  all.sort((a, b) => new Date(b.createdTime).getTime() - new Date(a.createdTime).getTime());
  return all
    .map(waveOf)
    .filter((v): v is WaveView => v !== null)
    .sort((a, b) => Number(a.finished_at !== null) - Number(b.finished_at !== null))
    .slice(0, WAVES_LISTED);
}

/** Asks a running wave to stop before its next group (a deployer's cancel). */
export async function cancelWave(client: DurableClient, waveId: string, requester: string): Promise<void> {
  let s: DurableOrchestrationStatus | null;
  try {
    s = await known(client, waveId);
  } catch {
    throw new DomainError('durable_unavailable', 'the orchestration service is unavailable', 503);
  }
  if (!s || !isWave(s)) throw new DomainError('unknown_wave', `there is no wave ${waveId}`, 404);
  if (TERMINAL_RUNTIME.has(s.runtimeStatus)) {
    throw new DomainError('wave_not_running', `wave ${waveId} has already ended (${s.runtimeStatus})`, 409);
  }
  await client.raiseEvent(waveId, WAVE_CANCEL_EVENT, { requester });
}
