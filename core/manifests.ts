// The Kubernetes objects that make up one elb-openapi installation: a pure, deterministic function of the target,
// the digest-pinned image, the workload identity and the service's API token. Snapshot-tested.
import { canonicalJson, sha256Hex } from './canonical-json';
import { DomainError } from './errors';
import { digestOf } from './image';
import { Target } from './targets';

export const APP_NAME = 'elb-openapi';
export const FIELD_MANAGER = 'elb-control';
export const TOKEN_SECRET_NAME = 'elb-openapi-token';
export const TOKEN_SECRET_KEY = 'api-token';
export const CONTAINER_PORT = 8000;
export const TEMPLATE_HASH_ANNOTATION = 'elb-control/template-hash';
export const IMAGE_TAG_ANNOTATION = 'elb-control/image-tag';
/**
 * On the pod template: a fingerprint of the API token the pods are to run with, so a new token changes the template
 * and Kubernetes rolls the pods (docs/security.md#rotation). 16 hex digits of SHA-256 of a 256-bit random token.
 */
export const TOKEN_FINGERPRINT_ANNOTATION = 'elb-control/api-token-sha256';
/** The Secret key holding the token a rotation replaced, only until the rotation has ended. */
export const PREVIOUS_TOKEN_KEY = 'previous-api-token';
/** On the Secret, while a rotation runs: which one, so a retried step finds its own new token again. */
export const ROTATION_ANNOTATION = 'elb-control/token-rotation';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export interface ManifestInput {
  target: Target;
  /** `registry/repo@sha256:…` — never a tag. */
  image: string;
  /** The tag the digest was resolved from; informational (labels, annotation). */
  tag: string;
  /** Client id of the workload identity (AKS only). */
  workloadIdentityClientId: string | null;
  /** The service's API token, stored in a Secret and referenced by the pod. */
  apiToken: string;
}

export interface RenderedManifests {
  /** Every object, in apply order (namespace first). */
  objects: K8sObject[];
  /** Hash of the pod template, also stamped on it as an annotation. */
  templateHash: string;
}

const SELECTOR = { 'app.kubernetes.io/name': APP_NAME };

export function commonLabels(target: Target): Record<string, string> {
  return {
    'app.kubernetes.io/name': APP_NAME,
    'app.kubernetes.io/component': 'api',
    'app.kubernetes.io/part-of': 'elasticblast',
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
    'elb-control/target': target.name,
  };
}

function labelSafe(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

export function renderManifests(input: ManifestInput): RenderedManifests {
  const { target } = input;
  if (!digestOf(input.image)) throw new DomainError('invalid_image', 'manifests need a digest-pinned image', 500);
  if (input.apiToken.trim().length < 32)
    throw new DomainError('invalid_token', 'the API token must be at least 32 characters', 500);
  if (target.kind === 'aks' && !input.workloadIdentityClientId) {
    throw new DomainError('missing_workload_identity', 'an AKS target needs the workload identity client id', 500);
  }
  const ns = target.namespace;
  const labels = commonLabels(target);
  const aks = target.kind === 'aks';
  const wiLabel: Record<string, string> = aks ? { 'azure.workload.identity/use': 'true' } : {};

  const namespace: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } };

  const serviceAccount: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: APP_NAME,
      namespace: ns,
      labels: { ...labels, ...wiLabel },
      ...(aks ? { annotations: { 'azure.workload.identity/client-id': input.workloadIdentityClientId! } } : {}),
    },
  };

  const secret = tokenSecret(target, { token: input.apiToken });

  const env = [
    { name: 'ELB_OPENAPI_API_TOKEN', valueFrom: { secretKeyRef: { name: TOKEN_SECRET_NAME, key: TOKEN_SECRET_KEY } } },
    ...Object.entries(target.env).map(([name, value]) => ({ name, value })),
  ];

  const podSpec = {
    serviceAccountName: APP_NAME,
    automountServiceAccountToken: true,
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'openapi',
        image: input.image,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
        env,
        readinessProbe: {
          httpGet: { path: '/healthz', port: 'http' },
          initialDelaySeconds: 2,
          periodSeconds: 5,
          timeoutSeconds: 3,
          failureThreshold: 3,
        },
        livenessProbe: {
          httpGet: { path: '/healthz', port: 'http' },
          initialDelaySeconds: 30,
          periodSeconds: 30,
          timeoutSeconds: 10,
          failureThreshold: 6,
        },
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        lifecycle: { preStop: { exec: { command: ['sleep', '10'] } } },
      },
    ],
  };
  const podLabels = { ...labels, ...wiLabel };
  const templateHash = sha256Hex(canonicalJson({ labels: podLabels, spec: podSpec })).slice(0, 16);

  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP_NAME, namespace: ns, labels },
    spec: {
      replicas: target.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: SELECTOR },
      // Surge instead of taking the old pod down first: a broken new image never removes the working one.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels,
          annotations: {
            [TEMPLATE_HASH_ANNOTATION]: templateHash,
            [IMAGE_TAG_ANNOTATION]: labelSafe(input.tag),
            [TOKEN_FINGERPRINT_ANNOTATION]: tokenFingerprint(input.apiToken),
          },
        },
        spec: podSpec,
      },
    },
  };

  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: APP_NAME,
      namespace: ns,
      labels,
      ...(aks && !target.publicLoadBalancer
        ? { annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }
        : {}),
    },
    spec: {
      type: 'LoadBalancer',
      selector: SELECTOR,
      ports: [{ name: 'http', port: target.servicePort, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const pdb: K8sObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: APP_NAME, namespace: ns, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR } },
  };

  const objects = [namespace, serviceAccount, secret];
  if (target.rbac) {
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: target.rbac.clusterRole };
    const subjects = [{ kind: 'ServiceAccount', name: APP_NAME, namespace: ns }];
    objects.push(
      target.rbac.scope === 'cluster'
        ? {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: `${APP_NAME}-${ns}`, labels },
            roleRef,
            subjects,
          }
        : {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: APP_NAME, namespace: ns, labels },
            roleRef,
            subjects,
          },
    );
  }
  objects.push(deployment, service, pdb);
  return { objects, templateHash };
}

