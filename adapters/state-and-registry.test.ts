// The state store against a real Azurite and the registry/kube readers against the real sim (both started here on
// free ports, both stopped afterwards).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyTargetState } from '../core/target-state';
import { parseTarget, type KubeconfigTarget } from '../core/targets';
import { kubeReaderFor } from './cluster-reader';
import { createRegistryClient, RegistryReader } from './registry';
import { DeploymentStore, TargetStore, type DeploymentRecord } from './state-store';
import { freePorts } from '../test/support/stack';
import { tableClient } from './tables';

const root = resolve(__dirname, '..');
const children: ChildProcess[] = [];
let dir = '';
let tablesUrl = '';
let registryUrl = '';
let kubeconfig = '';

function start(args: string[], ready: RegExp, lines: number): Promise<RegExpMatchArray[]> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((ok, fail) => {
    let out = '';
    const found: RegExpMatchArray[] = [];
    const timer = setTimeout(() => fail(new Error(`not ready: ${args.join(' ')}\n${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split('\n')) {
        const m = line.match(ready);
        if (m) found.push(m);
      }
      if (found.length >= lines) {
        clearTimeout(timer);
        ok(found);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elb-adapters-'));
  // Azurite does not report the port it picked for 0, so a free port is chosen first.
  const [port] = await freePorts(1);
  await start(
    [
      join(root, 'node_modules/azurite/dist/src/table/main.js'),
      ...['--tableHost', '127.0.0.1', '--tablePort', String(port), '--inMemoryPersistence', '--disableTelemetry'],
    ],
    /successfully started/,
    1,
  );
  tablesUrl = `http://127.0.0.1:${port}/devstoreaccount1`;
  const sim = await start(
    [
      '--import',
      'tsx',
      'sim/cli.ts',
      '--k8s-port',
      '0',
      '--registry-port',
      '0',
      '--state-dir',
      join(dir, 'sim'),
      '--ready-delay-ms',
      '0',
      '--lb-delay-ms',
      '0',
    ],
    /^READY (sim-k8s|sim-registry) (\S+)/,
    2,
  );
  registryUrl = sim.find((m) => m[1] === 'sim-registry')![2]!;
  kubeconfig = join(dir, 'sim', 'kubeconfig');
}, 120_000);

afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('TargetStore on Azurite', () => {
  it('round-trips a target row and never loses a concurrent update (ETag compare-and-swap)', async () => {
    const store = new TargetStore(tableClient('targetscas', tablesUrl));
    expect((await store.get('local')).state).toEqual(emptyTargetState('local'));
    // 20 writers each append their mark; optimistic concurrency must keep all 20.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update('local', (s) => ({
          next: { ...s, apiVersion: `${s.apiVersion ?? ''}[${i}]` },
          result: undefined,
        })),
      ),
    );
    const marks = (await store.get('local')).state.apiVersion!.match(/\[\d+\]/g)!;
    expect(new Set(marks).size).toBe(20);
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
  const record = (i: number): DeploymentRecord => ({
    deploy_id: `local-d${i}`,
    target: 'local',
    reason: 'update',
    requester: 'tester',
    status: 'queued',
    requested_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    finished_at: null,
    tag: '3.4',
    digest: null,
    image: null,
    previous_image: null,
    elapsed_seconds: null,
    phase_seconds: {},
    timeline: [],
    error: null,
    rollback_status: null,
    output: null,
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
    expect(await kube.service()).toEqual({ exists: false, externalIp: null, port: null });
    expect(await kube.apiToken()).toBeNull();
    expect(await kube.pods()).toEqual([]);
  });

  it('reports a missing context clearly', async () => {
    const target = parseTarget(
      { name: 'local', kind: 'kubeconfig', kubeconfig, context: 'nope' },
      0,
    ) as KubeconfigTarget;
    await expect(kubeReaderFor(target)).rejects.toMatchObject({ code: 'kubeconfig_context_missing' });
  });
});
