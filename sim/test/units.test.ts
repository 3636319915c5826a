// Pure pieces: selectors, patches, server-side apply ownership, image references, argument parsing.
import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from '../k8s/selectors';
import { jsonPatch, mergePatch, strategicMergePatch } from '../k8s/patch';
import { fieldsOf, fromFieldsV1, serverSideApply, toFieldsV1, trackUpdate } from '../k8s/ssa';
import { ApiError } from '../k8s/status';
import { parseImageRef } from '../registry/resolve';
import { intOrPercent, podTemplateHash } from '../controllers/deployment';
import { versionFor } from '../standin/spec';
import { parseArgs, UsageError } from '../args';
import type { JsonObject } from '../k8s/object';

describe('label selectors', () => {
  it('parses equality, set and existence requirements', () => {
    const reqs = parseLabelSelector('app=web,tier!=db,env in (a, b),!legacy,team');
    expect(matchesLabels({ app: 'web', env: 'a', team: 'x' }, reqs)).toBe(true);
    expect(matchesLabels({ app: 'web', env: 'c', team: 'x' }, reqs)).toBe(false);
    expect(matchesLabels({ app: 'web', env: 'a', team: 'x', legacy: '1' }, reqs)).toBe(false);
    expect(matchesLabels({ app: 'web', env: 'a' }, reqs)).toBe(false);
    expect(() => parseLabelSelector('a=b=c')).toThrow(ApiError);
  });
});

describe('patches', () => {
  it('merge patch deletes with null and replaces lists', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null }, l: [3] })).toEqual({
      a: 1,
      b: { d: 3 },
      l: [3],
    });
  });
  it('JSON patch applies operations in order and fails a test op', () => {
    expect(
      jsonPatch({ a: [1, 2] }, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/a/0', value: 0 },
        { op: 'remove', path: '/a/1' },
      ]),
    ).toEqual({ a: [0, 3] });
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(ApiError);
  });
  it('strategic merge patch merges containers by name and honours $patch: delete', () => {
    const target = {
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y' },
        ],
      },
    };
    const out = strategicMergePatch(target, {
      spec: {
        containers: [
          { name: 'a', image: 'z' },
          { name: 'b', $patch: 'delete' },
        ],
      },
    });
    expect(out).toEqual({ spec: { containers: [{ name: 'a', image: 'z' }] } });
  });
});

describe('server-side apply', () => {
  const base = (replicas: number, labels: Record<string, string>): JsonObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n', labels },
    spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } } },
  });
  const now = '2025-01-01T00:00:00Z';

  it('records keyed list items and defaults key fields (a port protocol of TCP)', () => {
    const set = fieldsOf(base(1, { a: '1' }), 'main', true);
    const tree = JSON.stringify(toFieldsV1(set));
    expect(tree).toContain('k:{\\"name\\":\\"c\\"}');
    expect(tree).toContain('k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}');
    expect(fromFieldsV1(toFieldsV1(set))).toEqual(set);
  });

  it('removes fields a manager stops applying, keeps fields others own, and conflicts on changed owned values', () => {
    const first = serverSideApply({
      live: undefined,
      applied: base(1, { a: '1', b: '2' }),
      manager: 'm1',
      force: false,
      apiVersion: 'apps/v1',
      hasStatus: true,
      now,
    });
    const live = {
      ...first.object,
      metadata: {
        ...(first.object.metadata as JsonObject),
        managedFields: first.managedFields as unknown as JsonObject[],
      },
    } as JsonObject;
    const second = serverSideApply({
      live,
      applied: base(1, { a: '1' }),
      manager: 'm1',
      force: false,
      apiVersion: 'apps/v1',
      hasStatus: true,
      now,
    });
    expect((second.object.metadata as JsonObject).labels).toEqual({ a: '1' });
    expect(() =>
      serverSideApply({
        live,
        applied: base(3, {}),
        manager: 'm2',
        force: false,
        apiVersion: 'apps/v1',
        hasStatus: true,
        now,
      }),
    ).toThrow(/conflict with "m1"/);
    const sameValue = serverSideApply({
      live,
      applied: base(1, {}),
      manager: 'm2',
      force: false,
      apiVersion: 'apps/v1',
      hasStatus: true,
      now,
    });
    expect(sameValue.managedFields.map((e) => e.manager)).toEqual(['m1', 'm2']);
  });

  it('gives an updater ownership of the fields it changed', () => {
    const old = base(1, { a: '1' });
    const next = base(2, { a: '1' });
    const entries = trackUpdate({ old, next, manager: 'kubectl-scale', apiVersion: 'apps/v1', hasStatus: true, now });
    expect(JSON.stringify(entries.find((e) => e.manager === 'kubectl-scale')!.fieldsV1)).toBe(
      '{"f:spec":{"f:replicas":{}}}',
    );
  });
});

