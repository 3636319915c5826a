// The policy engine and the two shipped policies, evaluated directly (pure functions, no server).
import { describe, expect, it } from 'vitest';

import { compilePolicy, evaluate, PolicyFormatError, type Policy } from '../policy';
import localDoc from '../policy/local.json';
import productionDoc from '../policy/production.json';

const local = compilePolicy(localDoc);
const production = compilePolicy(productionDoc);

function allowed(policy: Policy, argv: string[]): boolean {
  return evaluate(policy, argv).allowed;
}
function rule(policy: Policy, argv: string[]): string | undefined {
  const d = evaluate(policy, argv);
  return d.allowed ? undefined : d.rule;
}

const K = ['kubectl', '--kubeconfig', 'kubeconfig'];

/** An engine-test policy: kubectl-like, with the features the shipped policies no longer use. */
const engine = compilePolicy({
  version: 1,
  name: 'engine',
  binaries: {
    kubectl: {
      global_flags: {
        '--kubeconfig': { value: 'kubeconfig' },
        '--namespace|-n': { value: 'name' },
        '--request-timeout': { value: 'pattern', pattern: '[0-9]+(ms|s|m|h)?' },
      },
      commands: {
        apply: {
          required_flags: ['--kubeconfig'],
          flags: {
            '--server-side': { value: 'none' },
            '--field-manager': { value: 'name' },
            '--filename|-f': { value: 'path', allow_stdin_dash: true },
          },
        },
        get: {
          required_flags: ['--kubeconfig'],
          flags: { '--output|-o': { value: 'pattern', pattern: 'json|yaml' } },
          positionals: { value: 'name', max: 2 },
        },
        'rollout status': { required_flags: ['--kubeconfig'], positionals: { value: 'name', min: 1, max: 1 } },
      },
    },
  },
});

describe('policy engine', () => {
  it.each([
    [[...K, 'apply', '--server-side', '--field-manager=elb-control', '-f', '-']],
    [[...K, '-n', 'elb-openapi', 'apply', '--server-side', '--field-manager', 'elb-control', '-f', '-']],
    [[...K, '--namespace=elb-openapi', 'get', 'pods', '-o', 'json']],
    [[...K, 'rollout', 'status', 'deployment/elb-openapi', '-n', 'elb-openapi']],
    [[...K, 'get', '--', 'pods']],
  ])('allows %j', (argv) => {
    expect(evaluate(engine, argv)).toMatchObject({ allowed: true, binary: 'kubectl' });
  });

  it.each([
    ['an unnamed subcommand', [...K, 'exec', 'pod', '--', 'sh'], 'binaries.kubectl.commands'],
    ['rollout without a verb', [...K, 'rollout'], 'binaries.kubectl.commands'],
    ['rollout restart', [...K, 'rollout', 'restart', 'deploy/x'], 'binaries.kubectl.commands'],
    ['an unnamed flag', [...K, 'get', 'pods', '--token', 'abc'], 'binaries.kubectl.commands.get.flags'],
    [
      'an unnamed flag before the verb',
      ['kubectl', '--server', 'http://evil', 'get', 'pods'],
      'binaries.kubectl.global_flags',
    ],
    ['a combined short flag value', [...K, 'get', 'pods', '-nfoo'], 'binaries.kubectl.commands.get.flags'],
    [
      'a command flag value',
      [...K, 'get', 'pods', '-o', 'go-template={{.}}'],
      'binaries.kubectl.commands.get.flags.--output',
    ],
    [
      'a global flag value',
      [...K, 'get', 'pods', '--request-timeout', '1y'],
      'binaries.kubectl.global_flags.--request-timeout',
    ],
    ['a missing required flag', ['kubectl', 'get', 'pods'], 'binaries.kubectl.commands.get.required_flags'],
    ['a flag-looking positional', [...K, 'get', '--', '-x'], 'binaries.kubectl.commands.get.positionals'],
    [
      'too many positionals',
      [...K, 'rollout', 'status', 'a', 'b'],
      'binaries.kubectl.commands.rollout status.positionals',
    ],
    ['too few positionals', [...K, 'rollout', 'status'], 'binaries.kubectl.commands.rollout status.positionals'],
    ['a flag without its value', [...K, 'get', 'pods', '-n'], 'binaries.kubectl.global_flags.--namespace'],
  ])('denies %s', (_name, argv, expected) => {
    expect(rule(engine, argv)).toBe(expected);
  });

  it.each([
    ['..', '../kubeconfig'],
    ['nested ..', 'a/b/../../../kubeconfig'],
    ['absolute', '/etc/kubernetes/admin.conf'],
    ['a URL', 'https://example.com/kubeconfig'],
    ['empty', ''],
  ])('denies a %s kubeconfig path', (_name, value) => {
    for (const policy of [engine, local]) {
      expect(rule(policy, ['kubectl', '--kubeconfig', value, 'apply'])).toBe(
        'binaries.kubectl.global_flags.--kubeconfig',
      );
      expect(rule(policy, ['kubectl', `--kubeconfig=${value}`, 'apply'])).toBe(
        'binaries.kubectl.global_flags.--kubeconfig',
      );
    }
  });

  it('reports path arguments for the runtime check, and not stdin', () => {
    const d = evaluate(engine, [...K, 'apply', '-f', '-', '-f', 'extra.yaml']);
    expect(d.allowed && d.paths).toEqual([
      { where: '--kubeconfig', value: 'kubeconfig', kubeconfig: true },
      { where: '-f', value: 'extra.yaml', kubeconfig: false },
    ]);
  });

  it('never repeats a flag value in a denial message', () => {
    const d = evaluate(engine, [...K, 'get', 'pods', '--token=s3cr3t-value']);
    expect(d.allowed).toBe(false);
    expect(JSON.stringify(d)).not.toContain('s3cr3t-value');
  });

  it('allows flag values only in a listed combination, each flag once', () => {
    const p = compilePolicy({
      version: 1,
      name: 'combo',
      binaries: {
        tool: {
          commands: {
            grant: {
              flags: { '--role': { value: 'enum', values: ['a', 'b'] }, '--on': { value: 'name' } },
              flag_combinations: [
                { '--role': { value: 'enum', values: ['a'] }, '--on': { value: 'pattern', pattern: 'x-.*' } },
                { '--role': { value: 'enum', values: ['b'] }, '--on': { value: 'pattern', pattern: 'y-.*' } },
              ],
            },
          },
        },
      },
    });
    expect(evaluate(p, ['tool', 'grant', '--role', 'a', '--on', 'x-1'])).toMatchObject({
      allowed: true,
      combination: 0,
    });
    expect(evaluate(p, ['tool', 'grant', '--role', 'b', '--on', 'y-1'])).toMatchObject({
      allowed: true,
      combination: 1,
    });
    for (const argv of [
      ['tool', 'grant', '--role', 'a', '--on', 'y-1'],
      ['tool', 'grant', '--role', 'a'],
      ['tool', 'grant', '--role', 'a', '--on', 'x-1', '--on', 'y-1'],
    ]) {
      expect(rule(p, argv), argv.join(' ')).toBe('binaries.tool.commands.grant.flag_combinations');
    }
  });
});

