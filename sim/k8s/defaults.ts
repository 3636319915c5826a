// Defaulting, as the API server does on every write: the fields a real cluster fills in so clients (and the sim's
// own controllers) see complete objects.
import { isObject, type JsonObject, type Json } from './object';

export interface Allocator {
  clusterIP(): string;
  nodePort(): number;
}

function obj(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isObject(v)) return v;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function dflt(o: JsonObject, key: string, value: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

export function applyDefaults(kind: string, o: JsonObject, alloc: Allocator): void {
  switch (kind) {
    case 'Namespace': {
      const md = obj(o, 'metadata');
      const labels = obj(md, 'labels');
      labels['kubernetes.io/metadata.name'] = String(md.name);
      dflt(obj(o, 'spec'), 'finalizers', ['kubernetes']);
      break;
    }
    case 'Secret':
      dflt(o, 'type', 'Opaque');
      if (isObject(o.stringData)) {
        const data = obj(o, 'data');
        for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
      }
      delete o.stringData;
      break;
    case 'Service':
      defaultService(obj(o, 'spec'), alloc);
      break;
    case 'Pod':
      defaultPodSpec(obj(o, 'spec'), true);
      break;
    case 'Deployment': {
      const spec = obj(o, 'spec');
      dflt(spec, 'replicas', 1);
      dflt(spec, 'revisionHistoryLimit', 10);
      dflt(spec, 'progressDeadlineSeconds', 600);
      const strategy = obj(spec, 'strategy');
      dflt(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        dflt(ru, 'maxSurge', '25%');
        dflt(ru, 'maxUnavailable', '25%');
      }
      defaultPodSpec(obj(obj(spec, 'template'), 'spec'), false);
      break;
    }
    case 'ReplicaSet': {
      const spec = obj(o, 'spec');
      dflt(spec, 'replicas', 1);
      defaultPodSpec(obj(obj(spec, 'template'), 'spec'), false);
      break;
    }
  }
}

function defaultService(spec: JsonObject, alloc: Allocator): void {
  dflt(spec, 'type', 'ClusterIP');
  dflt(spec, 'sessionAffinity', 'None');
  const type = spec.type;
  if (type === 'ExternalName') return;
  dflt(spec, 'clusterIP', alloc.clusterIP());
  dflt(spec, 'clusterIPs', [spec.clusterIP as Json]);
  dflt(spec, 'ipFamilies', ['IPv4']);
  dflt(spec, 'ipFamilyPolicy', 'SingleStack');
  dflt(spec, 'internalTrafficPolicy', 'Cluster');
  const external = type === 'LoadBalancer' || type === 'NodePort';
  if (external) dflt(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') dflt(spec, 'allocateLoadBalancerNodePorts', true);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  for (const p of ports) {
    if (!isObject(p)) continue;
    dflt(p, 'protocol', 'TCP');
    dflt(p, 'targetPort', p.port ?? null);
    if (external) dflt(p, 'nodePort', alloc.nodePort());
  }
}

function defaultPodSpec(spec: JsonObject, isPod: boolean): void {
  dflt(spec, 'restartPolicy', 'Always');
  dflt(spec, 'terminationGracePeriodSeconds', 30);
  dflt(spec, 'dnsPolicy', 'ClusterFirst');
  dflt(spec, 'securityContext', {});
  dflt(spec, 'schedulerName', 'default-scheduler');
  if (isPod) {
    dflt(spec, 'serviceAccountName', 'default');
    dflt(spec, 'enableServiceLinks', true);
    dflt(spec, 'priority', 0);
  }
  for (const list of ['containers', 'initContainers']) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isObject(c)) continue;
      dflt(c, 'imagePullPolicy', pullPolicyFor(String(c.image ?? '')));
      dflt(c, 'terminationMessagePath', '/dev/termination-log');
      dflt(c, 'terminationMessagePolicy', 'File');
      dflt(c, 'resources', {});
      if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p)) dflt(p, 'protocol', 'TCP');
    }
  }
}

/** `Always` for `:latest` or untagged images, otherwise `IfNotPresent`, as the API server defaults it. */
export function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The status a new object starts with (clients cannot set status on create). */
export function initialStatus(kind: string): JsonObject | undefined {
  switch (kind) {
    case 'Namespace':
      return { phase: 'Active' };
    case 'Service':
      return { loadBalancer: {} };
    case 'Pod':
      return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'Deployment':
    case 'ReplicaSet':
    case 'PodDisruptionBudget':
    case 'Node':
      return {};
    default:
      return undefined;
  }
}
