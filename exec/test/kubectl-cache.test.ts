// The shared kubectl cache (docs/exec.md, The kubectl cache), end to end: the real exec server CLI, the real
// /usr/bin/kubectl, two in-process sims whose request logs show what kubectl asked the cluster. Discovery requests
// (`GET /api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`) are what a warm cache saves.
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestSim, type TestSim } from '../../sim/test/support';
import { post, startServer, waitFor, type RunningServer } from './harness';

const APPLY = [
  'kubectl',
  '--kubeconfig',
  'kubeconfig',
  'apply',
  '--server-side',
  '--field-manager=elb-control',
  '--force-conflicts',
  '-f',
  '-',
];
const MANIFESTS = `apiVersion: v1
kind: ConfigMap
metadata: {name: cache-probe, namespace: default}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache-probe, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: cache-probe}}
  template:
    metadata: {labels: {app: cache-probe}}
    spec:
      containers: [{name: c, image: example.invalid/probe:1}]
`;
const DISCOVERY = /^k8s GET \/(api|apis)(\/[^/?]+){0,2}\?/;

interface LoggedSim {
  sim: TestSim;
  /** `host_port`, as kubectl names the cluster's discovery dir. */
  hostDir: string;
  kubeconfig: string;
  /** Discovery requests since the last call. */
  discoveries(): number;
}

async function loggedSim(): Promise<LoggedSim> {
  const lines: string[] = [];
  const sim = await startTestSim({ log: (line) => lines.push(line), readyDelayMs: 0, lbDelayMs: 0 });
  let seen = 0;
  const url = new URL(sim.k8sUrl);
  return {
    sim,
    hostDir: `${url.hostname}_${url.port}`,
    kubeconfig: readFileSync(sim.kubeconfigPath, 'utf8'),
    discoveries: () => {
      const count = lines.slice(seen).filter((l) => DISCOVERY.test(l)).length;
      seen = lines.length;
      return count;
    },
  };
}

/** Same server, another credential: a bearer token the plain sim port ignores but kubectl sends. */
function withToken(kubeconfig: string, token: string): string {
  return kubeconfig.replace(/user: \{\}/, `user: {token: ${token}}`);
}

async function apply(server: RunningServer, kubeconfig: string): Promise<void> {
  const r = await post(server, { argv: APPLY, stdin: MANIFESTS, files: { kubeconfig }, timeout_seconds: 60 });
  expect(r.status, r.text).toBe(200);
  expect(r.body.exit_code, String(r.body.stderr)).toBe(0);
}

function cacheRoot(server: RunningServer): string {
  const [instance] = readdirSync(server.workRoot).filter((e) => e.startsWith('srv-'));
  return path.join(server.workRoot, instance as string, 'kubectl-cache');
}

function clusterDirs(server: RunningServer): string[] {
  try {
    return readdirSync(cacheRoot(server)).filter((e) => /^[0-9a-f]{32}$/.test(e));
  } catch {
    return [];
  }
}

/** The dir whose kubectl discovery cache is for this sim (every dir holds exactly one host's). */
function dirOf(server: RunningServer, s: LoggedSim): string[] {
  return clusterDirs(server).filter((d) =>
    readdirSync(path.join(cacheRoot(server), d, 'discovery')).includes(s.hostDir),
  );
}

