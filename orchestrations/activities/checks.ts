// Bounded checks used while the orchestration waits: each polls for at most `watchSeconds`, then reports where
// things stand, so the orchestration's history grows by a few events per check instead of one per poll.
import { ActivityResult, AddressCheck, RolloutCheck, VerifyCheck } from '../../core/deploy-model';
import { evaluateRollout } from '../../core/rollout';
import { probeService, serviceBaseUrl } from '../../adapters/service-probe';
import { ActivityDeps, activityDeps, asResult, sleep, targetNamed } from './context';

function deadlineAfter(seconds: number): number {
  return Date.now() + Math.max(1, Math.min(seconds, 600)) * 1000;
}

export async function checkRollout(
  input: { target: string; image: string; watchSeconds: number },
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<RolloutCheck>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const kube = await d.kube(target);
    const deadline = deadlineAfter(input.watchSeconds);
    let detail = 'not checked yet';
    for (;;) {
      try {
        const verdict = evaluateRollout(input.image, await kube.observe());
        if (verdict.state === 'ready') {
          return {
            state: 'ready',
            detail: verdict.detail,
            ready_replicas: verdict.readyReplicas,
            desired_replicas: verdict.desiredReplicas,
          };
        }
        if (verdict.state === 'failed') {
          return {
            state: 'failed',
            detail: verdict.message,
            error: { code: verdict.code, message: verdict.message, diagnostics: verdict.diagnostics },
          };
        }
        detail = verdict.detail;
      } catch (err) {
        // A passing API hiccup is not a rollout failure; the phase timeout bounds a lasting one.
        detail = `cluster read failed: ${err instanceof Error ? err.message.split('\n')[0] : 'error'}`;
      }
      if (Date.now() + d.pollMs > deadline) return { state: 'progressing', detail };
      await sleep(d.pollMs);
    }
  });
}

export async function checkExternalIp(
  input: { target: string; watchSeconds: number },
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<AddressCheck>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const kube = await d.kube(target);
    const deadline = deadlineAfter(input.watchSeconds);
    let detail = 'not checked yet';
    for (;;) {
      try {
        const svc = await kube.service();
        if (svc.externalIp) return { external_ip: svc.externalIp, detail: `address ${svc.externalIp}` };
        detail = svc.exists ? 'the LoadBalancer has no address yet' : 'the Service does not exist yet';
      } catch (err) {
        detail = `cluster read failed: ${err instanceof Error ? err.message.split('\n')[0] : 'error'}`;
      }
      if (Date.now() + d.pollMs > deadline) return { external_ip: null, detail };
      await sleep(d.pollMs);
    }
  });
}

export async function verifyService(
  input: { target: string; externalIp: string; watchSeconds: number },
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<VerifyCheck>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const baseUrl = serviceBaseUrl(input.externalIp, target.servicePort);
    const deadline = deadlineAfter(input.watchSeconds);
    for (;;) {
      const probe = await probeService(baseUrl);
      if (probe.healthy || Date.now() + d.pollMs > deadline) {
        return { healthy: probe.healthy, detail: probe.detail, api_version: probe.apiVersion, base_url: baseUrl };
      }
      await sleep(d.pollMs);
    }
  });
}
