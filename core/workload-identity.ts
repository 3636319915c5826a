// Exact `az` commands that give the service an Azure workload identity on an AKS target: a user-assigned managed
// identity per cluster, a federated credential for the service account, and role assignments. Every command is
// idempotent (create is a PUT; role assignments are listed before they are created). Pure: the activity sends these
// through the exec server and feeds the answers back into the parsers here.
import { sha256Hex } from './canonical-json';
import { DomainError } from './errors';
import { APP_NAME } from './manifests';
import { AksTarget, clusterResourceId, RoleAssignmentSpec } from './targets';

export const FEDERATED_CREDENTIAL_NAME = 'fc-elb-openapi';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** Lets the service fetch its own cluster credentials (elastic-blast submits jobs to the cluster it runs on). */
export const AKS_CLUSTER_USER_ROLE = 'Azure Kubernetes Service Cluster User Role';

export interface ExecStepSpec {
  argv: string[];
  timeout_seconds: number;
}

export interface ClusterFacts {
  location: string;
  issuer: string;
}

export interface IdentityFacts {
  clientId: string;
  principalId: string;
  id: string;
}

/** Per-cluster identity name, so two clusters in one resource group never share a federated credential. */
export function identityName(t: AksTarget): string {
  return `id-elb-openapi-${sha256Hex(`${t.subscriptionId}/${t.resourceGroup}/${t.clusterName}`.toLowerCase()).slice(0, 10)}`;
}

export function serviceAccountSubject(t: AksTarget): string {
  return `system:serviceaccount:${t.namespace}:${APP_NAME}`;
}

/** `az login --identity` first: each exec request has a private, empty Azure CLI profile. */
export function azLogin(execIdentityClientId: string | null): ExecStepSpec {
  return {
    argv: [
      'az',
      'login',
      '--identity',
      ...(execIdentityClientId ? ['--client-id', execIdentityClientId] : []),
      '--allow-no-subscriptions',
      '--only-show-errors',
      '--output',
      'none',
    ],
    timeout_seconds: 120,
  };
}

/** How every `az aks …` command names the target's cluster. */
export function aksClusterArgs(t: AksTarget): string[] {
  return ['--subscription', t.subscriptionId, '--resource-group', t.resourceGroup, '--name', t.clusterName];
}

export function showClusterStep(t: AksTarget): ExecStepSpec {
  return {
    argv: [
      'az',
      'aks',
      'show',
      ...aksClusterArgs(t),
      '--query',
      '{location: location, issuer: oidcIssuerProfile.issuerUrl, workloadIdentity: securityProfile.workloadIdentity.enabled}',
      '--output',
      'json',
      '--only-show-errors',
    ],
    timeout_seconds: 60,
  };
}

export function parseClusterFacts(stdout: string, t: AksTarget): ClusterFacts {
  const o = parseJson(stdout, 'az aks show') as { location?: string; issuer?: string; workloadIdentity?: boolean };
  if (!o.issuer || o.workloadIdentity !== true) {
    throw new DomainError(
      'workload_identity_unsupported',
      `cluster ${t.clusterName} needs the OIDC issuer and workload identity enabled (az aks update --enable-oidc-issuer --enable-workload-identity)`,
      400,
    );
  }
  if (!o.location) throw new DomainError('workload_identity_failed', 'az aks show returned no location', 502);
  return { location: o.location, issuer: o.issuer };
}

export function identitySteps(t: AksTarget, facts: ClusterFacts): ExecStepSpec[] {
  const name = identityName(t);
  return [
    {
      argv: [
        'az',
        'identity',
        'create',
        '--subscription',
        t.subscriptionId,
        '--resource-group',
        t.resourceGroup,
        '--name',
        name,
        '--location',
        facts.location,
        '--tags',
        'managedBy=elb-control',
        '--output',
        'json',
        '--only-show-errors',
      ],
      timeout_seconds: 120,
    },
    {
      argv: [
        'az',
        'identity',
        'federated-credential',
        'create',
        '--subscription',
        t.subscriptionId,
        '--resource-group',
        t.resourceGroup,
        '--identity-name',
        name,
        '--name',
        FEDERATED_CREDENTIAL_NAME,
        '--issuer',
        facts.issuer,
        '--subject',
        serviceAccountSubject(t),
        '--audiences',
        TOKEN_EXCHANGE_AUDIENCE,
        '--output',
        'none',
        '--only-show-errors',
      ],
      timeout_seconds: 120,
    },
  ];
}

export function parseIdentity(stdout: string): IdentityFacts {
  const o = parseJson(stdout, 'az identity create') as { clientId?: string; principalId?: string; id?: string };
  if (!o.clientId || !o.principalId || !o.id) {
    throw new DomainError('workload_identity_failed', 'az identity create returned no client/principal id', 502);
  }
  return { clientId: o.clientId, principalId: o.principalId, id: o.id };
}

/** The role assignments the identity gets: the cluster user role plus the target's configured ones. */
export function requiredRoles(t: AksTarget): RoleAssignmentSpec[] {
  const all = [{ role: AKS_CLUSTER_USER_ROLE, scope: clusterResourceId(t) }, ...t.roleAssignments];
  const seen = new Set<string>();
  return all.filter((r) => {
    const key = `${r.role.toLowerCase()}|${r.scope.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function listRoleStep(t: AksTarget, principalId: string, r: RoleAssignmentSpec): ExecStepSpec {
  return {
    argv: [
      'az',
      'role',
      'assignment',
      'list',
      '--subscription',
      t.subscriptionId,
      '--assignee',
      principalId,
      '--role',
      r.role,
      '--scope',
      r.scope,
      '--output',
      'json',
      '--only-show-errors',
    ],
    timeout_seconds: 60,
  };
}

/** By object id and principal type: no directory lookup, so a just-created identity is assignable at once. */
export function createRoleStep(t: AksTarget, principalId: string, r: RoleAssignmentSpec): ExecStepSpec {
  return {
    argv: [
      'az',
      'role',
      'assignment',
      'create',
      '--subscription',
      t.subscriptionId,
      '--assignee-object-id',
      principalId,
      '--assignee-principal-type',
      'ServicePrincipal',
      '--role',
      r.role,
      '--scope',
      r.scope,
      '--output',
      'none',
      '--only-show-errors',
    ],
    timeout_seconds: 120,
  };
}

export function roleAssignmentExists(stdout: string): boolean {
  const list = parseJson(stdout, 'az role assignment list');
  return Array.isArray(list) && list.length > 0;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('workload_identity_failed', `${what} did not return JSON`, 502);
  }
}
