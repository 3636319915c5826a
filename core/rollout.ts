// Rollout evaluation: given what the cluster reports about the Deployment, its pods and recent events, decide
// whether the new revision is really serving (generation observed, replicas updated and Ready, pods running the
// expected digest), still progressing, or failed for a reason that will not fix itself.
import { DiagnosticEvent, Diagnostics } from './errors';
import { digestOf } from './image';
import { TEMPLATE_HASH_ANNOTATION, TOKEN_FINGERPRINT_ANNOTATION } from './manifests';

export interface DeploymentState {
  generation: number;
  observedGeneration: number;
  /** spec.replicas */
  desiredReplicas: number;
  /** status.replicas: pods of every revision */
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  /** Which pod template the Deployment asks for (templateOf); null when unknown. */
  template?: string | null;
}

export interface PodState {
  name: string;
  /** spec image of the main container */
  image: string;
  /** status imageID of the main container (may carry the digest the runtime resolved) */
  imageID: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
  restartCount: number;
  waitingReason: string | null;
  waitingMessage: string | null;
  lastTerminationReason: string | null;
  unschedulableMessage: string | null;
  /** Which pod template the pod was made from (templateOf); null when unknown. */
  template?: string | null;
}

/**
 * A pod template's identity from the annotations elb-control stamps on it: its spec's hash and its token's
 * fingerprint. A token rotation changes only the latter, and its pods run the same image as the ones they
 * replace, so the image alone cannot tell them apart.
 */
export function templateOf(annotations: Readonly<Record<string, string>> | undefined): string | null {
  const hash = annotations?.[TEMPLATE_HASH_ANNOTATION];
  const token = annotations?.[TOKEN_FINGERPRINT_ANNOTATION];
  return hash || token ? `${hash ?? ''}/${token ?? ''}` : null;
}

export interface RolloutObservation {
  deployment: DeploymentState | null;
  pods: PodState[];
  events: DiagnosticEvent[];
}

export type RolloutVerdict =
  | { state: 'ready'; detail: string; readyReplicas: number; desiredReplicas: number }
  | { state: 'progressing'; detail: string }
  | { state: 'failed'; code: RolloutFailureCode; message: string; diagnostics: Diagnostics };

export type RolloutFailureCode =
  'image_pull_failed' | 'crash_loop' | 'unschedulable' | 'container_config_error' | 'rollout_stalled';

const PULL_FAILURES = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'ImageInspectError',
  'RegistryUnavailable',
]);
const CONFIG_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

const ADVICE: Record<RolloutFailureCode, { likely_cause: string; what_to_do: string }> = {
  image_pull_failed: {
    likely_cause:
      'The cluster cannot pull the image: the digest is missing from the registry or the nodes lack pull access.',
    what_to_do:
      "Check that the digest exists in the registry and that the cluster's kubelet identity has AcrPull on it, then deploy again.",
  },
  crash_loop: {
    likely_cause: 'The container starts and exits repeatedly: the image is broken or its configuration is wrong.',
    what_to_do:
      'Read the pod logs (kubectl logs deploy/elb-openapi -n <namespace> --previous), fix or rebuild the image, then deploy again.',
  },
  unschedulable: {
    likely_cause: 'No node can take the pod (not enough CPU/memory, taints, or node selectors).',
    what_to_do: 'Scale the node pool or free capacity, then deploy again.',
  },
  container_config_error: {
    likely_cause:
      'The container could not be created from its configuration (a missing Secret or ConfigMap key, or an invalid setting).',
    what_to_do: 'Check the pod events for the missing reference and the target configuration, then deploy again.',
  },
  rollout_stalled: {
    likely_cause: 'Kubernetes reports that the rollout exceeded its progress deadline.',
    what_to_do: 'Inspect the Deployment and pod events, fix the cause, then deploy again.',
  },
};

/** Warning events about the service's objects, newest first, at most `limit`. */
export function relevantEvents(events: readonly DiagnosticEvent[], limit = 8): DiagnosticEvent[] {
  return events
    .filter((e) => e.type !== 'Normal' && e.name.startsWith('elb-openapi'))
    .sort((a, b) => (b.last_timestamp ?? '').localeCompare(a.last_timestamp ?? ''))
    .slice(0, limit)
    .map((e) => ({ ...e, message: e.message.slice(0, 500) }));
}

