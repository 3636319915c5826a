// The commands that set up a target's workload identity, and how their answers are read.
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../targets';
import {
  createRoleStep,
  identitySteps,
  listRoleStep,
  parseClusterFacts,
  parseIdentity,
  requiredRoles,
  showClusterStep,
} from '../workload-identity';

describe('workload identity commands', () => {
  const t = parseTarget(
    {
      name: 'prod',
      kind: 'aks',
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-elb',
      clusterName: 'elb-aks',
      namespace: 'blast',
      roleAssignments: [
        {
          role: 'Storage Blob Data Contributor',
          scope:
            '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-elb/providers/Microsoft.Storage/storageAccounts/elbsa',
        },
      ],
    },
    0,
  );
  if (t.kind !== 'aks') throw new Error('aks expected');
  it('builds exact, idempotent az commands', () => {
    expect(showClusterStep(t).argv).toEqual([
      'az',
      'aks',
      'show',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'rg-elb',
      '--name',
      'elb-aks',
      '--query',
      '{location: location, issuer: oidcIssuerProfile.issuerUrl, workloadIdentity: securityProfile.workloadIdentity.enabled}',
      '--output',
      'json',
      '--only-show-errors',
    ]);
    const [identity, fic] = identitySteps(t, { location: 'westeurope', issuer: 'https://oidc.example/abc/' });
    expect(identity!.argv).toEqual([
      'az',
      'identity',
      'create',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'rg-elb',
      '--name',
      expect.stringMatching(/^id-elb-openapi-[0-9a-f]{10}$/),
      '--location',
      'westeurope',
      '--tags',
      'managedBy=elb-control',
      '--output',
      'json',
      '--only-show-errors',
    ]);
    expect(fic!.argv).toEqual([
      'az',
      'identity',
      'federated-credential',
      'create',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'rg-elb',
      '--identity-name',
      identity!.argv[8],
      '--name',
      'fc-elb-openapi',
      '--issuer',
      'https://oidc.example/abc/',
      '--subject',
      'system:serviceaccount:blast:elb-openapi',
      '--audiences',
      'api://AzureADTokenExchange',
      '--output',
      'none',
      '--only-show-errors',
    ]);
    const roles = requiredRoles(t);
    expect(roles.map((r) => r.role)).toEqual([
      'Azure Kubernetes Service Cluster User Role',
      'Storage Blob Data Contributor',
    ]);
    expect(listRoleStep(t, 'pid', roles[1]!).argv).toEqual([
      'az',
      'role',
      'assignment',
      'list',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--assignee',
      'pid',
      '--role',
      'Storage Blob Data Contributor',
      '--scope',
      roles[1]!.scope,
      '--output',
      'json',
      '--only-show-errors',
    ]);
    expect(createRoleStep(t, 'pid', roles[0]!).argv).toEqual([
      'az',
      'role',
      'assignment',
      'create',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--assignee-object-id',
      'pid',
      '--assignee-principal-type',
      'ServicePrincipal',
      '--role',
      'Azure Kubernetes Service Cluster User Role',
      '--scope',
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-elb/providers/Microsoft.ContainerService/managedClusters/elb-aks',
      '--output',
      'none',
      '--only-show-errors',
    ]);
  });
  it('names the identity per cluster', () => {
    const other = { ...t, clusterName: 'elb-aks-2' };
    expect(identitySteps(other, { location: 'l', issuer: 'https://i' })[0]!.argv[8]).not.toBe(
      identitySteps(t, { location: 'l', issuer: 'https://i' })[0]!.argv[8],
    );
  });
  it('parses az answers and refuses a cluster without workload identity', () => {
    expect(
      parseClusterFacts('{"location":"westeurope","issuer":"https://oidc/x/","workloadIdentity":true}', t),
    ).toEqual({ location: 'westeurope', issuer: 'https://oidc/x/' });
    expect(() => parseClusterFacts('{"location":"westeurope","issuer":null,"workloadIdentity":null}', t)).toThrow(
      expect.objectContaining({ code: 'workload_identity_unsupported' }),
    );
    expect(parseIdentity('{"clientId":"c","principalId":"p","id":"/x"}')).toEqual({
      clientId: 'c',
      principalId: 'p',
      id: '/x',
    });
    expect(() => parseIdentity('not json')).toThrow(expect.objectContaining({ code: 'workload_identity_failed' }));
  });
});