describe('local policy', () => {
  it('allows the apply of a kubeconfig target and kubectl version', () => {
    expect(
      allowed(local, [...K, 'apply', '--server-side', '--field-manager=elb-control', '--force-conflicts', '-f', '-']),
    ).toBe(true);
    expect(allowed(local, ['kubectl', 'version', '--client', '-o', 'json'])).toBe(true);
  });

  it.each([
    ['delete of a namespace', [...K, 'delete', 'ns', 'elb-openapi'], 'binaries.kubectl.commands'],
    ['get of secrets', [...K, 'get', 'secrets', '-A', '-o', 'yaml'], 'binaries.kubectl.commands'],
    ['exec', [...K, 'exec', 'pod', '--', 'sh'], 'binaries.kubectl.commands'],
    ['proxy', [...K, 'proxy'], 'binaries.kubectl.commands'],
    ['port-forward', [...K, 'port-forward', 'svc/x', '80'], 'binaries.kubectl.commands'],
    ['cp', [...K, 'cp', 'a', 'b'], 'binaries.kubectl.commands'],
    ['config view', [...K, 'config', 'view', '--raw'], 'binaries.kubectl.commands'],
    ['auth can-i', [...K, 'auth', 'can-i', '*', '*'], 'binaries.kubectl.commands'],
    ['-v (logs bearer tokens)', [...K, '-v', '9', 'apply'], 'binaries.kubectl.global_flags'],
    [
      'another field manager',
      [...K, 'apply', '--server-side', '--field-manager=x', '-f', '-'],
      'binaries.kubectl.commands.apply.flags.--field-manager',
    ],
    [
      'a manifest file (only stdin)',
      [...K, 'apply', '-f', 'x.yaml'],
      'binaries.kubectl.commands.apply.flags.--filename',
    ],
    ['--prune', [...K, 'apply', '--prune', '-f', '-'], 'binaries.kubectl.commands.apply.flags'],
    ['-k (kustomize dirs)', [...K, 'apply', '-k', '.'], 'binaries.kubectl.commands.apply.flags'],
    ['a missing kubeconfig', ['kubectl', 'apply', '-f', '-'], 'binaries.kubectl.commands.apply.required_flags'],
  ])('denies %s', (_name, argv, expected) => {
    expect(rule(local, argv)).toBe(expected);
  });

  it('denies binaries it does not name', () => {
    for (const bin of ['az', 'sh', 'kubelogin', 'azcopy', 'git', 'elastic-blast', '']) {
      expect(rule(local, [bin, 'x'])).toBe('binaries');
    }
  });
});

