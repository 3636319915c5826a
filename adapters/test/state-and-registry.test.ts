// The state store against a real Azurite and the registry/kube readers against the real sim (both started here on
// free ports, both stopped afterwards).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedDeploymentRecord, type DeploymentRecord } from '../../core/deployment-record';
import { addressRange, INTERNAL_LB_ANNOTATION, serviceExposure } from '../../core/service-exposure';
import { emptyTargetState } from '../../core/target-state';
import { REQUESTED_IP_ANNOTATION } from '../../sim/controllers/service';
import { parseTarget, type KubeconfigTarget } from '../../core/targets';
import { kubeReaderFor } from '../cluster-reader';
import { createRegistryClient, RegistryReader } from '../registry';
import { DeploymentStore, MAX_CAS_ATTEMPTS, TargetStore } from '../state-store';
import {
  azuriteTablesUrl,
  readyUrl,
  startAzuriteTables,
  startZeroDelaySim,
  stopProcess,
} from '../../test/support/node-process';
import { freePorts } from '../../test/support/stack';
import { tableClient } from '../tables';

const children: ChildProcess[] = [];
let dir = '';
let tablesUrl = '';
let registryUrl = '';
let kubeconfig = '';
let k8sUrl = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elb-adapters-'));
  const [port] = (await freePorts(1)) as [number];
  const azurite = await startAzuriteTables(port);
  children.push(azurite.child);
  tablesUrl = azuriteTablesUrl(port);
  const sim = await startZeroDelaySim({ entry: ['--import', 'tsx', 'sim/cli.ts'], stateDir: join(dir, 'sim') });
  children.push(sim.child);
  registryUrl = readyUrl(sim.output, 'sim-registry');
  kubeconfig = join(dir, 'sim', 'kubeconfig');
  k8sUrl = readyUrl(sim.output, 'sim-k8s');
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map((c) => stopProcess(c)));
  rmSync(dir, { recursive: true, force: true });
});