/** What the pod template carries about its token: never the token, only a fingerprint that changes with it. */
export function tokenFingerprint(token: string): string {
  return sha256Hex(token).slice(0, 16);
}

/** The token Secret's contents: the token, and during a rotation the token it replaces and the rotation's id. */
export interface TokenSecret {
  token: string;
  previous?: string | null;
  rotation?: string | null;
}

/** The token Secret. Applied server-side, so keys and annotations left out here are removed from the cluster. */
export function tokenSecret(target: Target, secret: TokenSecret): K8sObject {
  const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: TOKEN_SECRET_NAME,
      namespace: target.namespace,
      labels: commonLabels(target),
      ...(secret.rotation ? { annotations: { [ROTATION_ANNOTATION]: secret.rotation } } : {}),
    },
    type: 'Opaque',
    data: {
      [TOKEN_SECRET_KEY]: b64(secret.token),
      ...(secret.previous ? { [PREVIOUS_TOKEN_KEY]: b64(secret.previous) } : {}),
    },
  };
}

/**
 * A deployed manifest set run with another token: the Secret as given, and the Deployment's pod template stamped with
 * the token's fingerprint (which rolls the pods); every other object as it was deployed.
 */
export function withToken(deployed: readonly K8sObject[], target: Target, secret: TokenSecret): K8sObject[] {
  if (secret.token.trim().length < 32)
    throw new DomainError('invalid_token', 'the API token must be at least 32 characters', 500);
  const objects = withoutSecrets(deployed).map((o) => {
    if (o.kind !== 'Deployment') return o;
    const copy = structuredClone(o) as K8sObject & {
      spec: { template: { metadata?: { annotations?: Record<string, string> } } };
    };
    const meta = (copy.spec.template.metadata ??= {});
    meta.annotations = { ...meta.annotations, [TOKEN_FINGERPRINT_ANNOTATION]: tokenFingerprint(secret.token) };
    return copy;
  });
  if (!objects.some((o) => o.kind === 'Deployment'))
    throw new DomainError('invalid_manifest', 'the deployed manifest has no Deployment', 500);
  // The Secret goes first after the namespace, so pods started by the new template read the new token.
  const at = objects.findIndex((o) => o.kind !== 'Namespace');
  objects.splice(at < 0 ? objects.length : at, 0, tokenSecret(target, secret));
  return objects;
}

/** The objects worth keeping for a rollback: everything but Secrets (the token is preserved in the cluster). */
export function withoutSecrets(objects: readonly K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.kind !== 'Secret');
}

/**
 * What `kubectl apply -f -` reads: YAML documents, each written as JSON (JSON is YAML). The leading `---` matters:
 * a stream that starts with `{` is decoded as a single JSON value, and a `List` wrapper would need client-side
 * schema validation.
 */
export function toApplyDocument(objects: readonly K8sObject[]): string {
  return objects.map((o) => `---\n${JSON.stringify(o)}\n`).join('');
}

/** The image of the Deployment in a rendered or stored manifest set. */
export function deploymentImage(objects: readonly K8sObject[]): string | null {
  const dep = objects.find((o) => o.kind === 'Deployment');
  const containers = (dep?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)
    ?.template?.spec?.containers;
  return containers?.[0]?.image ?? null;
}