const SUB = '6f1c2a4e-0b7d-4c1e-9a53-2d8e7f6a1b90';
const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1`;
const STORAGE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/elbdata01`;
const OID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const AKS_USER = 'Azure Kubernetes Service Cluster User Role';
const grant = (role: string, scope: string) => [
  'az',
  'role',
  'assignment',
  'create',
  '--subscription',
  SUB,
  '--assignee-object-id',
  OID,
  '--assignee-principal-type',
  'ServicePrincipal',
  '--role',
  role,
  '--scope',
  scope,
];
const CREDS = [
  'az',
  'aks',
  'get-credentials',
  '--subscription',
  SUB,
  '--resource-group',
  'rg',
  '--name',
  'aks1',
  '--file',
  'kubeconfig',
];

describe('production policy', () => {
  it.each([
    [grant(AKS_USER, CLUSTER)],
    [grant('4abbcc35-e782-43d8-92c5-2d3473bafce6', CLUSTER)],
    [grant('Storage Blob Data Contributor', STORAGE)],
    [grant('ba92f5b4-2d11-453d-a403-e96b0029c9fe', STORAGE)],
    [CREDS],
    [['az', 'login', '--identity', '--only-show-errors', '--output', 'none']],
    [['az', 'account', 'show', '--output', 'json']],
    [['kubelogin', 'convert-kubeconfig', '--login', 'msi', '--kubeconfig', 'kubeconfig']],
  ])('allows %j', (argv) => {
    expect(evaluate(production, argv)).toMatchObject({ allowed: true });
  });

  it.each([
    ['the admin credential', [...CREDS, '--admin'], 'binaries.az.commands.aks get-credentials.flags'],
    [
      'credentials outside the work dir',
      [...CREDS.slice(0, -1), '/root/.kube/config'],
      'binaries.az.commands.aks get-credentials.flags.--file',
    ],
    [
      'credentials in HOME (default path)',
      CREDS.slice(0, -2),
      'binaries.az.commands.aks get-credentials.required_flags',
    ],
    ['Owner', grant('Owner', CLUSTER), 'binaries.az.commands.role assignment create.flags.--role'],
    [
      'Contributor by id',
      grant('b24988ac-6180-42a0-ab88-20f7382dd24c', CLUSTER),
      'binaries.az.commands.role assignment create.flags.--role',
    ],
    [
      'a subscription scope',
      grant(AKS_USER, `/subscriptions/${SUB}`),
      'binaries.az.commands.role assignment create.flags.--scope',
    ],
    [
      'a resource group scope',
      grant(AKS_USER, `/subscriptions/${SUB}/resourceGroups/rg`),
      'binaries.az.commands.role assignment create.flags.--scope',
    ],
    [
      'a key vault scope',
      grant(
        'Storage Blob Data Contributor',
        `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`,
      ),
      'binaries.az.commands.role assignment create.flags.--scope',
    ],
    [
      'a scope below the cluster',
      grant(AKS_USER, `${CLUSTER}/namespaces/kube-system`),
      'binaries.az.commands.role assignment create.flags.--scope',
    ],
    [
      'blob access on a cluster',
      grant('Storage Blob Data Contributor', CLUSTER),
      'binaries.az.commands.role assignment create.flag_combinations',
    ],
    [
      'cluster access on a storage account',
      grant(AKS_USER, STORAGE),
      'binaries.az.commands.role assignment create.flag_combinations',
    ],
    [
      'a second scope',
      [...grant(AKS_USER, CLUSTER), '--scope', STORAGE],
      'binaries.az.commands.role assignment create.flag_combinations',
    ],
    [
      'a user as assignee type',
      grant(AKS_USER, CLUSTER).map((a) => (a === 'ServicePrincipal' ? 'User' : a)),
      'binaries.az.commands.role assignment create.flags.--assignee-principal-type',
    ],
    ['role assignment delete', ['az', 'role', 'assignment', 'delete', '--ids', 'x'], 'binaries.az.commands'],
    ['az rest', ['az', 'rest', '--url', 'https://management.azure.com/'], 'binaries.az.commands'],
    ['az vm run-command', ['az', 'vm', 'run-command', 'invoke'], 'binaries.az.commands'],
    ['az aks command invoke', ['az', 'aks', 'command', 'invoke'], 'binaries.az.commands'],
    ['az keyvault secret show', ['az', 'keyvault', 'secret', 'show'], 'binaries.az.commands'],
    ['az login with a password', ['az', 'login', '-u', 'x', '-p', 'y'], 'binaries.az.commands.login.flags'],
    ['az login without --identity', ['az', 'login'], 'binaries.az.commands.login.required_flags'],
    ['az --debug (prints tokens)', ['az', '--debug', 'account', 'show'], 'binaries.az.global_flags'],
    [
      'an identity elb-control does not own',
      ['az', 'identity', 'create', '--subscription', SUB, '--resource-group', 'rg', '--name', 'other'],
      'binaries.az.commands.identity create.flags.--name',
    ],
    ['kubelogin get-token', ['kubelogin', 'get-token'], 'binaries.kubelogin.commands'],
    [
      'azcopy',
      ['azcopy', 'copy', 'https://a.blob.core.windows.net/c', 'https://b.blob.core.windows.net/c'],
      'binaries',
    ],
    ['kubectl get secrets', [...K, 'get', 'secrets', '-A', '-o', 'yaml'], 'binaries.kubectl.commands'],
    ['kubectl delete ns', [...K, 'delete', 'ns', 'x'], 'binaries.kubectl.commands'],
    ['kubectl exec', [...K, 'exec', 'x'], 'binaries.kubectl.commands'],
  ])('denies %s', (_name, argv, expected) => {
    expect(rule(production, argv)).toBe(expected);
  });

  it('passes the managed identity variables but never EXEC_*', () => {
    expect(production.env.pass).toContain('IDENTITY_ENDPOINT');
    expect(production.env.pass.some((n) => n.startsWith('EXEC_'))).toBe(false);
    expect(production.kubeconfigExecCommands).toEqual(['kubelogin']);
  });
});

