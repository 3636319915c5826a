// Contract check between the deploy path and the shipped policies: every command the activities build
// (adapters/cluster-exec.ts, core/workload-identity.ts) must pass the policy it will meet.
import { describe, expect, it } from 'vitest';

import { aksCredentialSteps, applyArgv } from '../../adapters/cluster-exec';
import type { AksTarget } from '../../core/targets';
import {
  azLogin,
  createRoleStep,
  identitySteps,
  listRoleStep,
  requiredRoles,
  showClusterStep,
} from '../../core/workload-identity';
import { compilePolicy, evaluate } from '../policy';
import localDoc from '../policy/local.json';
import productionDoc from '../policy/production.json';

const local = compilePolicy(localDoc);
const production = compilePolicy(productionDoc);

const target = {
  kind: 'aks',
  name: 'prod',
  namespace: 'elb-openapi',
  subscriptionId: '00000000-0000-0000-0000-000000000001',
  resourceGroup: 'rg-elb',
  clusterName: 'aks-elb',
  roleAssignments: [
    {
      role: 'Storage Blob Data Contributor',
      scope:
        '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-elb/providers/Microsoft.Storage/storageAccounts/elbsa',
    },
  ],
} as unknown as AksTarget;

const facts = { location: 'eastus', issuer: 'https://eastus.oic.prod-aks.azure.com/tenant-id/issuer-id/' };
const principal = '11111111-2222-3333-4444-555555555555';

function denial(policy: ReturnType<typeof compilePolicy>, argv: string[]): string | undefined {
  const d = evaluate(policy, argv);
  return d.allowed ? undefined : `${d.rule}: ${d.message}`;
}

describe('deploy commands against the shipped policies', () => {
  it('the apply passes the local and the production policy', () => {
    expect(denial(local, applyArgv())).toBeUndefined();
    expect(denial(production, applyArgv())).toBeUndefined();
  });

  it('every AKS credential and workload-identity command passes the production policy', () => {
    const argvs = [
      ...aksCredentialSteps(target, principal).map((s) => s.argv),
      ...aksCredentialSteps(target, null).map((s) => s.argv),
      azLogin(null).argv,
      showClusterStep(target).argv,
      ...identitySteps(target, facts).map((s) => s.argv),
      ...requiredRoles(target).flatMap((r) => [
        listRoleStep(target, principal, r).argv,
        createRoleStep(target, principal, r).argv,
      ]),
    ];
    expect(argvs.length).toBeGreaterThan(8);
    for (const argv of argvs) expect(denial(production, argv), argv.join(' ')).toBeUndefined();
  });
});
