// Phase setup_workload_identity (AKS only): managed identity, federated credential for the service account, role
// assignments — through the exec server's `az`, idempotently.
import { ActivityResult, WorkloadIdentityResult } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import {
  createRoleStep,
  FEDERATED_CREDENTIAL_NAME,
  identityName,
  identitySteps,
  listRoleStep,
  parseClusterFacts,
  parseIdentity,
  requiredRoles,
  roleAssignmentExists,
  showClusterStep,
} from '../../core/workload-identity';
import { ActivityDeps, activityDeps, asResult, targetNamed } from './context';

export interface WorkloadIdentityInput {
  target: string;
}

export async function setupWorkloadIdentity(
  input: WorkloadIdentityInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<WorkloadIdentityResult>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    if (target.kind !== 'aks')
      throw new DomainError('not_applicable', 'workload identity is only set up on AKS targets', 400);
    const [clusterJson] = await d.clusterExec.az([showClusterStep(target)]);
    const facts = parseClusterFacts(clusterJson ?? '', target);
    const [identityJson] = await d.clusterExec.az(identitySteps(target, facts));
    const identity = parseIdentity(identityJson ?? '');
    const assigned: string[] = [];
    for (const role of requiredRoles(target)) {
      const [listed] = await d.clusterExec.az([listRoleStep(target, identity.principalId, role)]);
      if (!roleAssignmentExists(listed ?? '[]'))
        await d.clusterExec.az([createRoleStep(target, identity.principalId, role)]);
      assigned.push(`${role.role} on ${role.scope}`);
    }
    return {
      status: 'configured',
      identity_name: identityName(target),
      client_id: identity.clientId,
      principal_id: identity.principalId,
      oidc_issuer: facts.issuer,
      federated_credential: FEDERATED_CREDENTIAL_NAME,
      roles_assigned: assigned,
    };
  });
}