describe('kubectl cache through the exec server', () => {
  let a: LoggedSim;
  let b: LoggedSim;
  let server: RunningServer;
  let off: RunningServer;

  beforeAll(async () => {
    [a, b, server, off] = await Promise.all([
      loggedSim(),
      loggedSim(),
      startServer(),
      startServer({ EXEC_KUBECTL_CACHE_MAX_BYTES: '0' }),
    ]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), off?.stop(), a?.sim.stop(), b?.sim.stop()]);
  });

  it('the second apply to a cluster reuses the cache: no discovery requests', async () => {
    await apply(server, a.kubeconfig);
    expect(a.discoveries()).toBeGreaterThanOrEqual(3);
    await apply(server, a.kubeconfig);
    expect(a.discoveries()).toBe(0);
    expect(clusterDirs(server)).toHaveLength(1);
    // The objects are there: the cached discovery was right.
    const got = await a.sim.kubectl(['get', 'deployment/cache-probe', '-o', 'name']);
    expect(got.stdout.trim()).toBe('deployment.apps/cache-probe');
  });

  it('two clusters never share a dir, and a dir name tells nothing of its cluster', async () => {
    await apply(server, b.kubeconfig);
    expect(b.discoveries()).toBeGreaterThanOrEqual(3);
    expect(clusterDirs(server)).toHaveLength(2);
    const [dirA, dirB] = [dirOf(server, a), dirOf(server, b)];
    expect(dirA).toHaveLength(1);
    expect(dirB).toHaveLength(1);
    expect(dirA[0]).not.toBe(dirB[0]);
    for (const d of clusterDirs(server)) {
      // One cluster's discovery documents per dir.
      expect(readdirSync(path.join(cacheRoot(server), d, 'discovery'))).toHaveLength(1);
      expect(d).not.toContain(a.hostDir.split('_')[1]);
      expect(d).not.toContain(b.hostDir.split('_')[1]);
    }
    for (const d of [cacheRoot(server), ...clusterDirs(server).map((x) => path.join(cacheRoot(server), x))]) {
      expect(lstatSync(d).mode & 0o777).toBe(0o700);
    }
  });

  it('a changed credential for the same server gets a dir of its own', async () => {
    await apply(server, withToken(a.kubeconfig, 'first-token'));
    expect(a.discoveries()).toBeGreaterThanOrEqual(3);
    expect(dirOf(server, a)).toHaveLength(2);
    await apply(server, withToken(a.kubeconfig, 'second-token'));
    expect(a.discoveries()).toBeGreaterThanOrEqual(3);
    expect(dirOf(server, a)).toHaveLength(3);
    await apply(server, withToken(a.kubeconfig, 'first-token'));
    expect(a.discoveries()).toBe(0);
    expect(server.stderr() + readFileSync(server.auditFile, 'utf8')).not.toContain('first-token');
  });

  it('concurrent applies on a cold cache all succeed, and leave it warm', async () => {
    const cold = withToken(a.kubeconfig, 'concurrent');
    await Promise.all([1, 2, 3, 4].map(() => apply(server, cold)));
    expect(a.discoveries()).toBeGreaterThanOrEqual(3);
    await apply(server, cold);
    expect(a.discoveries()).toBe(0);
  });

  it('a dir that is not private (mode, owner, symlink) is not used: it is replaced', async () => {
    const [dir] = dirOf(server, b).map((d) => path.join(cacheRoot(server), d));
    const planted = path.join(dir as string, 'planted');
    const tamperings: Array<[string, () => void]> = [
      ['mode 0777', () => chmodSync(dir as string, 0o777)],
      [
        'a symlink to a dir someone else filled',
        () => {
          const elsewhere = path.join(server.workRoot, '..', 'elsewhere');
          mkdirSync(path.join(elsewhere, 'discovery'), { recursive: true });
          rmSync(dir as string, { recursive: true });
          symlinkSync(elsewhere, dir as string);
        },
      ],
    ];
    if (process.getuid?.() === 0) tamperings.push(['another owner', () => chownSync(dir as string, 65534, 65534)]);
    for (const [what, tamper] of tamperings) {
      await apply(server, b.kubeconfig); // warm
      b.discoveries();
      tamper();
      writeFileSync(planted, 'planted');
      await apply(server, b.kubeconfig);
      expect(b.discoveries(), what).toBeGreaterThanOrEqual(3);
      const st = lstatSync(dir as string);
      expect(st.isDirectory() && (st.mode & 0o777) === 0o700 && st.uid === process.getuid?.(), what).toBe(true);
      expect(readdirSync(dir as string), what).not.toContain('planted');
    }
    expect(server.stderr()).toMatch(/"event":"exec_kubectl_cache_replaced","dir":"cluster","reason":"mode"/);
  });

  it('a caller cannot give its own cache dir, kubeconfig path or environment', async () => {
    const denied = [
      ['kubectl', '--cache-dir', '/tmp/planted', ...APPLY.slice(1)],
      ['kubectl', '--cache-dir=/tmp/planted', ...APPLY.slice(1)],
      [...APPLY, '--cache-dir=/tmp/planted'],
      ['kubectl', '--kubeconfig', '/etc/passwd', ...APPLY.slice(3)],
      ['kubectl', '--kubeconfig', '../kubeconfig', ...APPLY.slice(3)],
      ['kubectl', '--kubeconfig=kubeconfig', '--kubeconfig=/tmp/k', ...APPLY.slice(3)],
    ];
    for (const argv of denied) {
      const r = await post(server, { argv, stdin: MANIFESTS, files: { kubeconfig: a.kubeconfig } });
      expect(r.status, argv.join(' ')).toBe(403);
      expect(r.body.code).toBe('denied_by_policy');
    }
    for (const body of [
      { argv: APPLY, env: { KUBECACHEDIR: '/tmp/planted', HOME: '/tmp' }, files: { kubeconfig: a.kubeconfig } },
      { argv: APPLY, files: { kubeconfig: a.kubeconfig, '.kube': 'x' } },
    ]) {
      const r = await post(server, body);
      expect(r.status).toBe(400);
      expect(['unknown_field', 'invalid_file_name']).toContain(r.body.code);
    }
    expect(a.discoveries()).toBe(0); // nothing of it reached the cluster
  });

  it('evicts the least recently used cluster dir beyond EXEC_KUBECTL_CACHE_MAX_BYTES', async () => {
    // A bound that holds one cluster's cache, not two: what kubectl stores for one sim, plus half.
    const probe = mkdtempSync(path.join(os.tmpdir(), 'elb-kubectl-cache-size-'));
    writeFileSync(path.join(probe, 'kubeconfig'), a.kubeconfig);
    const direct = await a.sim.kubectl(['--cache-dir', path.join(probe, 'cache'), ...APPLY.slice(3)], MANIFESTS);
    expect(direct.code, direct.stderr).toBe(0);
    const oneCluster = fileBytes(path.join(probe, 'cache'));
    rmSync(probe, { recursive: true, force: true });
    a.discoveries();
    const bounded = await startServer({ EXEC_KUBECTL_CACHE_MAX_BYTES: String(Math.floor(oneCluster * 1.5)) });
    try {
      await apply(bounded, a.kubeconfig);
      await apply(bounded, a.kubeconfig);
      expect(a.discoveries()).toBeGreaterThanOrEqual(3);
      await apply(bounded, b.kubeconfig);
      expect(b.discoveries()).toBeGreaterThanOrEqual(3);
      await waitFor(() => clusterDirs(bounded).length === 1, 10_000, 'the older dir to be evicted');
      expect(dirOf(bounded, b)).toHaveLength(1);
      // The log line follows the removal: wait for it rather than race it.
      await waitFor(
        () => bounded.stderr().includes('"event":"exec_kubectl_cache_evicted"'),
        10_000,
        'the eviction to be logged',
      );
      await apply(bounded, a.kubeconfig);
      expect(a.discoveries()).toBeGreaterThanOrEqual(3); // evicted: discovery again
    } finally {
      await bounded.stop();
    }
  }, 60_000);

  it('EXEC_KUBECTL_CACHE_MAX_BYTES=0 turns the shared cache off', async () => {
    await apply(off, a.kubeconfig);
    await apply(off, a.kubeconfig);
    expect(a.discoveries()).toBeGreaterThanOrEqual(6);
    expect(clusterDirs(off)).toEqual([]);
  });
});

/** Bytes of the files under a dir, as the server counts them. */
function fileBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    total += e.isDirectory() ? fileBytes(full) : lstatSync(full).size;
  }
  return total;
}