function failed(code: RolloutFailureCode, message: string, obs: RolloutObservation, pod?: PodState): RolloutVerdict {
  return {
    state: 'failed',
    code,
    message,
    diagnostics: { ...ADVICE[code], ...(pod ? { pod: pod.name } : {}), events: relevantEvents(obs.events) },
  };
}

export function evaluateRollout(expectedImage: string, obs: RolloutObservation): RolloutVerdict {
  const dep = obs.deployment;
  if (!dep) return { state: 'progressing', detail: 'waiting for the Deployment to appear' };

  const expectedDigest = digestOf(expectedImage);
  // The pods of the template the Deployment asks for: same image and, when both are known, same template.
  const wanted = dep.template ?? null;
  const newPods = obs.pods.filter(
    (p) => p.image === expectedImage && !p.terminating && (wanted === null || (p.template ?? wanted) === wanted),
  );

  // Fail fast on conditions that do not fix themselves.
  for (const pod of newPods) {
    if (pod.waitingReason && PULL_FAILURES.has(pod.waitingReason)) {
      return failed(
        'image_pull_failed',
        `pod ${pod.name}: ${pod.waitingReason}${suffix(pod.waitingMessage)}`,
        obs,
        pod,
      );
    }
    if (pod.waitingReason === 'CrashLoopBackOff') {
      return failed(
        'crash_loop',
        `pod ${pod.name}: CrashLoopBackOff after ${pod.restartCount} restarts${suffix(pod.lastTerminationReason)}`,
        obs,
        pod,
      );
    }
    if (pod.waitingReason && CONFIG_FAILURES.has(pod.waitingReason)) {
      return failed(
        'container_config_error',
        `pod ${pod.name}: ${pod.waitingReason}${suffix(pod.waitingMessage)}`,
        obs,
        pod,
      );
    }
    if (pod.unschedulableMessage) {
      return failed(
        'unschedulable',
        `pod ${pod.name} cannot be scheduled${suffix(pod.unschedulableMessage)}`,
        obs,
        pod,
      );
    }
  }
  const progressing = dep.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return failed('rollout_stalled', progressing.message ?? 'progress deadline exceeded', obs);
  }

  if (dep.observedGeneration < dep.generation) {
    return { state: 'progressing', detail: `generation ${dep.generation} not yet observed` };
  }
  const want = dep.desiredReplicas;
  if (dep.updatedReplicas < want)
    return { state: 'progressing', detail: `${dep.updatedReplicas}/${want} replicas updated` };
  if (dep.readyReplicas < want || dep.availableReplicas < want) {
    return { state: 'progressing', detail: `${dep.readyReplicas}/${want} replicas ready` };
  }
  if (dep.replicas > want) return { state: 'progressing', detail: `${dep.replicas - want} old replica(s) terminating` };

  // The pods must really run the expected digest, not just carry it in their spec.
  const serving = newPods.filter(
    (p) => p.ready && (p.imageID === null || digestOf(p.imageID) === null || digestOf(p.imageID) === expectedDigest),
  );
  const wrongDigest = newPods.find(
    (p) => p.ready && digestOf(p.imageID) !== null && digestOf(p.imageID) !== expectedDigest,
  );
  if (wrongDigest) {
    return {
      state: 'progressing',
      detail: `pod ${wrongDigest.name} runs ${digestOf(wrongDigest.imageID)} instead of ${expectedDigest}`,
    };
  }
  if (serving.length < want)
    return { state: 'progressing', detail: `${serving.length}/${want} pods ready on the new image` };
  return {
    state: 'ready',
    detail: `${serving.length}/${want} pods ready on ${expectedDigest?.slice(0, 19)}`,
    readyReplicas: serving.length,
    desiredReplicas: want,
  };
}

function suffix(text: string | null): string {
  return text ? ` (${text.slice(0, 300)})` : '';
}
