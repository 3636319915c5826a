// The resource types the sim serves, described once so discovery, OpenAPI, routing and storage agree.

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Whether `/status` is a separate subresource (main-resource writes then ignore `status`). */
  hasStatus: boolean;
  /** Whether spec changes bump `metadata.generation`. */
  tracksGeneration: boolean;
  categories?: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('Namespace', 'namespaces', false, ['ns'], true, false),
  core('ServiceAccount', 'serviceaccounts', true, ['sa'], false, false),
  core('Secret', 'secrets', true, [], false, false),
  core('ConfigMap', 'configmaps', true, ['cm'], false, false),
  core('Service', 'services', true, ['svc'], true, false, ['all']),
  core('Pod', 'pods', true, ['po'], true, false, ['all']),
  core('Event', 'events', true, ['ev'], false, false),
  core('Endpoints', 'endpoints', true, ['ep'], false, false),
  core('Node', 'nodes', false, ['no'], true, false),
  apps('Deployment', 'deployments', ['deploy']),
  apps('ReplicaSet', 'replicasets', ['rs']),
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    namespaced: true,
    shortNames: ['pdb'],
    hasStatus: true,
    tracksGeneration: true,
  },
  rbac('Role', 'roles', true),
  rbac('RoleBinding', 'rolebindings', true),
  rbac('ClusterRole', 'clusterroles', false),
  rbac('ClusterRoleBinding', 'clusterrolebindings', false),
];

function core(
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
  tracksGeneration: boolean,
  categories?: string[],
): ResourceType {
  const t: ResourceType = {
    group: '',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    hasStatus,
    tracksGeneration,
  };
  if (categories) t.categories = categories;
  return t;
}

function apps(kind: string, plural: string, shortNames: string[]): ResourceType {
  return {
    group: 'apps',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames,
    hasStatus: true,
    tracksGeneration: true,
    categories: ['all'],
  };
}

function rbac(kind: string, plural: string, namespaced: boolean): ResourceType {
  return {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    hasStatus: false,
    tracksGeneration: false,
  };
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** `deployments.apps`, `pods` — the name Kubernetes uses in error messages. */
export function qualifiedName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export function findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

export function verbsOf(_t: ResourceType): string[] {
  return ALL_VERBS;
}

export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
  return [...seen.values()];
}

export const RESOURCE = {
  namespaces: byPlural('', 'namespaces'),
  pods: byPlural('', 'pods'),
  services: byPlural('', 'services'),
  events: byPlural('', 'events'),
  endpoints: byPlural('', 'endpoints'),
  nodes: byPlural('', 'nodes'),
  secrets: byPlural('', 'secrets'),
  deployments: byPlural('apps', 'deployments'),
  replicasets: byPlural('apps', 'replicasets'),
};

function byPlural(group: string, plural: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.group === group && r.plural === plural);
  if (!t) throw new Error(`resource table lacks ${plural}`);
  return t;
}
