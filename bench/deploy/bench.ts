// Control-plane overhead of a deploy: the local stack with a zero-delay sim (pods Ready and LoadBalancer address
// at once), so every second measured is elb-control's own work — HTTP, Durable replay, registry, exec server +
// kubectl, Kubernetes reads, tables. Prints per-phase and end-to-end figures.
// Needs the compiled app: `npm run build`, then: node --import tsx bench/deploy/bench.ts [--runs N]
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  azuriteTablesUrl,
  startAzuriteTables,
  startNodeProcess,
  startZeroDelaySim,
  stopProcess,
  type StartedProcess,
} from '../../test/support/node-process';
import { freePorts } from '../../test/support/stack';

const ROOT = resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) || 10 : 10;
const children: ChildProcess[] = [];

/** Keeps a started part's child, so the run stops every part it started, however it ends. */
async function keep(started: Promise<StartedProcess>): Promise<void> {
  children.push((await started).child);
}

function stats(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const fmt = (v: number) => `${(v * 1000).toFixed(0).padStart(6)} ms`;
  return `p50 ${fmt(at(0.5))}  p95 ${fmt(at(0.95))}  max ${fmt(s.at(-1)!)}`;
}

interface Status {
  runtime_status: string;
  output: {
    status: string;
    timeline: { name: string; startedAt: string | null; endedAt: string | null; status: string }[];
  } | null;
}

/** `duration_ms` of each kubectl apply the exec server audited, in order. */
function execApplyMs(dir: string): number[] {
  let text = '';
  try {
    text = readFileSync(join(dir, 'exec-audit.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { verb?: string; duration_ms?: number })
    .filter((r) => r.verb === 'apply' && typeof r.duration_ms === 'number')
    .map((r) => r.duration_ms as number);
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'app', 'main.js')))
    throw new Error('build first: npm run build (the tsc output and the bundled app, dist/app)');
  const dir = mkdtempSync(join(tmpdir(), 'elb-bench-deploy-'));
  const [api, exec, k8s, registry, tables] = (await freePorts(5)) as [number, number, number, number, number];
  const token = randomBytes(24).toString('hex');
  try {
    await Promise.all([
      keep(startAzuriteTables(tables)),
      keep(
        startZeroDelaySim({
          entry: ['dist/sim/cli.js'],
          stateDir: join(dir, 'sim'),
          k8sPort: k8s,
          registryPort: registry,
          webhook: `http://127.0.0.1:${api}/runtime/webhooks/EventGrid?functionName=acrImagePushed`,
        }),
      ),
      keep(
        startNodeProcess('exec', ['dist/exec/cli.js'], {
          env: {
            EXEC_TOKEN: token,
            EXEC_PORT: String(exec),
            EXEC_HOST: '127.0.0.1',
            EXEC_AUDIT_FILE: join(dir, 'exec-audit.log'),
          },
          ready: [/READY exec/],
        }),
      ),
    ]);
    await keep(
      startNodeProcess(
        'devhost',
        ['dist/devhost/cli.js', '--app', ROOT, '--port', String(api), '--state-dir', join(dir, 'devhost')],
        {
          env: {
            EXEC_TOKEN: token,
            TERMINAL_EXEC_UPSTREAM: `http://127.0.0.1:${exec}`,
            ELB_AUTH_MODE: 'none',
            ELB_LOCAL_DIR: dir,
            ELB_OPENAPI_IMAGE: `127.0.0.1:${registry}/elb-openapi`,
            ELB_REGISTRY_ENDPOINT: `http://127.0.0.1:${registry}`,
            ELB_TABLES_ENDPOINT: azuriteTablesUrl(tables),
            ELB_TARGETS: JSON.stringify([
              {
                name: 'local',
                kind: 'kubeconfig',
                kubeconfig: join(dir, 'sim', 'kubeconfig'),
                context: 'elb-sim',
                namespace: 'elb-openapi',
                servicePort: 8080,
              },
            ]),
            ELB_POLL_INTERVAL_SECONDS: '0',
            ELB_CHECK_POLL_MS: '50',
            ELB_TASK_HUB: 'benchhub',
          },
          ready: [/READY devhost/],
        },
      ),
    );

    const base = `http://127.0.0.1:${api}/api`;
    const deploy = async (tag: string) => {
      const t0 = performance.now();
      const res = await fetch(`${base}/aks/openapi/deploy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tag }),
      });
      const { id } = (await res.json()) as { id: string };
      const accepted = performance.now();
      for (;;) {
        const s = (await (await fetch(`${base}/aks/openapi/deploy/${id}/status`)).json()) as Status;
        if (['Completed', 'Failed', 'Terminated'].includes(s.runtime_status)) {
          if (s.output?.status !== 'succeeded')
            throw new Error(`deploy ${id} ended ${s.output?.status ?? s.runtime_status}`);
          return {
            total: (performance.now() - t0) / 1000,
            accept: (accepted - t0) / 1000,
            timeline: s.output.timeline,
          };
        }
        await new Promise((ok) => setTimeout(ok, 20));
      }
    };

    const install = await deploy('3.4');
    const auditedBefore = execApplyMs(dir).length;
    const phases = new Map<string, number[]>();
    const totals: number[] = [];
    const accepts: number[] = [];
    const noops: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await deploy(i % 2 === 0 ? '3.3' : '3.4'); // a real rollout each time
      totals.push(r.total);
      accepts.push(r.accept);
      for (const p of r.timeline) {
        if (!p.startedAt || !p.endedAt || p.status === 'skipped') continue;
        const list = phases.get(p.name) ?? [];
        list.push((Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000);
        phases.set(p.name, list);
      }
    }
    for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++)
      noops.push((await deploy(RUNS % 2 === 0 ? '3.4' : '3.3')).total);

    console.log(`deploy control-plane overhead, zero-delay sim, ${RUNS} updates (alternating 3.3/3.4)`);
    console.log(`  first install (end to end)          ${(install.total * 1000).toFixed(0)} ms`);
    for (const [name, values] of phases) console.log(`  ${name.padEnd(36)} ${stats(values)}`);
    console.log(`  ${'POST /deploy answered'.padEnd(36)} ${stats(accepts)}`);
    console.log(`  ${'update, request to Completed'.padEnd(36)} ${stats(totals)}`);
    console.log(`  ${'repeat of the same tag (no change)'.padEnd(36)} ${stats(noops)}`);
    // Of the apply phase, the part spent in the exec server (request in to answer out, kubectl included).
    const execApply = execApplyMs(dir).slice(auditedBefore, auditedBefore + RUNS);
    console.log(`  ${'  of which POST /exec kubectl apply'.padEnd(36)} ${stats(execApply.map((ms) => ms / 1000))}`);
    const cache = process.env.EXEC_KUBECTL_CACHE_MAX_BYTES === '0' ? 'off' : 'on';
    console.log(
      `  (exec server's shared kubectl cache: ${cache}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
  } finally {
    await Promise.all(children.map((c) => stopProcess(c)));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  for (const c of children) c.kill('SIGTERM');
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
