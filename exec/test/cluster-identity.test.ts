// The cluster identity that picks a kubectl cache dir (exec/cluster-identity.ts), and the policy rules around the
// server's own --cache-dir flag. Pure: no server, no kubectl.
import { describe, expect, it } from 'vitest';

import { canonicalJson, clusterIdentity } from '../cluster-identity';
import { KubectlCaches } from '../kubectl-cache';
import { compilePolicy, PolicyFormatError, type UsedFlag } from '../policy';
import localPolicy from '../policy/local.json';
import productionPolicy from '../policy/production.json';

const kubeconfig = (o: { server?: string; user?: string; names?: string; extra?: string } = {}): string => `
apiVersion: v1
kind: Config
current-context: ${o.names ?? 'c'}
contexts:
- name: ${o.names ?? 'c'}
  context: {cluster: ${o.names ?? 'c'}, user: ${o.names ?? 'c'}, namespace: ns-${o.names ?? 'c'}}
- name: other
  context: {cluster: other, user: other}
clusters:
- name: ${o.names ?? 'c'}
  cluster: {server: "${o.server ?? 'https://a.example:6443'}", certificate-authority-data: Q0E=}
- name: other
  cluster: {server: "https://b.example:6443"}
users:
- name: ${o.names ?? 'c'}
  user: ${o.user ?? '{token: t1}'}
- name: other
  user: {token: t2}
${o.extra ?? ''}`;

const id = (text: string, flags: UsedFlag[] = []) => clusterIdentity(text, '/work/req', '/work/req', flags);
const key = (text: string, flags: UsedFlag[] = []) => canonicalJson(id(text, flags));
const flag = (name: string, value: string): UsedFlag => ({ flag: name, global: true, value });

describe('cluster identity', () => {
  it('is the server and the whole cluster and user entries, not the names or the namespace', () => {
    const a = id(kubeconfig());
    expect(a?.server).toBe('https://a.example:6443');
    expect(key(kubeconfig({ names: 'renamed' }))).toBe(key(kubeconfig()));
  });

  it('differs with the server, the CA, the credential or the credential plugin', () => {
    const base = key(kubeconfig());
    expect(key(kubeconfig({ server: 'https://a.example:6444' }))).not.toBe(base);
    expect(key(kubeconfig({ user: '{token: t9}' }))).not.toBe(base);
    expect(key(kubeconfig({ user: '{client-certificate-data: QQ==, client-key-data: Qg==}' }))).not.toBe(base);
    const plugin = (arg: string) =>
      key(
        kubeconfig({
          user: `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin, args: [${arg}]}}`,
        }),
      );
    expect(plugin('--client-id=1')).not.toBe(plugin('--client-id=2'));
  });

  it('follows the connection flags: --context, --user, --server, --token and the impersonation flags', () => {
    const base = key(kubeconfig());
    expect(id(kubeconfig(), [flag('--context', 'other')])?.server).toBe('https://b.example:6443');
    expect(key(kubeconfig(), [flag('--user', 'other')])).not.toBe(base);
    expect(id(kubeconfig(), [flag('-s', 'https://c.example')])?.server).toBe('https://c.example');
    expect(key(kubeconfig(), [flag('--token', 'x')])).not.toBe(base);
    expect(key(kubeconfig(), [flag('--as', 'someone')])).not.toBe(base);
    // Flags that do not change who talks to which server leave it alone.
    expect(key(kubeconfig(), [flag('--kubeconfig', 'kubeconfig'), flag('--field-manager', 'elb-control')])).toBe(base);
  });

  it('names the credential files, resolved as kubectl resolves them, so their contents count too', () => {
    const text = kubeconfig({ user: '{client-certificate: certs/c.pem, client-key: /work/req/k.pem, tokenFile: t}' });
    const withCa = text.replace('certificate-authority-data: Q0E=', 'certificate-authority: ca.pem');
    expect(clusterIdentity(withCa, '/work/req/sub', '/work/req', [flag('--client-key', 'f.pem')])?.files).toEqual([
      '/work/req/sub/ca.pem',
      '/work/req/sub/certs/c.pem',
      '/work/req/k.pem',
      '/work/req/sub/t',
      '/work/req/f.pem',
    ]);
  });

  it('is undefined when kubectl could read it another way: no context, a missing or ambiguous entry, two spellings', () => {
    expect(id('not: [valid')).toBeUndefined();
    expect(id(kubeconfig().replace('current-context: c', ''))).toBeUndefined();
    expect(id(kubeconfig(), [flag('--context', 'absent')])).toBeUndefined();
    expect(id(kubeconfig({ extra: 'Current-Context: other' }))).toBeUndefined();
    const twice = kubeconfig().replace('- name: other\n  cluster:', '- name: c\n  cluster:');
    expect(id(twice)).toBeUndefined();
    expect(id(kubeconfig({ server: '' }))).toBeUndefined();
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: [2, { x: 2, y: 1 }] }, b: 1 }),
    );
  });
});

