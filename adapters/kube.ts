// Kubernetes reads with @kubernetes/client-node: the Deployment, its pods, events and the Service. A kubeconfig
// target loads its file; an AKS target takes the API server address and CA from the exec server's
// `az aks get-credentials` and authenticates with an Entra token from the app's own identity.
// The library is ESM-only, so it is loaded with a dynamic import from this CommonJS module.
import type { TokenCredential } from '@azure/identity';
import type { CoreV1Api, AppsV1Api, KubeConfig, V1Pod, CoreV1Event } from '@kubernetes/client-node';
import { DiagnosticEvent, DomainError } from '../core/errors';
import {
  APP_NAME,
  PREVIOUS_TOKEN_KEY,
  ROTATION_ANNOTATION,
  TEMPLATE_HASH_ANNOTATION,
  TOKEN_SECRET_KEY,
  TOKEN_SECRET_NAME,
  TokenSecret,
} from '../core/manifests';
import { DeploymentState, PodState, RolloutObservation, templateOf } from '../core/rollout';
import { isLoopbackHttpUrl } from '../core/loopback';
import { Scheme, serviceScheme } from '../core/service-exposure';
import { AksTarget, KubeconfigTarget } from '../core/targets';
import { azureCredential } from './credentials';

type K8s = typeof import('@kubernetes/client-node');
let k8sModule: Promise<K8s> | null = null;
function k8s(): Promise<K8s> {
  k8sModule ??= import('@kubernetes/client-node');
  return k8sModule;
}

/** The Entra application every AKS cluster with managed Entra integration accepts tokens for. */
export const AKS_SERVER_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';

export interface ServiceState {
  exists: boolean;
  externalIp: string | null;
  port: number | null;
  /** The Service's annotations (the internal-LB one decides its exposure: core/service-exposure.ts). */
  annotations: Record<string, string>;
  /** What its first port declares it speaks. */
  scheme: Scheme;
}

export interface LiveDeployment {
  image: string | null;
  templateHash: string | null;
  generation: number;
}

function codeOf(err: unknown): number | undefined {
  const c = (err as { code?: unknown })?.code;
  return typeof c === 'number' ? c : undefined;
}

/** Errors from the cluster, reduced to a code and a short reason (ApiException text carries headers and bodies). */
export function clusterError(err: unknown, what: string): DomainError {
  const code = codeOf(err);
  if (code === 401 || code === 403) {
    return new DomainError('cluster_forbidden', `the cluster refused to ${what} (HTTP ${code})`, 502);
  }
  const reason = code
    ? `HTTP ${code}`
    : ((err as { cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code ?? 'unreachable');
  return new DomainError('cluster_unavailable', `could not ${what}: ${reason}`, 502);
}

export class KubeReader {
  private constructor(
    private readonly core: CoreV1Api,
    private readonly apps: AppsV1Api,
    readonly namespace: string,
  ) {}

  static async fromKubeConfig(kc: KubeConfig, namespace: string): Promise<KubeReader> {
    const lib = await k8s();
    return new KubeReader(kc.makeApiClient(lib.CoreV1Api), kc.makeApiClient(lib.AppsV1Api), namespace);
  }

  async deployment(): Promise<(DeploymentState & LiveDeployment) | null> {
    let dep;
    try {
      dep = await this.apps.readNamespacedDeployment({ name: APP_NAME, namespace: this.namespace });
    } catch (err) {
      if (codeOf(err) === 404) return null;
      throw clusterError(err, 'read the Deployment');
    }
    const st = dep.status ?? {};
    return {
      generation: dep.metadata?.generation ?? 0,
      observedGeneration: st.observedGeneration ?? 0,
      desiredReplicas: dep.spec?.replicas ?? 1,
      replicas: st.replicas ?? 0,
      updatedReplicas: st.updatedReplicas ?? 0,
      readyReplicas: st.readyReplicas ?? 0,
      availableReplicas: st.availableReplicas ?? 0,
      conditions: (st.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
      image: dep.spec?.template?.spec?.containers?.[0]?.image ?? null,
      templateHash: dep.spec?.template?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] ?? null,
      template: templateOf(dep.spec?.template?.metadata?.annotations),
    };
  }

  async pods(): Promise<PodState[]> {
    try {
      const list = await this.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: `app.kubernetes.io/name=${APP_NAME}`,
      });
      return list.items.map(toPodState);
    } catch (err) {
      throw clusterError(err, 'list pods');
    }
  }

  async events(): Promise<DiagnosticEvent[]> {
    try {
      const list = await this.core.listNamespacedEvent({ namespace: this.namespace });
      return list.items.map(toEvent);
    } catch (err) {
      throw clusterError(err, 'list events');
    }
  }

  async observe(): Promise<RolloutObservation> {
    const [deployment, pods, events] = await Promise.all([this.deployment(), this.pods(), this.events()]);
    return { deployment, pods, events };
  }

  async service(): Promise<ServiceState> {
    try {
      const svc = await this.core.readNamespacedService({ name: APP_NAME, namespace: this.namespace });
      const ingress = svc.status?.loadBalancer?.ingress?.[0];
      const port = svc.spec?.ports?.[0];
      return {
        exists: true,
        externalIp: ingress?.ip ?? ingress?.hostname ?? null,
        port: port?.port ?? null,
        annotations: svc.metadata?.annotations ?? {},
        scheme: serviceScheme(port ?? null),
      };
    } catch (err) {
      if (codeOf(err) === 404) return { exists: false, externalIp: null, port: null, annotations: {}, scheme: 'http' };
      throw clusterError(err, 'read the Service');
    }
  }

  /** The service's API token from its Secret, so updates keep it; null when there is none yet. */
  async apiToken(): Promise<string | null> {
    return (await this.tokenSecret())?.token ?? null;
  }

  /** The token Secret: the token, and while a rotation runs the token it replaces; null when there is no token. */
  async tokenSecret(): Promise<Required<TokenSecret> | null> {
    let secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: TOKEN_SECRET_NAME, namespace: this.namespace });
    } catch (err) {
      if (codeOf(err) === 404) return null;
      throw clusterError(err, 'read the token Secret');
    }
    const value = (key: string) => {
      const b64 = secret.data?.[key];
      const text = b64 ? Buffer.from(b64, 'base64').toString('utf8') : '';
      return text.length >= 32 ? text : null;
    };
    const token = value(TOKEN_SECRET_KEY);
    if (token === null) return null;
    return {
      token,
      previous: value(PREVIOUS_TOKEN_KEY),
      rotation: secret.metadata?.annotations?.[ROTATION_ANNOTATION] ?? null,
    };
  }
}