describe('small pure helpers', () => {
  it('parses image references as container runtimes do', () => {
    expect(parseImageRef('127.0.0.1:5001/elb-openapi:3.4')).toEqual({
      host: '127.0.0.1:5001',
      repository: 'elb-openapi',
      tag: '3.4',
    });
    expect(parseImageRef(`elbacr01.azurecr.io/elb-openapi@sha256:${'a'.repeat(64)}`)).toEqual({
      host: 'elbacr01.azurecr.io',
      repository: 'elb-openapi',
      digest: `sha256:${'a'.repeat(64)}`,
    });
    expect(parseImageRef('nginx')).toEqual({ host: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    expect(parseImageRef('bad image')).toBeUndefined();
  });
  it('resolves int-or-percent like the deployment controller', () => {
    expect(intOrPercent('25%', 3, true)).toBe(1);
    expect(intOrPercent('25%', 3, false)).toBe(0);
    expect(intOrPercent(2, 3, false)).toBe(2);
  });
  it('hashes pod templates stably and name-safely', () => {
    const h = podTemplateHash({ spec: { containers: [{ name: 'a', image: 'b' }] } });
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(podTemplateHash({ spec: { containers: [{ image: 'b', name: 'a' }] } })).toBe(h);
  });
  it('derives the stand-in version from the image tag', () => {
    expect(versionFor(['3.4'], undefined)).toBe('3.4.0');
    expect(versionFor(['3.4.1'], undefined)).toBe('3.4.1');
    expect(versionFor(['latest'], undefined)).toBe('latest');
    expect(versionFor([], `sha256:${'b'.repeat(64)}`)).toBe('0.0.0+bbbbbbbbbbbb');
  });
  it('parses the CLI', () => {
    const serve = parseArgs(['--k8s-port', '0', '--registry-host', 'elbacr01.azurecr.io']);
    expect(serve).toMatchObject({
      kind: 'serve',
      options: { k8sPort: 0, registryPort: 5001, registryHost: 'elbacr01.azurecr.io', stateDir: '.local/sim' },
    });
    expect(parseArgs(['fault', '--k8s-url', 'http://127.0.0.1:9', 'add', 'api-errors', '--rate', '0.5'])).toEqual({
      kind: 'fault-add',
      k8sUrl: 'http://127.0.0.1:9',
      body: { type: 'api_errors', rate: 0.5 },
    });
    expect(parseArgs(['push', 'elb-openapi:3.4'])).toMatchObject({
      kind: 'push',
      repository: 'elb-openapi',
      tag: '3.4',
    });
    expect(() => parseArgs(['push', 'nocolon'])).toThrow(UsageError);
    expect(() => parseArgs(['--bogus'])).toThrow(UsageError);
  });

  it('parses the management-plane options, build faults and cluster verbs', () => {
    const serve = parseArgs([
      '--arm-port',
      '0',
      '--aks-port',
      '6443',
      '--build-delay-ms',
      '250',
      '--power-delay-ms',
      '0',
    ]);
    expect(serve).toMatchObject({
      kind: 'serve',
      options: { armPort: 0, aksPort: 6443, buildDelayMs: 250, powerDelayMs: 0, tokenTtlMs: 3_600_000 },
    });
    expect(parseArgs(['fault', 'add', 'build-fail', '--message', 'no space left'])).toMatchObject({
      kind: 'fault-add',
      body: { type: 'build_fail', message: 'no space left' },
    });
    expect(parseArgs(['fault', 'add', 'build-slow', '--delay-ms', '60000'])).toMatchObject({
      body: { type: 'build_slow', delay_ms: 60000 },
    });
    expect(parseArgs(['cluster', 'stop', '--k8s-url', 'http://127.0.0.1:9'])).toEqual({
      kind: 'cluster',
      k8sUrl: 'http://127.0.0.1:9',
      action: 'stop',
    });
    expect(() => parseArgs(['cluster', 'reboot'])).toThrow(UsageError);
    expect(() => parseArgs(['--cluster-resource-id', '/subscriptions/x/resourceGroups/rg'])).toThrow(UsageError);
    expect(() =>
      parseArgs([
        '--registry-resource-id',
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a',
      ]),
    ).toThrow(UsageError);
  });
});
