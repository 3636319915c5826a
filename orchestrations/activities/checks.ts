// Bounded checks used while the orchestration waits: each polls for at most `watchSeconds`, then reports where
// things stand, so the orchestration's history grows by a few events per check instead of one per poll.
import { ActivityResult, AddressCheck, RolloutCheck, VerifyCheck } from '../../core/deploy-model';
import { evaluateRollout } from '../../core/rollout';
import { probeService, serviceBaseUrl } from '../../adapters/service-probe';
import { ActivityDeps, activityDeps, asResult, sleep, targetNamed } from './context';

/** One look at the cluster or service: a final answer, or a note of where things stand. */
type Look<T> = { done: T } | { progress: string };

/**
 * Looks every `pollMs` until a look is final or `watchSeconds` (at most 10 minutes) run out; then `unfinished`
 * turns the last note into the check's answer. A read that throws counts as a note: a passing API hiccup is not a
 * failure, and the phase timeout in the orchestrator bounds a lasting one.
 */
async function watch<T>(
  watchSeconds: number,
  pollMs: number,
  look: () => Promise<Look<T>>,
  unfinished: (detail: string) => T,
): Promise<T> {
  const deadline = Date.now() + Math.max(1, Math.min(watchSeconds, 600)) * 1000;
  for (;;) {
    let detail: string;
    try {
      const seen = await look();
      if ('done' in seen) return seen.done;
      detail = seen.progress;
    } catch (err) {
      detail = `cluster read failed: ${err instanceof Error ? err.message.split('\n')[0] : 'error'}`;
    }
    if (Date.now() + pollMs > deadline) return unfinished(detail);
    await sleep(pollMs);
  }
}

export async function checkRollout(
  input: { target: string; image: string; watchSeconds: number },
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<RolloutCheck>> {
  return asResult(async () => {
    const kube = await d.kube(targetNamed(d, input.target));
    return watch<RolloutCheck>(
      input.watchSeconds,
      d.pollMs,
      async () => {
        const verdict = evaluateRollout(input.image, await kube.observe());
        if (verdict.state === 'ready') {
          return {
            done: {
              state: 'ready',
              detail: verdict.detail,
              ready_replicas: verdict.readyReplicas,
              desired_replicas: verdict.desiredReplicas,
            },
          };
        }
        if (verdict.state === 'failed') {
          return {
            done: {
              state: 'failed',
              detail: verdict.message,
              error: { code: verdict.code, message: verdict.message, diagnostics: verdict.diagnostics },
            },
          };
        }
        return { progress: verdict.detail };
      },
      (detail) => ({ state: 'progressing', detail }),
    );
  });
}

export async function checkExternalIp(
  input: { target: string; watchSeconds: number },
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<AddressCheck>> {
  return asResult(async () => {
    const kube = await d.kube(targetNamed(d, input.target));
    return watch<AddressCheck>(
      input.watchSeconds,
      d.pollMs,
      async () => {
        const svc = await kube.service();
        if (svc.externalIp) return { done: { external_ip: svc.externalIp, detail: `address ${svc.externalIp}` } };
        return { progress: svc.exists ? 'the LoadBalancer has no address yet' : 'the Service does not exist yet' };
      },
      (detail) => ({ external_ip: null, detail }),
    );
  });
}

export async function verifyService(
  input: { target: string; externalIp: string; watchSeconds: number },
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<VerifyCheck>> {
  return asResult(async () => {
    const baseUrl = serviceBaseUrl(input.externalIp, targetNamed(d, input.target).servicePort);
    return watch<VerifyCheck>(
      input.watchSeconds,
      d.pollMs,
      async () => {
        const probe = await probeService(baseUrl);
        if (probe.healthy)
          return { done: { healthy: true, detail: probe.detail, api_version: probe.apiVersion, base_url: baseUrl } };
        return { progress: probe.detail };
      },
      (detail) => ({ healthy: false, detail, api_version: null, base_url: baseUrl }),
    );
  });
}
