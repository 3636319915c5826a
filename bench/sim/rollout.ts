// Measures the sim: apply-to-rolled-out time for a 3-replica rolling update (ready delay 0, so the figure is the
// sim's own overhead plus kubectl), API read latency, and memory after the run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../sim/sim';
import { kubectl, startTestSim, thirdPartyManifests } from '../../sim/test/support';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'elb-sim-bench-'));
  const sim = await startTestSim({
    stateDir,
    readyDelayMs: 0,
    lbDelayMs: 0,
    registryResourceId: DEFAULTS.registryResourceId,
  });
  try {
    const rollouts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const tag = i % 2 === 0 ? '3.4' : '3.3';
      const t0 = performance.now();
      await kubectl(
        sim.kubeconfigPath,
        ['apply', '--server-side', '--field-manager=bench', '-f', '-'],
        thirdPartyManifests('bench', `${sim.registryHostPort}/elb-openapi:${tag}`),
      );
      const r = await kubectl(sim.kubeconfigPath, [
        '-n',
        'bench',
        'rollout',
        'status',
        'deployment/web',
        '--timeout=60s',
      ]);
      if (r.code !== 0) throw new Error(`rollout failed: ${r.stderr}`);
      rollouts.push(performance.now() - t0);
    }
    const reads: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const res = await fetch(`${sim.k8sUrl}/api/v1/namespaces/bench/pods`);
      await res.arrayBuffer();
      reads.push(performance.now() - t0);
    }
    const fmt = (v: number): string => `${v.toFixed(1)} ms`;
    console.log(
      `apply + rollout status (3 replicas, kubectl included): median ${fmt(percentile(rollouts, 50))}, max ${fmt(Math.max(...rollouts))}`,
    );
    console.log(
      `list pods over HTTP (300 requests): p50 ${fmt(percentile(reads, 50))}, p95 ${fmt(percentile(reads, 95))}`,
    );
    console.log(`objects stored: ${sim.api.store.all().length}, resourceVersion ${sim.api.store.resourceVersion}`);
    console.log(
      `heap used: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1)} MiB, rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(1)} MiB`,
    );
  } finally {
    await sim.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
