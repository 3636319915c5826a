// Quick "does it answer?" probes of the parts a deploy needs, for the deploy preflight and the summary's
// `dependencies`: each answers within `timeoutMs` with null (fine) or a one-line reason without secrets or URLs.
import { Target } from '../core/targets';
import { kubeReaderFor } from './cluster-reader';

export const PROBE_TIMEOUT_MS = 2000;

function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
  if (typeof cause === 'string') return cause;
  if ((err as { name?: string })?.name === 'TimeoutError') return 'no answer in time';
  const message = err instanceof Error ? err.message : String(err);
  // Keep the words, never an address (a URL could carry a user or a token in another setup).
  return message
    .split('\n')[0]!
    .replace(/\bhttps?:\/\/\S+/g, '(address)')
    .slice(0, 200);
}

/** `work`, or a TimeoutError after `timeoutMs` (the work itself is not stopped: a hung peer keeps its socket). */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_ok, fail) => {
    const message = `no answer within ${Math.round(timeoutMs / 1000)}s`;
    timer = setTimeout(() => fail(Object.assign(new Error(message), { name: 'TimeoutError' })), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The exec server's /healthz (no token needed) answers `{status: "ok"}`. */
export async function probeExec(execUpstream: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  try {
    const res = await fetch(`${execUpstream}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as { status?: unknown };
    if (!res.ok || body.status !== 'ok') return `the exec server answered ${res.status} to its health check`;
    return null;
  } catch (err) {
    return `the exec server does not answer (${reasonOf(err)})`;
  }
}

/** The target's cluster API answers a read of the elb-openapi Deployment (a 404 is an answer too). */
export async function probeCluster(target: Target, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  try {
    // Building the client (loading the library, for AKS the ARM lookup) is not the cluster's answer time.
    const kube = await kubeReaderFor(target);
    await withTimeout(kube.deployment(), timeoutMs);
    return null;
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    // Refused access or a missing kubeconfig is not "unavailable"; the deploy reports those with their own code.
    if (code === 'cluster_forbidden' || code === 'kubeconfig_unreadable' || code === 'kubeconfig_context_missing')
      return null;
    return `the cluster API of ${target.name} does not answer (${reasonOf(err)})`;
  }
}
