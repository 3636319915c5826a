// Bounded checks used while the orchestration waits: each polls for at most `watchSeconds`, then reports where
// things stand, so the orchestration's history grows by a few events per check instead of one per poll.
import {
  ActivityResult,
  AddressCheck,
  ClusterInspection,
  RolloutCheck,
  TokenCheck,
  VerifyCheck,
} from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import { evaluateRollout } from '../../core/rollout';
import { withTimeout } from '../../adapters/dependencies';
import { fetchSpec, probeService, serviceBaseUrl, statusWithToken } from '../../adapters/service-probe';
import { tokenCheckPath, tokenVerdict } from '../../core/token-check';
import { ActivityDeps, activityDeps, asResult, sleep, targetNamed } from './context';

/** One look at the cluster or service: a final answer, or a note of where things stand. */
type Look<T> = { done: T } | { progress: string };

/** Default for ELB_DEPENDENCY_RETRY_SECONDS when an input predates the setting. */
const DEFAULT_RETRY_SECONDS = 30;

/**
 * Looks every `pollMs` until a look is final or `watchSeconds` (at most 10 minutes) run out; then `unfinished`
 * turns the last note into the check's answer. A read that throws counts as a note — a passing API hiccup is not a
 * failure — but reads failing without a break for `retrySeconds` fail the check with cluster_unavailable (the watch
 * runs on past its own end to see that out), so a cluster that stopped answering fails the phase in seconds rather
 * than at the phase timeout.
 */
async function watch<T>(
  watchSeconds: number,
  retrySeconds: number | undefined,
  pollMs: number,
  look: () => Promise<Look<T>>,
  unfinished: (detail: string) => T,
): Promise<T> {
  const deadline = Date.now() + Math.max(1, Math.min(watchSeconds, 600)) * 1000;
  const retryMs = Math.max(0, retrySeconds ?? DEFAULT_RETRY_SECONDS) * 1000;
  let failingSince: number | null = null;
  for (;;) {
    let detail: string;
    try {
      // A cluster that accepts connections but never answers must not hang the check: a look has a time limit.
      const seen = await withTimeout(look(), Math.min(10_000, Math.max(2000, retryMs)));
      failingSince = null;
      if ('done' in seen) return seen.done;
      detail = seen.progress;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0]! : 'error';
      detail = `cluster read failed: ${reason}`;
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= retryMs) {
        throw new DomainError(
          'cluster_unavailable',
          `the cluster API did not answer for ${Math.round((Date.now() - failingSince) / 1000)}s: ${reason}`,
          503,
          {
            diagnostics: {
              likely_cause: 'The cluster API server is down or unreachable from the control plane.',
              what_to_do: 'Check that the cluster is running and reachable, then deploy again.',
            },
          },
        );
      }
    }
    const now = Date.now();
    if (now + pollMs > deadline && failingSince === null) return unfinished(detail);
    await sleep(failingSince === null ? pollMs : Math.min(pollMs, failingSince + retryMs - now + 1));
  }
}

export interface InspectInput {
  target: string;
  retrySeconds?: number;
}
export interface RolloutCheckInput {
  target: string;
  image: string;
  watchSeconds: number;
  retrySeconds?: number;
}
export interface AddressCheckInput {
  target: string;
  watchSeconds: number;
  retrySeconds?: number;
}
export interface VerifyInput {
  target: string;
  externalIp: string;
  watchSeconds: number;
  retrySeconds?: number;
}

/** What the cluster runs (Deployment image, pod images), with failing reads retried for `retrySeconds`. */
export async function inspectCluster(
  input: InspectInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<ClusterInspection>> {
  return asResult(async () => {
    const kube = await d.kube(targetNamed(d, input.target));
    return watch<ClusterInspection>(
      0,
      input.retrySeconds,
      d.pollMs,
      async () => {
        const [dep, pods] = await Promise.all([kube.deployment(), kube.pods()]);
        const live = pods.filter((p) => !p.terminating);
        return {
          done: {
            deployment_image: dep?.image ?? null,
            pod_images: live.map((p) => p.image),
            ready_replicas: dep?.readyReplicas ?? 0,
          },
        };
      },
      () => {
        throw new DomainError('cluster_unavailable', 'the cluster could not be read', 503);
      },
    );
  });
}

export async function checkRollout(
  input: RolloutCheckInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<RolloutCheck>> {
  return asResult(async () => {
    const kube = await d.kube(targetNamed(d, input.target));
    return watch<RolloutCheck>(
      input.watchSeconds,
      input.retrySeconds,
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
  input: AddressCheckInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<AddressCheck>> {
  return asResult(async () => {
    const kube = await d.kube(targetNamed(d, input.target));
    return watch<AddressCheck>(
      input.watchSeconds,
      input.retrySeconds,
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
  input: VerifyInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<VerifyCheck>> {
  return asResult(async () => {
    const baseUrl = serviceBaseUrl(input.externalIp, targetNamed(d, input.target).servicePort);
    return watch<VerifyCheck>(
      input.watchSeconds,
      input.retrySeconds,
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

export interface TokenCheckInput {
  target: string;
  watchSeconds: number;
  retrySeconds?: number;
}

/** Asks of each token this many times per look: the Service spreads requests over the pods, old and new. */
const TOKEN_CHECK_ROUNDS = 3;

/**
 * Until the service accepts the token the Secret holds and refuses the one beside it (the token a rotation replaced,
 * or after a restore the one it had introduced), on every one of a few requests in a row.
 */
export async function checkTokenSwap(
  input: TokenCheckInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<TokenCheck>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const kube = await d.kube(target);
    return watch<TokenCheck>(
      input.watchSeconds,
      input.retrySeconds,
      d.pollMs,
      async () => {
        const [svc, secret] = await Promise.all([kube.service(), kube.tokenSecret()]);
        if (!secret?.previous) {
          const error = {
            code: 'rotation_state_lost',
            message: 'the token Secret no longer holds both tokens of the rotation (changed from outside?)',
          };
          return { done: { state: 'failed', detail: error.message, error } };
        }
        if (!svc.externalIp) return { progress: 'the Service has no address' };
        const baseUrl = serviceBaseUrl(svc.externalIp, svc.port ?? target.servicePort, svc.scheme);
        let path: string | null;
        try {
          path = tokenCheckPath(await fetchSpec(baseUrl, 5000));
        } catch {
          return { progress: 'the service does not answer /openapi.json' };
        }
        if (!path) {
          const error = {
            code: 'token_check_unavailable',
            message: 'the live openapi.json declares no GET route under /v1/ without parameters to check tokens on',
          };
          return { done: { state: 'failed', detail: error.message, error } };
        }
        for (let round = 1; round <= TOKEN_CHECK_ROUNDS; round++) {
          let current: number;
          let previous: number;
          try {
            current = await statusWithToken(baseUrl, path, secret.token);
            previous = await statusWithToken(baseUrl, path, secret.previous);
          } catch {
            return { progress: `GET ${path} did not answer` };
          }
          if (tokenVerdict(current) !== 'accepted')
            return { progress: `GET ${path} with the token in use answered ${current} (check ${round})` };
          if (tokenVerdict(previous) !== 'refused')
            return { progress: `GET ${path} with the replaced token answered ${previous} (check ${round})` };
        }
        return {
          done: {
            state: 'verified',
            detail: `GET ${path}: the token in use accepted, the other refused (${TOKEN_CHECK_ROUNDS} checks)`,
          },
        };
      },
      (detail) => ({ state: 'pending', detail }),
    );
  });
}
