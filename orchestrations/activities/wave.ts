// The wave's activities (orchestrations/wave.orchestrator.ts): the health check after a soak, the rollback of a
// target found unhealthy then (through the lease service, like any rollback), following that rollback's record, and
// whether the wave a newer one supersedes has stopped. Each is one bounded look; the orchestration waits between.
import type { DurableClient } from 'durable-functions';
import { ActivityResult } from '../../core/deploy-model';
import { digestRef } from '../../core/image';
import { evaluateRollout } from '../../core/rollout';
import { isInstanceNotFound, TERMINAL_RUNTIME } from '../../core/status';
import { SUPERSEDE_EVENT } from '../../core/update-model';
import { probeService, serviceBaseUrl } from '../../adapters/service-probe';
import { notify } from '../../services/notifications';
import { ActivityDeps, activityDeps, asResult, sleep, targetNamed } from './context';
import type { ActivityEntry, ActivityEnv } from './index';

export interface WaveHealthInput {
  target: string;
  digest: string;
  /** Watch at most this long for a healthy service (the soak already waited; this only rides out a blip). */
  watchSeconds: number;
}
export interface WaveHealth {
  healthy: boolean;
  detail: string;
}

/**
 * Healthy: the Deployment's pods are all Ready on `digest` (the rollout verdict a deploy waits for) and the service
 * answers /healthz and /openapi.json at its address (the deploy's own verification). A crash loop or a pull failure
 * is unhealthy at once; anything else is looked at again until the watch ends. Never throws for the cluster's state.
 */
export async function checkWaveHealth(input: WaveHealthInput, d: ActivityDeps = activityDeps()): Promise<WaveHealth> {
  const target = targetNamed(d, input.target);
  const image = digestRef(d.config.image, input.digest);
  const deadline = Date.now() + Math.max(0, Math.min(input.watchSeconds, 300)) * 1000;
  let detail = 'not looked at yet';
  for (;;) {
    try {
      const kube = await d.kube(target);
      const verdict = evaluateRollout(image, await kube.observe());
      if (verdict.state === 'failed') return { healthy: false, detail: `${verdict.code}: ${verdict.message}` };
      if (verdict.state !== 'ready') detail = `pods not ready on ${input.digest.slice(0, 19)}: ${verdict.detail}`;
      else {
        const svc = await kube.service();
        if (!svc.externalIp) detail = 'the Service has no address';
        else {
          const probe = await probeService(serviceBaseUrl(svc.externalIp, svc.port ?? target.servicePort, svc.scheme));
          if (probe.healthy) return { healthy: true, detail: `${verdict.detail}; ${probe.detail}` };
          detail = `the service: ${probe.detail}`;
        }
      }
    } catch (err) {
      detail = `cluster read failed: ${err instanceof Error ? err.message.split('\n')[0] : 'error'}`;
    }
    if (Date.now() + d.pollMs > deadline) return { healthy: false, detail: detail.slice(0, 300) };
    await sleep(d.pollMs);
  }
}

export interface WaveRollbackInput {
  target: string;
  waveId: string;
}
export type WaveRollbackStart = { started: true; deployId: string } | { started: false; detail: string };

