// One test layout (CONTRIBUTING.md, "Where a test goes"): every test file sits in a part's `test/` folder or in the
// root `test/`, never beside the code it tests.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean);

describe('test layout', () => {
  it('finds the test files', () => {
    expect(tracked.length).toBeGreaterThan(50);
  });

  it('keeps every test file in <part>/test/ or the root test/', () => {
    const misplaced = tracked.filter((f) => !/^(test\/|[a-z-]+\/test\/)/.test(f));
    expect(misplaced).toEqual([]);
  });
});
