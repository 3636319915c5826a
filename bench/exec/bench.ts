// Exec server overhead benchmark: p50/p95 latency of POST /exec running `kubectl version --client` against
// spawning the same command directly, and throughput at the concurrency limit; then `kubectl apply` of a deploy's
// objects against a zero-delay sim: a warm direct kubectl (its cache kept in HOME) against POST /exec with the
// shared kubectl cache (docs/exec.md, The kubectl cache) and without it (EXEC_KUBECTL_CACHE_MAX_BYTES=0, as before).
// Run: node --import tsx bench/exec/bench.ts [--runs N] [--seconds S] [--apply-runs N]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { renderManifests, toApplyDocument } from '../../core/manifests';
import { parseTarget } from '../../core/targets';
import { startZeroDelaySim, stopProcess } from '../../test/support/node-process';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option('--runs', 100);
const SECONDS = option('--seconds', 8);
const CONCURRENCY = option('--concurrency', 4);
const APPLY_RUNS = option('--apply-runs', 40);
const ARGV = ['kubectl', 'version', '--client'];
const ROOT = path.resolve(__dirname, '..', '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Spawns the command the way a caller without the server would, and waits for it to finish. */
function direct(workDir: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ARGV.slice(1), {
      cwd: workDir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: workDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`exit ${code}`)),
    );
  });
}

/** Last request's command run time as the server measured it (spawn to pipes closed). */
let lastCommandMs = 0;

