// Least privilege, both ways. (1) Every command the product builds passes the policy it meets: the real builders and
// the real ClusterExec / setup-workload-identity activity run against representative targets, with an exec client
// that records each request instead of sending it (the exec server cannot run az here; what is checked is the
// request, with the same evaluate() the server uses). (2) Every part of each shipped policy — command, flag, enum
// value, flag combination, positional — is used by one of those commands or is an operator command the policy
// lists with its reason. A policy that grows without a product need fails here.
import { describe, expect, it } from 'vitest';

import { aksCredentialSteps, applyArgv, ClusterExec } from '../../adapters/cluster-exec';
import type { ExecClient } from '../../adapters/exec-client';
import type { AppConfig } from '../../core/config';
import type { AksTarget, KubeconfigTarget, Target } from '../../core/targets';
import {
  azLogin,
  createRoleStep,
  identitySteps,
  listRoleStep,
  requiredRoles,
  showClusterStep,
} from '../../core/workload-identity';
import type { ActivityDeps } from '../../orchestrations/activities/context';
import { setupWorkloadIdentity } from '../../orchestrations/activities/workload-identity';
import { compilePolicy, evaluate, type Policy } from '../policy';
import localDoc from '../policy/local.json';
import productionDoc from '../policy/production.json';
import { DEFAULT_POLICY } from '../../core/contract/policy';
import type { ExecRequest, ExecResult } from '../protocol';

const local = compilePolicy(localDoc);
const production = compilePolicy(productionDoc);

const SUB = '6f1c2a4e-0b7d-4c1e-9a53-2d8e7f6a1b90';
const CLIENT_ID = '0d3c6a8e-5b2f-4e71-8c9d-1a2b3c4d5e6f';
const PRINCIPAL = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const STORAGE = `/subscriptions/${SUB}/resourceGroups/rg-elb-data/providers/Microsoft.Storage/storageAccounts/elbdata01`;

function aks(overrides: Partial<AksTarget>): AksTarget {
  return {
    kind: 'aks',
    name: 'prod',
    namespace: 'elb-openapi',
    servicePort: 80,
    publicLoadBalancer: false,
    rbac: { clusterRole: 'edit', scope: 'namespace' },
    replicas: 1,
    env: {},
    policy: DEFAULT_POLICY,
    subscriptionId: SUB,
    resourceGroup: 'rg-elb',
    clusterName: 'aks-elb',
    roleAssignments: [],
    ...overrides,
  };
}

