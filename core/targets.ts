// Targets are configured server-side (ELB_TARGETS / ELB_TARGETS_FILE) and never taken from a request body.
import { DomainError } from './errors';

export interface RbacBinding {
  /** ClusterRole the service account is bound to. */
  clusterRole: string;
  /** `namespace` → RoleBinding in the target namespace; `cluster` → ClusterRoleBinding. */
  scope: 'namespace' | 'cluster';
}

export interface RoleAssignmentSpec {
  /** Built-in role name or role definition id, passed to `az role assignment create --role`. */
  role: string;
  /** ARM scope (resource id). */
  scope: string;
}

interface TargetCommon {
  name: string;
  namespace: string;
  /** Port the LoadBalancer Service exposes (80 in production; 8080 locally so nothing needs root). */
  servicePort: number;
  /** AKS: expose through a public LoadBalancer instead of an internal one. */
  publicLoadBalancer: boolean;
  rbac: RbacBinding | null;
  replicas: number;
  /** Extra environment for the elb-openapi container (plain, non-secret values). */
  env: Record<string, string>;
}

export interface KubeconfigTarget extends TargetCommon {
  kind: 'kubeconfig';
  kubeconfig: string;
  context: string | null;
}

export interface AksTarget extends TargetCommon {
  kind: 'aks';
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  /** Extra role assignments for the workload identity (beyond what the service always needs). */
  roleAssignments: RoleAssignmentSpec[];
}

export type Target = KubeconfigTarget | AksTarget;

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ARM_NAME = /^[-\w._()]{1,90}$/;
const CLUSTER_NAME = /^[a-zA-Z0-9][-_a-zA-Z0-9]{0,62}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const RESERVED_ENV = new Set([
  'ELB_OPENAPI_API_TOKEN',
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_FEDERATED_TOKEN_FILE',
]);

export function isValidTargetName(name: string): boolean {
  return NAME.test(name);
}

function fail(message: string): never {
  throw new DomainError('invalid_targets', message, 500);
}

function str(obj: Record<string, unknown>, key: string, where: string, pattern?: RegExp): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) fail(`${where}: "${key}" must be a non-empty string`);
  if (pattern && !pattern.test(v)) fail(`${where}: "${key}" has an invalid value`);
  return v;
}