describe('TargetStore on Azurite', () => {
  it('round-trips a target row and never loses a concurrent update (ETag compare-and-swap)', async () => {
    const store = new TargetStore(tableClient('targetscas', tablesUrl));
    expect((await store.get('local')).state).toEqual(emptyTargetState('local'));
    // As many writers as a write has tries, each appending its mark: every conflict means another writer landed, so
    // all of them must land, however slow storage is.
    await Promise.all(
      Array.from({ length: MAX_CAS_ATTEMPTS }, (_, i) =>
        store.update('local', (s) => ({
          next: { ...s, apiVersion: `${s.apiVersion ?? ''}[${i}]` },
          result: undefined,
        })),
      ),
    );
    const marks = (await store.get('local')).state.apiVersion!.match(/\[\d+\]/g)!;
    expect(new Set(marks).size).toBe(MAX_CAS_ATTEMPTS);
  });

  it('lets exactly one of 20 concurrent lease attempts win', async () => {
    const store = new TargetStore(tableClient('targetslease', tablesUrl));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update('local', (s) =>
          s.activeInstanceId
            ? { next: null, result: false }
            : { next: { ...s, activeInstanceId: `d${i}` }, result: true },
        ),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('DeploymentStore on Azurite', () => {
  /** The i-th queued deploy of `local`, one second after the one before. */
  const record = (i: number): DeploymentRecord =>
    queuedDeploymentRecord({
      deployId: `local-d${i}`,
      target: 'local',
      reason: 'update',
      requester: 'tester',
      requestedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      tag: '3.4',
      digest: null,
    });

  it('lists newest first, keeps only the newest N, finds by id', async () => {
    const store = new DeploymentStore(tableClient('deploymentsbounded', tablesUrl), 5);
    for (let i = 0; i < 8; i++) await store.create(record(i));
    const list = await store.list('local');
    expect(list.map((r) => r.deploy_id)).toEqual(['local-d7', 'local-d6', 'local-d5', 'local-d4', 'local-d3']);
    const timeline = [
      {
        name: 'applying_manifests' as const,
        status: 'failed' as const,
        startedAt: '2026-01-01T00:00:07.000Z',
        endedAt: '2026-01-01T00:00:08.500Z',
        detail: 'apply_failed: x',
      },
    ];
    expect((await store.get('local', 'local-d7'))?.timeline).toEqual([]);
    await store.update('local', 'local-d7', {
      status: 'failed',
      phase_seconds: { applying_manifests: 1.5 },
      timeline,
    });
    expect(await store.findAny('local-d7')).toMatchObject({
      status: 'failed',
      phase_seconds: { applying_manifests: 1.5 },
      timeline,
    });
    expect(await store.findAny("x' or true")).toBeNull();
  });
});

describe('RegistryReader on the sim registry (anonymous, loopback http)', () => {
  it('resolves tags to digests and lists tags', async () => {
    const reader = new RegistryReader(createRegistryClient(registryUrl));
    const tags = await reader.listTags('elb-openapi');
    expect(tags.tags).toEqual(expect.arrayContaining(['3.3', '3.4']));
    const digest = await reader.resolveTag('elb-openapi', '3.4');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tags.digests['3.4']).toBe(digest);
    expect(await reader.hasDigest('elb-openapi', digest)).toBe(true);
    expect(await reader.hasDigest('elb-openapi', `sha256:${'0'.repeat(64)}`)).toBe(false);
    await expect(reader.resolveTag('elb-openapi', '9.9')).rejects.toMatchObject({ code: 'image_not_found' });
  });

  it('refuses plain http anywhere but loopback', () => {
    expect(() => createRegistryClient('http://registry.example.com')).toThrow(
      expect.objectContaining({ code: 'invalid_settings' }),
    );
  });
});

describe('KubeReader on the sim cluster', () => {
  it('reads an empty namespace as "nothing deployed" rather than an error', async () => {
    const target = parseTarget(
      { name: 'local', kind: 'kubeconfig', kubeconfig, context: 'elb-sim', namespace: 'elb-openapi' },
      0,
    ) as KubeconfigTarget;
    const kube = await kubeReaderFor(target);
    expect(await kube.deployment()).toBeNull();
    expect(await kube.service()).toEqual({
      exists: false,
      externalIp: null,
      port: null,
      annotations: {},
      scheme: 'http',
    });
    expect(await kube.apiToken()).toBeNull();
    expect(await kube.pods()).toEqual([]);
  });

  it('reads the annotations and port protocol that decide exposure and scheme (an internal LB, a local one)', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${k8sUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
    };
    const service = (namespace: string, annotations: Record<string, string>, port: Record<string, unknown>) =>
      post(`/api/v1/namespaces/${namespace}/services`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'elb-openapi', namespace, annotations },
        spec: { type: 'LoadBalancer', selector: { app: 'none' }, ports: [{ protocol: 'TCP', ...port }] },
      });
    for (const ns of ['hero-internal', 'hero-local']) {
      await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    // As AKS is asked for an internal LB with a fixed frontend address; the port declares https.
    await service(
      'hero-internal',
      { [INTERNAL_LB_ANNOTATION]: 'true', [REQUESTED_IP_ANNOTATION]: '10.240.0.7' },
      { name: 'https', port: 443, targetPort: 8443 },
    );
    await service('hero-local', {}, { name: 'http', port: 8080, targetPort: 'http' });

    const read = async (namespace: string) => {
      const target = parseTarget(
        { name: 'local', kind: 'kubeconfig', kubeconfig, context: 'elb-sim', namespace },
        0,
      ) as KubeconfigTarget;
      const kube = await kubeReaderFor(target);
      // The sim's LoadBalancer answers within its (zero) delay plus a controller tick.
      for (let i = 0; i < 50; i++) {
        const svc = await kube.service();
        if (svc.externalIp) return svc;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no address for ${namespace}`);
    };
    const internal = await read('hero-internal');
    expect(internal).toMatchObject({ exists: true, externalIp: '10.240.0.7', port: 443, scheme: 'https' });
    expect(internal.annotations[INTERNAL_LB_ANNOTATION]).toBe('true');
    expect(serviceExposure({ annotations: internal.annotations, address: internal.externalIp })).toBe('internal');
    expect(addressRange(internal.externalIp!)).toBe('private');

    const local = await read('hero-local');
    expect(local).toMatchObject({ exists: true, port: 8080, scheme: 'http', annotations: {} });
    expect(addressRange(local.externalIp!)).toBe('loopback');
    expect(serviceExposure({ annotations: local.annotations, address: local.externalIp })).toBe('loopback');
  });

  it('reports a missing context clearly', async () => {
    const target = parseTarget(
      { name: 'local', kind: 'kubeconfig', kubeconfig, context: 'nope' },
      0,
    ) as KubeconfigTarget;
    await expect(kubeReaderFor(target)).rejects.toMatchObject({ code: 'kubeconfig_context_missing' });
  });
});