describe('policy format', () => {
  const minimal = { version: 1, name: 't', binaries: { tool: { commands: { run: {} } } } };

  it('compiles a minimal policy with safe defaults', () => {
    const p = compilePolicy(minimal);
    expect(p.env).toEqual({ path: '/usr/local/bin:/usr/bin:/bin', pass: [], set: {} });
    expect(evaluate(p, ['tool', 'run'])).toMatchObject({ allowed: true, verb: 'run', executable: 'tool' });
    expect(evaluate(p, ['tool', 'run', 'extra']).allowed).toBe(false);
  });

  it.each([
    ['a wrong version', { ...minimal, version: 2 }],
    ['an unknown key', { ...minimal, extra: true }],
    ['EXEC_TOKEN passed to children', { ...minimal, env: { pass: ['EXEC_TOKEN'] } }],
    ['HOME overridden', { ...minimal, env: { set: { HOME: '/root' } } }],
    ['a relative path root', { ...minimal, path_roots: ['tmp'] }],
    [
      'a relative executable with a slash',
      { ...minimal, binaries: { tool: { executable: 'bin/tool', commands: { run: {} } } } },
    ],
    [
      'an unknown value kind',
      { ...minimal, binaries: { tool: { commands: { run: { flags: { '--x': { value: 'any' } } } } } } },
    ],
    ['a prefix subcommand', { ...minimal, binaries: { tool: { commands: { a: {}, 'a b': {} } } } }],
    [
      'a bad regex',
      {
        ...minimal,
        binaries: { tool: { commands: { run: { flags: { '--x': { value: 'pattern', pattern: '(' } } } } } },
      },
    ],
    [
      'a required flag it does not define',
      { ...minimal, binaries: { tool: { commands: { run: { required_flags: ['--x'] } } } } },
    ],
    ['no commands', { ...minimal, binaries: { tool: { commands: {} } } }],
    [
      'a combination naming an undefined flag',
      { ...minimal, binaries: { tool: { commands: { run: { flag_combinations: [{ '--x': { value: 'name' } }] } } } } },
    ],
    [
      'an operator command the policy does not define',
      { ...minimal, operator: { commands: { 'tool walk': 'reason' } } },
    ],
  ])('rejects %s', (_name, doc) => {
    expect(() => compilePolicy(doc)).toThrow(PolicyFormatError);
  });
});
