// @ts-check
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';

// Orchestrator code is replayed: anything non-deterministic (clock, randomness, I/O, environment) breaks replay.
const orchestratorBans = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: 'Use context.df.currentUtcDateTime in orchestrators.' },
    { name: 'fetch', message: 'Do I/O in an activity, not in the orchestrator.' },
    { name: 'setTimeout', message: 'Use context.df.createTimer in orchestrators.' },
    { name: 'setInterval', message: 'Use context.df.createTimer in orchestrators.' },
    { name: 'process', message: 'Read settings in an activity or pass them as input.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Use context.df.newGuid in orchestrators.' },
    { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime in orchestrators.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['node:*', 'fs', 'http', 'https', 'child_process', 'net'], message: 'No I/O in orchestrators.' },
        { group: ['**/adapters/**'], message: 'Orchestrators call activities; adapters are for activities.' },
        {
          group: ['**/services/**'],
          message: 'Orchestrators call activities; services are for activities and handlers.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'web/dist/**',
      '.local/**',
      '.tools/**',
      'test-results/**',
      'coverage/**',
      'bicep/**/*.json',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Type-aware rules for the promise mistakes the compiler cannot see: a promise nobody awaits, a promise where a
  // callback's return is ignored (event handlers), and `await` on something that is not a promise.
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  { files: ['orchestrations/**/*.orchestrator.ts'], rules: orchestratorBans },
  // The fixture apps are plain CommonJS, written as a user of the Functions library would write them.
  { files: ['test/fixtures/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['web/**/*.ts'], ...lit.configs['flat/recommended'] },
);
