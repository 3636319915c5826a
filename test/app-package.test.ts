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

  it("answers durable-functions' internal paths the devhost reads with the bundle's own modules (one copy)", () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const df = require('durable-functions');
         const before = Object.keys(require.cache).length;
         const task = require('durable-functions/lib/src/task');
         const exec = require('durable-functions/lib/src/orchestrations/TaskOrchestrationExecutor');
         const inside = df[Symbol.for('elb-app.bundled-modules')];
         console.log(task === inside['lib/src/task'], typeof task.CompoundTask, typeof exec.TaskOrchestrationExecutor,
           Object.keys(require.cache).length - before);`,
      ],
      { cwd: APP, encoding: 'utf8' },
    );
    // Two one-line modules more, no second copy of the library.
    expect(out.trim()).toBe('true function function 2');
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

  // The goal is 150 ms on an idle machine. CPU time (what an idle machine's wall time would be) is held to 400 ms, and
  // wall time to well under the tsc output's in the same run, interleaved: both stay true on a busy 2-core CI machine,
  // where wall time alone would measure the other work.
  it("loads in at most 400 ms of CPU (median of 5; goal 150 ms) and in under 0.7x the tsc output's time", async () => {
    const [bundled, unbundled] = await measureLoads([[MAIN], unbundledEntries()], 5);
    expect(bundled!.medianCpuMs).toBeLessThanOrEqual(400);
    expect(bundled!.medianMs).toBeLessThan(0.7 * unbundled!.medianMs);
  }, 90_000);
});