async function viaServer(url: string, token: string): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${url}/exec`, {
    method: 'POST',
    headers: { 'x-exec-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ argv: ARGV }),
  });
  const body = (await response.json()) as { exit_code?: number; duration_ms?: number };
  if (response.status !== 200 || body.exit_code !== 0) throw new Error(`exec answered ${response.status}`);
  lastCommandMs = body.duration_ms ?? 0;
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function startServer(
  token: string,
  workRoot: string,
  extraEnv: Record<string, string> = {},
): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'exec', 'cli.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      EXEC_TOKEN: token,
      EXEC_PORT: '0',
      EXEC_WORK_ROOT: workRoot,
      EXEC_MAX_CONCURRENCY: String(CONCURRENCY),
      EXEC_AUDIT_FILE: path.join(workRoot, '..', 'audit.log'),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY exec (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    proc.once('exit', (code) => reject(new Error(`exec server exited with ${code}`)));
  });
  return { url, stop: () => proc.kill('SIGTERM') };
}

/** Runs `task` from `workers` loops for `seconds`; returns completed tasks per second. */
async function throughput(workers: number, seconds: number, task: () => Promise<unknown>): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < end) {
        await task();
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elb-exec-bench-'));
  const workRoot = path.join(dir, 'work');
  const token = randomBytes(24).toString('hex');
  const server = await startServer(token, workRoot);
  try {
    // Warm both paths (page cache, JIT, keep-alive connection) before measuring.
    for (let i = 0; i < 5; i++) {
      await direct(dir);
      await viaServer(server.url, token);
    }
    // Interleave the two so background load on a shared machine hits both alike.
    const directMs: number[] = [];
    const serverMs: number[] = [];
    const addedMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      directMs.push(await direct(dir));
      const total = await viaServer(server.url, token);
      serverMs.push(total);
      addedMs.push(total - lastCommandMs);
    }
    const d50 = percentile(directMs, 50);
    const d95 = percentile(directMs, 95);
    const s50 = percentile(serverMs, 50);
    const s95 = percentile(serverMs, 95);
    console.log(`command: ${ARGV.join(' ')} (${RUNS} sequential runs each, interleaved)`);
    console.log(`direct spawn   p50 ${d50.toFixed(1)} ms   p95 ${d95.toFixed(1)} ms`);
    console.log(`POST /exec     p50 ${s50.toFixed(1)} ms   p95 ${s95.toFixed(1)} ms`);
    console.log(
      `overhead ratio p50 ${(s50 / d50).toFixed(3)}x   p95 ${(s95 / d95).toFixed(3)}x   (target p50 <= 1.1x)`,
    );
    console.log(`overhead       p50 ${(s50 - d50).toFixed(1)} ms (difference of the two p50s)`);
    // The command's own run time varies with machine load; what the server adds around it varies much less.
    console.log(
      `added by the server around the command (latency - its duration_ms): p50 ${percentile(addedMs, 50).toFixed(1)} ms` +
        `   p95 ${percentile(addedMs, 95).toFixed(1)} ms`,
    );
    console.log(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    const directRate = await throughput(CONCURRENCY, SECONDS, () => direct(dir));
    const serverRate = await throughput(CONCURRENCY, SECONDS, () => viaServer(server.url, token));
    console.log(`throughput at concurrency ${CONCURRENCY} (${SECONDS} s each, ${os.cpus().length} cores):`);
    console.log(`  direct spawn ${directRate.toFixed(1)} commands/s`);
    console.log(
      `  POST /exec   ${serverRate.toFixed(1)} requests/s (${((serverRate / directRate) * 100).toFixed(0)}% of direct)`,
    );
    await applyComparison(dir, token);
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The argv a deploy sends for a kubeconfig target (adapters/cluster-exec.ts). */
const APPLY_ARGV = [
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

/** The objects a deploy of the local target applies (the Secret with its token included). */
function deployDocument(): { document: string; objects: number } {
  const target = parseTarget(
    { name: 'local', kind: 'kubeconfig', kubeconfig: 'kubeconfig', namespace: 'elb-openapi', servicePort: 8080 },
    0,
  );
  const image = `127.0.0.1:5001/elb-openapi@sha256:${'1'.repeat(64)}`;
  const rendered = renderManifests({
    target,
    image,
    tag: '3.4',
    workloadIdentityClientId: null,
    apiToken: 't'.repeat(43),
  });
  return { document: toApplyDocument(rendered.objects), objects: rendered.objects.length };
}

/** `kubectl apply` as a caller with a long-lived HOME runs it: kubectl's own cache in ~/.kube/cache stays warm. */
function directApply(home: string, document: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', APPLY_ARGV.slice(1), {
      cwd: home,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, KUBECONFIG: '/dev/null', LANG: 'C.UTF-8' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(document);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error(`direct apply exit ${code}: ${err}`)),
    );
  });
}

async function execApply(url: string, token: string, kubeconfig: string, document: string): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${url}/exec`, {
    method: 'POST',
    headers: { 'x-exec-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ argv: APPLY_ARGV, stdin: document, files: { kubeconfig }, timeout_seconds: 60 }),
  });
  const body = (await response.json()) as { exit_code?: number; stderr?: string };
  if (response.status !== 200 || body.exit_code !== 0) {
    throw new Error(`exec apply answered ${response.status}, exit ${body.exit_code}: ${body.stderr ?? ''}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Warm direct apply against POST /exec with and without the shared kubectl cache, interleaved. */
async function applyComparison(dir: string, token: string): Promise<void> {
  const children: ChildProcess[] = [];
  const stops: Array<() => void> = [];
  try {
    const sim = await startZeroDelaySim({ entry: ['--import', 'tsx', 'sim/cli.ts'], stateDir: path.join(dir, 'sim') });
    children.push(sim.child);
    const kubeconfig = readFileSync(path.join(dir, 'sim', 'kubeconfig'), 'utf8');
    const home = path.join(dir, 'home');
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(path.join(home, 'kubeconfig'), kubeconfig, { mode: 0o600 });
    const [cached, uncached] = await Promise.all([
      startServer(token, path.join(dir, 'work-cached')),
      startServer(token, path.join(dir, 'work-uncached'), { EXEC_KUBECTL_CACHE_MAX_BYTES: '0' }),
    ]);
    stops.push(cached.stop, uncached.stop);
    const { document, objects } = deployDocument();
    // The first applies create the objects and fill both caches; they are not measured.
    for (let i = 0; i < 3; i++) {
      await directApply(home, document);
      await execApply(cached.url, token, kubeconfig, document);
      await execApply(uncached.url, token, kubeconfig, document);
    }
    const direct: number[] = [];
    const withCache: number[] = [];
    const withoutCache: number[] = [];
    for (let i = 0; i < APPLY_RUNS; i++) {
      direct.push(await directApply(home, document));
      withCache.push(await execApply(cached.url, token, kubeconfig, document));
      withoutCache.push(await execApply(uncached.url, token, kubeconfig, document));
    }
    const line = (name: string, values: number[]) =>
      `${name.padEnd(44)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(values, 95)
        .toFixed(1)
        .padStart(6)} ms`;
    const ratio = (values: number[]) => (percentile(values, 50) / percentile(direct, 50)).toFixed(3);
    console.log('');
    console.log(
      `kubectl apply --server-side of a deploy's ${objects} objects, zero-delay sim ` +
        `(${APPLY_RUNS} runs each, interleaved)`,
    );
    console.log(line('direct kubectl, warm cache in HOME', direct));
    console.log(line('POST /exec, shared kubectl cache', withCache));
    console.log(line('POST /exec, no shared cache (before)', withoutCache));
    console.log(
      `ratio to warm direct, p50: shared cache ${ratio(withCache)}x (target <= 1.3x), before ${ratio(withoutCache)}x`,
    );
    console.log(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    for (const stop of stops) stop();
    await Promise.all(children.map((c) => stopProcess(c)));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
