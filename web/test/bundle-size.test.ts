// The production dashboard's JavaScript (everything `/docs` loads) stays small: built here with the project's own
// Vite config into a temporary folder and measured gzipped, as a browser downloads it. The schemas the dashboard
// parses with (core/contract, zod/mini) are part of it; the budget is 60 KB.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, expect, it } from 'vitest';

const BUDGET_BYTES = 60 * 1024;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-web-bundle-'));

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

it('keeps the production JavaScript of the dashboard at or under 60 KB gzip', async () => {
  await build({
    configFile: path.join(__dirname, '..', 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
  const assets = path.join(outDir, 'assets');
  const scripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(0);
  // Every script the page may load counts, not only the entry: a split chunk is downloaded too.
  const gzipped = scripts.reduce((sum, f) => sum + gzipSync(fs.readFileSync(path.join(assets, f))).length, 0);
  console.log(`dashboard JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzip in ${scripts.length} file(s)`);
  expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  // zod's full build (with its English messages) must not have been pulled in instead of zod/mini.
  const code = scripts.map((f) => fs.readFileSync(path.join(assets, f), 'utf8')).join('\n');
  expect(code).not.toContain('Invalid input: expected');
}, 60_000);