describe('the cluster_cache policy key', () => {
  it('is set for kubectl in both shipped policies, and the flag is no caller flag', () => {
    for (const doc of [localPolicy, productionPolicy]) {
      const kubectl = compilePolicy(doc).binaries.get('kubectl');
      expect(kubectl?.clusterCacheFlag).toBe('--cache-dir');
      expect(kubectl?.globalFlags.has('--cache-dir')).toBe(false);
      expect(kubectl?.commands.some((c) => c.flags.has('--cache-dir'))).toBe(false);
    }
  });

  it('refuses a policy that would also let callers give the flag, or set KUBECACHEDIR', () => {
    const withFlag = (where: 'global' | 'apply') => {
      const doc = structuredClone(localPolicy);
      const kubectl = doc.binaries.kubectl;
      if (where === 'global') Object.assign(kubectl.global_flags, { '--cache-dir': { value: 'path' } });
      else Object.assign(kubectl.commands.apply.flags, { '--cache-dir|--cachedir': { value: 'path' } });
      return doc;
    };
    expect(() => compilePolicy(withFlag('global'))).toThrow(/set by the exec server/);
    expect(() => compilePolicy(withFlag('apply'))).toThrow(PolicyFormatError);
    for (const env of [{ set: { KUBECACHEDIR: '/tmp/x' } }, { pass: ['KUBECACHEDIR'] }]) {
      const doc = { ...structuredClone(localPolicy), env: { ...localPolicy.env, ...env } };
      expect(() => compilePolicy(doc)).toThrow(/KUBECACHEDIR/);
    }
    const bad = structuredClone(localPolicy);
    bad.binaries.kubectl.cluster_cache = { flag: 'cache-dir' };
    expect(() => compilePolicy(bad)).toThrow(/long flag/);
  });
});

describe('cache dir names', () => {
  it('are a keyed hash: stable within one server, unrelated across servers, never the server or credential', async () => {
    const identity = id(kubeconfig())!;
    const root = '/nonexistent-kubectl-cache-root';
    const log = () => undefined;
    const one = new KubectlCaches(root, 1, log);
    const name = await one.nameFor(identity);
    expect(name).toMatch(/^[0-9a-f]{32}$/);
    expect(await one.nameFor(structuredClone(identity))).toBe(name);
    expect(await new KubectlCaches(root, 1, log).nameFor(identity)).not.toBe(name);
    // With the same key, any difference in the credential is a different name.
    const key = Buffer.alloc(32, 7);
    const other = id(kubeconfig({ user: '{token: t2}' }))!;
    expect(await new KubectlCaches(root, 1, log, key).nameFor(identity)).not.toBe(
      await new KubectlCaches(root, 1, log, key).nameFor(other),
    );
    // YAML aliases that expand to a huge tree are not hashed (nor expanded): no name.
    const lol = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lol.push(
        `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${`*${'abcdefghij'[i - 1]}, `.repeat(9)}*${'abcdefghij'[i - 1]}]`,
      );
    const bomb = `${lol.join('\n')}\n${kubeconfig({ user: '{token: t1, extensions: [{name: x, extension: *i}]}' })}`;
    const bombId = id(bomb);
    expect(bombId).toBeDefined();
    const started = Date.now();
    expect(await one.nameFor(bombId!)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    // A file the identity names but that cannot be read: no name, so no shared dir.
    expect(await one.nameFor({ ...identity, files: ['/nonexistent/cert.pem'] })).toBeUndefined();
  });
});