function toPodState(pod: V1Pod): PodState {
  const main = pod.spec?.containers?.[0];
  const cs = pod.status?.containerStatuses?.find((c) => c.name === main?.name) ?? pod.status?.containerStatuses?.[0];
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return {
    template: templateOf(pod.metadata?.annotations),
    name: pod.metadata?.name ?? '',
    image: main?.image ?? '',
    imageID: cs?.imageID ? cs.imageID : null,
    phase: pod.status?.phase ?? 'Unknown',
    ready: cs?.ready === true,
    terminating: Boolean(pod.metadata?.deletionTimestamp),
    restartCount: cs?.restartCount ?? 0,
    waitingReason: cs?.state?.waiting?.reason ?? null,
    waitingMessage: cs?.state?.waiting?.message ?? null,
    lastTerminationReason: cs?.lastState?.terminated?.reason ?? null,
    unschedulableMessage:
      scheduled?.status === 'False' && scheduled.reason === 'Unschedulable'
        ? (scheduled.message ?? 'Unschedulable')
        : null,
  };
}

function toEvent(e: CoreV1Event): DiagnosticEvent {
  const when = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  return {
    kind: e.involvedObject?.kind ?? '',
    name: e.involvedObject?.name ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
    type: e.type ?? 'Normal',
    count: e.count ?? 1,
    last_timestamp: when ? new Date(when as unknown as string).toISOString() : undefined,
  };
}

/** Loads a kubeconfig target's file (relative paths resolve against the app's working directory). */
export async function kubeConfigForFile(target: KubeconfigTarget): Promise<KubeConfig> {
  const lib = await k8s();
  const kc = new lib.KubeConfig();
  try {
    kc.loadFromFile(target.kubeconfig);
  } catch {
    throw new DomainError('kubeconfig_unreadable', `the kubeconfig of target "${target.name}" cannot be read`, 502);
  }
  if (target.context) {
    if (!kc.getContexts().some((c) => c.name === target.context)) {
      throw new DomainError(
        'kubeconfig_context_missing',
        `context "${target.context}" is not in the kubeconfig of "${target.name}"`,
        502,
      );
    }
    kc.setCurrentContext(target.context);
  }
  return allowLoopbackHttp(kc, lib, target.name);
}

/**
 * client-node refuses plain http unless the cluster entry says skipTLSVerify. A loopback http API server (the
 * local sim) has no TLS to verify, so that flag is set for it alone; plain http anywhere else is refused.
 */
function allowLoopbackHttp(kc: KubeConfig, lib: K8s, targetName: string): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server.startsWith('http://')) return kc;
  if (!isLoopbackHttpUrl(cluster.server)) {
    throw new DomainError(
      'insecure_cluster_endpoint',
      `target "${targetName}" uses plain http to a non-loopback API server`,
      502,
    );
  }
  const fixed = new lib.KubeConfig();
  fixed.loadFromOptions({
    clusters: kc.clusters.map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: true } : c)),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return fixed;
}

/**
 * An AKS cluster's API server with an Entra token of the app's identity. `clusterKubeconfig` is the YAML that
 * `az aks get-credentials --file -` printed (only its cluster entry — server and CA — is used).
 */
export async function kubeConfigForAks(
  target: AksTarget,
  clusterKubeconfig: string,
  credential: TokenCredential = azureCredential(),
): Promise<KubeConfig> {
  const lib = await k8s();
  const source = new lib.KubeConfig();
  source.loadFromString(clusterKubeconfig);
  const cluster = source.getCurrentCluster() ?? source.getClusters()[0];
  if (!cluster) throw new DomainError('cluster_unavailable', `no cluster entry for ${target.clusterName}`, 502);
  const token = await credential.getToken(AKS_SERVER_SCOPE);
  if (!token) throw new DomainError('cluster_forbidden', 'no Entra token for the AKS API server', 502);
  const kc = new lib.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: 'elb-control', token: token.token }],
    contexts: [{ name: 'aks', cluster: cluster.name, user: 'elb-control', namespace: target.namespace }],
    currentContext: 'aks',
  });
  return kc;
}
