// The promise rules need type information, so they are easy to lose when the ESLint config is edited (a files glob
// that stops matching, a parser option dropped). `npm test` runs the linter; this proves the rules are still on for
// every part of the tree, so a clean lint run means what it says.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const PROMISE_RULES = [
  '@typescript-eslint/no-floating-promises',
  '@typescript-eslint/no-misused-promises',
  '@typescript-eslint/await-thenable',
];
const FILES = [
  'functions/deploy-api.ts',
  'orchestrations/deploy.orchestrator.ts',
  'core/summary.ts',
  'adapters/registry.ts',
  'exec/server.ts',
  'devhost/host.ts',
  'sim/sim.ts',
  'web/src/main.ts',
  'test/support/stack.ts',
];

describe('lint configuration', () => {
  const eslint = new ESLint();
  it.each(FILES)('%s is checked with type information and the promise rules', async (file) => {
    const config = (await eslint.calculateConfigForFile(file)) as {
      rules: Record<string, unknown>;
      languageOptions: { parserOptions?: { projectService?: unknown } };
    };
    expect(config.languageOptions.parserOptions?.projectService).toBe(true);
    for (const rule of PROMISE_RULES) expect([config.rules[rule]].flat()[0], rule).toBe(2);
  });
});
