// Prints one plain closing line, "tests: N passed, N failed, N skipped", so CI logs state the outcome in a form
// any tool can read, whatever the runner's own summary looks like.
import type { Reporter, TestModule } from 'vitest/node';

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
  }
}