/** The AKS targets the product supports: bare, with blob access by role name and by role id, odd names. */
const AKS_TARGETS: AksTarget[] = [
  aks({}),
  aks({
    name: 'data',
    namespace: 'blast',
    roleAssignments: [{ role: 'Storage Blob Data Contributor', scope: STORAGE }],
  }),
  aks({
    name: 'by-id',
    resourceGroup: 'RG_Elb.(prod)-2',
    clusterName: 'Aks_Cluster-9',
    roleAssignments: [{ role: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe', scope: STORAGE }],
  }),
];
const KUBECONFIG_TARGET: KubeconfigTarget = {
  kind: 'kubeconfig',
  name: 'local',
  namespace: 'elb-openapi',
  servicePort: 8080,
  publicLoadBalancer: false,
  rbac: null,
  policy: DEFAULT_POLICY,
  replicas: 1,
  env: {},
  kubeconfig: __filename, // any readable file: the recorded request carries it, nothing parses it here
  context: null,
};

/** Answers like az/kubectl would, so the activity walks every branch; records what it was asked. */
function recordingClient(existingRoles: boolean): { client: ExecClient; requests: ExecRequest[] } {
  const requests: ExecRequest[] = [];
  const stdoutFor = (argv: string[]): string => {
    const words = argv.join(' ');
    if (words.startsWith('az aks show')) {
      return JSON.stringify({
        location: 'westeurope',
        issuer: 'https://westeurope.oic.prod-aks.azure.com/t/i/',
        workloadIdentity: true,
      });
    }
    if (words.startsWith('az identity create')) {
      return JSON.stringify({ clientId: CLIENT_ID, principalId: PRINCIPAL, id: `/subscriptions/${SUB}/x` });
    }
    if (words.startsWith('az role assignment list')) return existingRoles ? '[{"id":"x"}]' : '[]';
    return '';
  };
  const result = (argv: string[]): ExecResult => ({
    request_id: 'r',
    exit_code: 0,
    stdout: stdoutFor(argv),
    stderr: '',
    stdout_truncated: false,
    stderr_truncated: false,
    duration_ms: 1,
    timed_out: false,
  });
  const client = {
    run: async (request: ExecRequest): Promise<ExecResult> => {
      requests.push(request);
      if (request.steps) {
        const steps = request.steps.map((s) => result(s.argv));
        return { ...(steps.at(-1) as ExecResult), steps };
      }
      return result(request.argv ?? []);
    },
  } as unknown as ExecClient;
  return { client, requests };
}

function argvsOf(requests: ExecRequest[]): string[][] {
  return requests.flatMap((r) => (r.steps ? r.steps.map((s) => s.argv) : [r.argv ?? []]));
}

/** Every argv the product sends to the exec server, by running the product code that sends them. */
async function productCommands(): Promise<{ aks: string[][]; kubeconfig: string[][] }> {
  const aksArgvs: string[][] = [];
  for (const clientId of [CLIENT_ID, null]) {
    for (const existingRoles of [false, true]) {
      const { client, requests } = recordingClient(existingRoles);
      const clusterExec = new ClusterExec(client, 300, clientId, 0);
      for (const target of AKS_TARGETS) {
        await clusterExec.apply(target, '---\n{"kind":"Namespace"}\n'); // deploy and rollback both apply this way
        const deps = { config: { targets: AKS_TARGETS } as unknown as AppConfig, clusterExec } as ActivityDeps;
        const answer = await setupWorkloadIdentity({ target: target.name }, deps);
        expect(answer, JSON.stringify(answer)).toMatchObject({ ok: true });
      }
      aksArgvs.push(...argvsOf(requests));
    }
  }
  const { client, requests } = recordingClient(false);
  await new ClusterExec(client, 300, null, 0).apply(KUBECONFIG_TARGET, '---\n{}\n');
  expect(requests[0]?.files).toHaveProperty('kubeconfig');
  return { aks: aksArgvs, kubeconfig: argvsOf(requests) };
}

/** The builders called directly too, so a builder the activities stop calling is still checked. */
function builderCommands(): string[][] {
  const facts = { location: 'eastus', issuer: 'https://eastus.oic.prod-aks.azure.com/tenant/issuer/' };
  return AKS_TARGETS.flatMap((t: Target & AksTarget) => [
    applyArgv(),
    azLogin(null).argv,
    azLogin(CLIENT_ID).argv,
    ...aksCredentialSteps(t, CLIENT_ID).map((s) => s.argv),
    ...aksCredentialSteps(t, null).map((s) => s.argv),
    showClusterStep(t).argv,
    ...identitySteps(t, facts).map((s) => s.argv),
    ...requiredRoles(t).flatMap((r) => [listRoleStep(t, PRINCIPAL, r).argv, createRoleStep(t, PRINCIPAL, r).argv]),
  ]);
}

/** Each part of a policy a command can use, as a readable key. */
function policyParts(policy: Policy): string[] {
  const parts: string[] = [];
  for (const [name, binary] of policy.binaries) {
    const operator = (key: string) => policy.operatorCommands.has(`${name} ${key}`.trim());
    const globals = new Set<string>();
    for (const [, { canonical, rule }] of binary.globalFlags) {
      if (globals.has(canonical)) continue;
      globals.add(canonical);
      parts.push(`${name} global ${canonical}`);
      for (const v of rule.value === 'enum' ? (rule.values ?? []) : []) parts.push(`${name} global ${canonical}=${v}`);
    }
    for (const command of binary.commands) {
      if (operator(command.key)) continue;
      const base = `${name} ${command.key}`;
      parts.push(base);
      const seen = new Set<string>();
      for (const [, { canonical, rule }] of command.flags) {
        if (seen.has(canonical)) continue;
        seen.add(canonical);
        parts.push(`${base} ${canonical}`);
        for (const v of rule.value === 'enum' ? (rule.values ?? []) : []) parts.push(`${base} ${canonical}=${v}`);
      }
      command.combinations.forEach((_, i) => parts.push(`${base} combination ${i}`));
      if (command.positionals) parts.push(`${base} positionals`);
    }
  }
  return parts.sort();
}

/** The parts of a policy the given commands use (they must all be allowed). */
function usedParts(policy: Policy, argvs: string[][]): string[] {
  const used = new Set<string>();
  for (const argv of argvs) {
    const d = evaluate(policy, argv);
    if (!d.allowed) throw new Error(`${policy.name} denies ${argv.join(' ')}: ${d.rule}`);
    if (policy.operatorCommands.has(`${d.binary} ${d.verb}`.trim())) continue;
    const base = `${d.binary} ${d.verb}`;
    used.add(base);
    for (const f of d.flags) {
      const key = f.global ? `${d.binary} global ${f.flag}` : `${base} ${f.flag}`;
      used.add(key);
      if (f.value !== undefined) used.add(`${key}=${f.value}`);
    }
    if (d.combination !== undefined) used.add(`${base} combination ${d.combination}`);
    if (d.positionals > 0) used.add(`${base} positionals`);
  }
  return [...used];
}

describe('the shipped exec policies are least privilege', () => {
  it('the production policy allows every command the product builds, and nothing it does not', async () => {
    const product = await productCommands();
    const all = [...product.aks, ...product.kubeconfig, ...builderCommands()];
    // The recorded requests cover the credential, apply and identity paths with and without a client id.
    expect(product.aks.filter((a) => a[0] === 'az' && a[1] === 'role' && a[3] === 'create').length).toBeGreaterThan(3);
    expect(all.some((a) => a.join(' ').includes('kubelogin convert-kubeconfig --login msi --client-id'))).toBe(true);

    const used = new Set(usedParts(production, all));
    const unused = policyParts(production).filter((part) => !used.has(part));
    expect(unused, 'production policy parts no product command uses (remove them or list them under operator)').toEqual(
      [],
    );
  });

  it('the local policy allows the kubeconfig apply, and nothing else but its operator commands', async () => {
    const { kubeconfig } = await productCommands();
    expect(kubeconfig).toEqual([applyArgv()]);
    const used = new Set(usedParts(local, kubeconfig));
    expect(policyParts(local).filter((part) => !used.has(part))).toEqual([]);
  });

  it('denies every product command with a hostile flag added, before or after its subcommand', async () => {
    const product = await productCommands();
    const hostile = [
      ['--admin'],
      ['--debug'],
      ['-v=9'],
      ['--v', '9'],
      ['--token', 'stolen'],
      ['--server', 'https://evil.example'],
      ['--as', 'system:admin'],
      ['--insecure-skip-tls-verify'],
      ['--kubeconfig', '/etc/kubernetes/admin.conf'],
      ['--cache-dir', '/tmp/planted'], // the server alone sets it (docs/exec.md, The kubectl cache)
      ['--cache-dir=/tmp/planted'],
      ['--subscription', 'not-a-guid'],
      ['--output', 'yaml'],
      ['--role', 'Owner'],
      ['--scope', '/'],
      ['--file', '/root/.kube/config'],
      ['--login', 'azurecli'],
    ];
    let checked = 0;
    for (const argv of [...product.aks, ...product.kubeconfig]) {
      const words = argv[0] === 'kubectl' ? 4 : argv[0] === 'kubelogin' ? 2 : argv.findIndex((a) => a.startsWith('-'));
      for (const extra of hostile) {
        for (const at of [argv.length, words]) {
          const mutated = [...argv.slice(0, at), ...extra, ...argv.slice(at)];
          const d = evaluate(production, mutated);
          expect(d.allowed, mutated.join(' ')).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('lists each operator command with its reason, and only commands the policy defines', () => {
    expect([...production.operatorCommands.keys()].sort()).toEqual(['az account show', 'kubectl version']);
    expect([...local.operatorCommands.keys()]).toEqual(['kubectl version']);
    for (const why of [...production.operatorCommands.values(), ...local.operatorCommands.values()]) {
      expect(why.length).toBeGreaterThan(30);
    }
    expect(() =>
      compilePolicy({ ...localDoc, operator: { commands: { 'kubectl delete': 'cleaning up by hand is useful' } } }),
    ).toThrow(/not a command of policy.binaries/);
    expect(() => compilePolicy({ ...localDoc, operator: { commands: { 'kubectl version': '' } } })).toThrow(
      /must say why/,
    );
  });
});
