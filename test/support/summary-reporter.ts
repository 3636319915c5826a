// Prints one plain closing line, "tests: N passed, N failed, N skipped", so CI logs state the outcome in a form
// any tool can read, whatever the runner's own summary looks like. Then the slowest test files, one line each
// ("slow: 42.1s path"), so every CI log shows where the time goes.
import type { Reporter, TestModule } from 'vitest/node';

const SLOWEST_SHOWN = 15;

/** Wall time a file spent in its worker: environment, harness, import and collection, then tests and hooks. */
function fileSeconds(module: TestModule): number {
  const d = module.diagnostic();
  return (d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration) / 1000;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') count.failed++;
        else count.skipped++;
      }
      // A file can fail outside its tests (it did not load, or a hook threw): count it, so the line never says
      // "0 failed" for a red run.
      if (module.state() === 'failed' && [...module.children.allTests('failed')].length === 0) count.failed++;
    }
    console.log(`tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`);

    const slowest = testModules
      .map((module) => ({ path: module.relativeModuleId, seconds: fileSeconds(module) }))
      .sort((a, b) => b.seconds - a.seconds || a.path.localeCompare(b.path))
      .slice(0, SLOWEST_SHOWN);
    for (const file of slowest) console.log(`slow: ${file.seconds.toFixed(1)}s ${file.path}`);
  }
}
