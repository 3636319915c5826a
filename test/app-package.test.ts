// The Function App package that ships (scripts/build-app.mjs, docs/decisions/0002-function-app-bundle.md): built
// here into a scratch folder, then checked for what it holds, its size, what a cold start loads and how long it takes.
// The load is timed against the tsc output, interleaved, so a busy machine slows both alike.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderBytes, loadOnce, measureLoads, REPO_ROOT, unbundledEntries } from '../bench/package/measure.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-app-package-'));
const APP = path.join(scratch, 'app');
const MAIN = path.join(APP, 'main.js');
const MB = 1024 * 1024;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-app.mjs'), '--out', APP], { stdio: 'pipe' });
}, 120_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the Function App package', () => {
  it('holds the bundle, host.json, a package.json naming main.js and the two runtime packages, and nothing local', () => {
    expect(fs.readdirSync(APP).sort()).toEqual(['host.json', 'main.js', 'node_modules', 'package.json']);
    const pkg = JSON.parse(fs.readFileSync(path.join(APP, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };
    const root = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.main).toBe('main.js');
    expect(pkg.dependencies).toEqual({
      '@azure/functions': root.dependencies['@azure/functions'],
      'durable-functions': root.dependencies['durable-functions'],
    });
    expect(fs.readFileSync(path.join(APP, 'host.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(REPO_ROOT, 'host.json'), 'utf8'),
    );
    const files = filesUnder(APP);
    expect(files.filter((f) => /\.(ts|map)$|local\.settings|\.env$|(^|\/)\.local\//.test(f))).toEqual([]);
    // The source map is kept beside the package, not in it.
    expect(fs.existsSync(path.join(scratch, 'app-sourcemap', 'main.js.map'))).toBe(true);
  });

  it('is at most 15 MB', () => {
    expect(folderBytes(APP)).toBeLessThanOrEqual(15 * MB);
  });

  it('registers the same functions as the tsc output, reading a tenth of the files, without the lazy packages', async () => {
    const [bundled, unbundled] = await Promise.all([loadOnce([MAIN]), loadOnce(unbundledEntries())]);
    expect(bundled.functions.length).toBeGreaterThan(20);
    expect(bundled.functions).toEqual(unbundled.functions);
    expect(bundled.modules).toBeLessThanOrEqual(unbundled.modules / 5);
    // Every file a cold start read is inside the package: nothing leaks to the repository's node_modules.
    expect(bundled.files.filter((f) => !f.startsWith(APP + path.sep))).toEqual([]);
    // Loaded on first use only: the Kubernetes client (import()) and axios (deferred dependency of durable-functions).
    expect(bundled.files.filter((f) => f.includes(`${path.sep}@kubernetes${path.sep}`))).toEqual([]);
    expect(bundled.files.filter((f) => f.endsWith(path.join('axios', 'bundled.js')))).toEqual([]);
  });

  it('loads the lazy and deferred parts when they are used', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `import('@kubernetes/client-node').then((k) => {
           const axios = require('axios');
           const client = axios.default.create({ baseURL: 'http://127.0.0.1:1' });
           console.log(typeof k.KubeConfig, typeof client.post, axios.__esModule === undefined);
         });`,
      ],
      { cwd: APP, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function true');
  });

  it('loads in at most 300 ms (median of 5; goal 150 ms on an idle machine) and faster than the tsc output', async () => {
    const [bundled, unbundled] = await measureLoads([[MAIN], unbundledEntries()], 5);
    expect(bundled!.medianMs).toBeLessThanOrEqual(300);
    expect(bundled!.medianMs).toBeLessThan(unbundled!.medianMs);
  }, 60_000);
});