function optionalInt(obj: Record<string, unknown>, key: string, where: string, min: number, max: number, dflt: number) {
  const v = obj[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${where}: "${key}" must be an integer between ${min} and ${max}`);
  }
  return v;
}

function parseRbac(v: unknown, where: string): RbacBinding | null {
  if (v === undefined) return { clusterRole: 'edit', scope: 'namespace' };
  if (v === null || v === false) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail(`${where}: "rbac" must be an object, null or false`);
  const o = v as Record<string, unknown>;
  const clusterRole = str(o, 'clusterRole', `${where}.rbac`, /^[a-z0-9]([-a-z0-9:.]*[a-z0-9])?$/);
  const scope = o.scope ?? 'namespace';
  if (scope !== 'namespace' && scope !== 'cluster') fail(`${where}.rbac: "scope" must be "namespace" or "cluster"`);
  return { clusterRole, scope };
}

function parseEnv(v: unknown, where: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where}: "env" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
    if (!ENV_NAME.test(k) || RESERVED_ENV.has(k)) fail(`${where}.env: "${k}" is not an allowed variable name`);
    if (typeof val !== 'string') fail(`${where}.env: "${k}" must be a string`);
    out[k] = val;
  }
  return out;
}

/**
 * The only grants a target may ask for its workload identity: what elb-openapi needs (blob data on a storage
 * account) and the cluster user role it always gets. The production exec policy allows exactly these
 * (docs/exec.md), so anything else is refused here, when the settings load, not half-way through a deploy.
 */
const GRANTABLE: readonly { roles: readonly string[]; scope: RegExp }[] = [
  {
    roles: ['Storage Blob Data Contributor', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'],
    scope:
      /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/,
  },
  {
    roles: ['Azure Kubernetes Service Cluster User Role', '4abbcc35-e782-43d8-92c5-2d3473bafce6'],
    scope:
      /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.ContainerService\/managedClusters\/[A-Za-z0-9][-\w]{0,62}$/,
  },
];

function parseRoleAssignments(v: unknown, where: string): RoleAssignmentSpec[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`${where}: "roleAssignments" must be an array`);
  return v.map((item, i) => {
    if (typeof item !== 'object' || item === null) fail(`${where}.roleAssignments[${i}] must be an object`);
    const o = item as Record<string, unknown>;
    const role = str(o, 'role', `${where}.roleAssignments[${i}]`, /^[-\w .()]{1,100}$/);
    const scope = str(
      o,
      'scope',
      `${where}.roleAssignments[${i}]`,
      /^\/subscriptions\/[0-9a-fA-F-]{36}(\/[-\w.()]+)*$/,
    );
    if (!GRANTABLE.some((g) => g.roles.includes(role) && g.scope.test(scope))) {
      fail(
        `${where}.roleAssignments[${i}]: only Storage Blob Data Contributor on a storage account (or the AKS Cluster ` +
          'User Role on a cluster) may be granted; the exec policy refuses anything else',
      );
    }
    return { role, scope };
  });
}

export function parseTarget(raw: unknown, index: number): Target {
  const where = `targets[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${where} must be an object`);
  const o = raw as Record<string, unknown>;
  const name = str(o, 'name', where, NAME);
  const namespace = typeof o.namespace === 'string' ? o.namespace : 'elb-openapi';
  if (!NAME.test(namespace)) fail(`${where}: "namespace" has an invalid value`);
  if (o.publicLoadBalancer !== undefined && typeof o.publicLoadBalancer !== 'boolean') {
    fail(`${where}: "publicLoadBalancer" must be a boolean`);
  }
  const common: TargetCommon = {
    name,
    namespace,
    servicePort: optionalInt(o, 'servicePort', where, 1, 65535, 80),
    publicLoadBalancer: o.publicLoadBalancer === true,
    rbac: parseRbac(o.rbac, where),
    replicas: optionalInt(o, 'replicas', where, 1, 10, 1),
    env: parseEnv(o.env, where),
  };
  if (o.kind === 'kubeconfig') {
    const context = o.context === undefined || o.context === null ? null : str(o, 'context', where);
    return { ...common, kind: 'kubeconfig', kubeconfig: str(o, 'kubeconfig', where), context };
  }
  if (o.kind === 'aks') {
    return {
      ...common,
      kind: 'aks',
      subscriptionId: str(o, 'subscriptionId', where, GUID),
      resourceGroup: str(o, 'resourceGroup', where, ARM_NAME),
      clusterName: str(o, 'clusterName', where, CLUSTER_NAME),
      roleAssignments: parseRoleAssignments(o.roleAssignments, where),
    };
  }
  return fail(`${where}: "kind" must be "kubeconfig" or "aks"`);
}

export function parseTargets(json: string): Target[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    fail('targets: not valid JSON');
  }
  if (!Array.isArray(raw) || raw.length === 0) fail('targets: must be a non-empty JSON array');
  const targets = raw.map(parseTarget);
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) fail(`targets: name "${t.name}" is used twice`);
    seen.add(t.name);
  }
  return targets;
}

/**
 * Picks the target a request means. With exactly one configured target a request may name none (seed behaviour);
 * otherwise the name is required.
 */
export function selectTarget(targets: readonly Target[], name: string | undefined | null): Target {
  if (name === undefined || name === null || name === '') {
    if (targets.length === 1) return targets[0]!;
    throw new DomainError('target_required', `several targets are configured; name one of: ${names(targets)}`, 400);
  }
  if (!NAME.test(name)) throw new DomainError('invalid_target', 'target must be a lowercase DNS label', 400);
  const found = targets.find((t) => t.name === name);
  if (!found) throw new DomainError('unknown_target', `no target named "${name}"`, 404);
  return found;
}

function names(targets: readonly Target[]): string {
  return targets.map((t) => t.name).join(', ');
}

/** The ARM resource id of an AKS target's cluster. */
export function clusterResourceId(t: AksTarget): string {
  return `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.clusterName}`;
}