/** Starts a rollback deploy of `target` to its previous image, under the target's lease, requested by the wave. */
export async function startWaveRollback(
  input: WaveRollbackInput,
  client: DurableClient,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<WaveRollbackStart>> {
  return asResult(async () => {
    const outcome = await d.leases(client).start({
      target: targetNamed(d, input.target),
      reason: 'rollback',
      tag: null,
      digest: null,
      requester: `wave ${input.waveId}`,
    });
    if (outcome.started) return { started: true, deployId: outcome.instanceId };
    return { started: false, detail: `deploy ${outcome.activeInstanceId} holds the target` };
  });
}

export interface WaveDeployInput {
  target: string;
  deployId: string;
}
export interface WaveDeployState {
  finished: boolean;
  status: string | null;
  detail: string | null;
}

/** Where a deploy the wave started stands, from its history record. */
export async function readWaveDeploy(
  input: WaveDeployInput,
  d: ActivityDeps = activityDeps(),
): Promise<WaveDeployState> {
  const record = await d.deployments.get(input.target, input.deployId);
  if (!record) return { finished: false, status: null, detail: 'no history record yet' };
  return {
    finished: record.finished_at !== null,
    status: record.status,
    detail: record.error ? `${record.error.code}: ${record.error.message}`.slice(0, 300) : null,
  };
}

/** Whether the wave `waveId` has stopped (ended in any way, or is unknown to Durable). */
export async function waveEnded(input: { waveId: string }, client: DurableClient): Promise<boolean> {
  try {
    const status = await client.getStatus(input.waveId);
    return TERMINAL_RUNTIME.has(status.runtimeStatus);
  } catch (err) {
    if (isInstanceNotFound(err)) return true;
    throw err;
  }
}

/**
 * A stopped wave ends its targets' waits: each update still waiting for an approval or a window gets the supersede
 * event and ends `superseded`; one that already started its deploy ignores it and finishes (docs/policies.md "Waves").
 * Returns how many were told; an update that has ended (or never existed) is skipped.
 */
export async function stopWaitingUpdates(
  input: { updateIds: string[]; waveId: string },
  client: DurableClient,
): Promise<number> {
  let told = 0;
  for (const id of input.updateIds) {
    try {
      await client.raiseEvent(id, SUPERSEDE_EVENT, { by: input.waveId });
      told++;
    } catch {
      // ended meanwhile: nothing to stop
    }
  }
  return told;
}

export interface WaveHaltedInput {
  waveId: string;
  /** The first target that did not pass: the notification is about it. */
  target: string;
  tag: string;
  digest: string;
  deployId: string | null;
  /** rolled_back when the target is back on its previous image, else failed (the detail is in `error`). */
  outcome: 'failed' | 'rolled_back';
  error: { code: string; message: string };
}

/** Tells the configured destinations that a wave halted (`wave_halted`, once per wave); never fails the wave. */
export async function notifyWaveHalted(input: WaveHaltedInput, client: DurableClient): Promise<number> {
  const sent = await notify(client, {
    kind: 'wave_halted',
    target: input.target,
    tag: input.tag,
    digest: input.digest,
    deploy_id: input.deployId,
    outcome: input.outcome,
    error: input.error,
    requester: input.waveId,
    link: '/',
    key: input.waveId,
  });
  return sent.length;
}

/** The wave's activities: name (as the host and the history know it), input and output, like DEPLOY_ACTIVITIES. */
export const WAVE_ACTIVITIES = {
  waveCheckHealth: { run: (input: WaveHealthInput) => checkWaveHealth(input) },
  waveRollback: {
    run: (input: WaveRollbackInput, env: ActivityEnv) => startWaveRollback(input, env.durableClient()),
    durableClient: true,
  },
  waveReadDeploy: { run: (input: WaveDeployInput) => readWaveDeploy(input) },
  waveEnded: {
    run: (input: { waveId: string }, env: ActivityEnv) => waveEnded(input, env.durableClient()),
    durableClient: true,
  },
  waveStopWaiting: {
    run: (input: { updateIds: string[]; waveId: string }, env: ActivityEnv) =>
      stopWaitingUpdates(input, env.durableClient()),
    durableClient: true,
  },
  waveNotifyHalted: {
    run: (input: WaveHaltedInput, env: ActivityEnv) => notifyWaveHalted(input, env.durableClient()),
    durableClient: true,
  },
} as const satisfies Record<string, ActivityEntry<never, unknown>>;

type Table = typeof WAVE_ACTIVITIES;
export type WaveActivityName = keyof Table;
export type WaveActivityInput<N extends WaveActivityName> = Parameters<Table[N]['run']>[0];
export type WaveActivityOutput<N extends WaveActivityName> = Awaited<ReturnType<Table[N]['run']>>;
