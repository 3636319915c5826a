/**
 * Function App package benchmark (run: npm run bench:package [-- --runs N]).
 * Before: the tsc output (dist/functions/*.js, as the old package.json "main" loaded it) with the production
 * node_modules. After: the bundle of scripts/build-app.mjs (dist/app). For each: the median time a cold Node process
 * takes to load the app (its functions registered against a stand-in of the worker's core API) in wall-clock and CPU
 * time, the files it read, and the bytes a deployment zip holds. CPU time is what an idle machine's wall time would
 * be; on a busy machine wall time grows with the other work. Goals: load <= 150 ms, package <= 15 MB (docs/decisions/0002).
 * Needs `npm run build` (tsc output and dist/app) first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LoadMeasure, folderBytes, measureLoads, REPO_ROOT, unbundledBytes, unbundledEntries } from './measure.js';

const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 9;
const APP_DIR = path.join(REPO_ROOT, 'dist', 'app');
const GOAL_MS = 150;
const GOAL_BYTES = 15 * 1024 * 1024;

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(APP_DIR, 'main.js')) || !fs.existsSync(path.join(REPO_ROOT, 'dist', 'functions'))) {
    throw new Error('build first: npm run build (or npx tsc -p tsconfig.build.json && npm run build:app)');
  }
  const [before, after] = (await measureLoads([unbundledEntries(), [path.join(APP_DIR, 'main.js')]], RUNS)) as [
    LoadMeasure,
    LoadMeasure,
  ];
  const same = JSON.stringify(before.samples[0]!.functions) === JSON.stringify(after.samples[0]!.functions);
  if (!same) throw new Error('the bundle registers other functions than the tsc output');
  const beforeBytes = unbundledBytes();
  const afterBytes = folderBytes(APP_DIR);
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const rows = [
    ['', 'before (tsc + node_modules)', 'after (dist/app)', 'ratio'],
    [
      `load, median of ${RUNS}`,
      `${before.medianMs.toFixed(0)} ms`,
      `${after.medianMs.toFixed(0)} ms`,
      `${(before.medianMs / after.medianMs).toFixed(1)}x`,
    ],
    [
      `load CPU time, median`,
      `${before.medianCpuMs.toFixed(0)} ms`,
      `${after.medianCpuMs.toFixed(0)} ms`,
      `${(before.medianCpuMs / after.medianCpuMs).toFixed(1)}x`,
    ],
    [
      'files read',
      String(before.samples[0]!.modules),
      String(after.samples[0]!.modules),
      `${(before.samples[0]!.modules / after.samples[0]!.modules).toFixed(1)}x`,
    ],
    ['package size', mb(beforeBytes), mb(afterBytes), `${(beforeBytes / afterBytes).toFixed(1)}x`],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log(`functions registered: ${after.samples[0]!.functions.length} (the same before and after)`);
  // Wall time on a shared machine depends on its other work: the load average says how much there was.
  const [one, five] = os.loadavg();
  console.log(
    `main.js ${mb(fs.statSync(path.join(APP_DIR, 'main.js')).size)}; load average ${one!.toFixed(2)} (1 min), ` +
      `${five!.toFixed(2)} (5 min)`,
  );
  console.log(
    `goals: load <= ${GOAL_MS} ms ${after.medianMs <= GOAL_MS ? 'met' : 'NOT met'} (wall), ` +
      `${after.medianCpuMs <= GOAL_MS ? 'met' : 'NOT met'} (CPU), ` +
      `package <= ${mb(GOAL_BYTES)} ${afterBytes <= GOAL_BYTES ? 'met' : 'NOT met'}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
