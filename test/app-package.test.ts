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
/** Loaded with import() on first use, never at a cold start (scripts/build-app.mjs LAZY_PACKAGES). */
const LAZY = [
  '@kubernetes/client-node',
  '@azure/monitor-opentelemetry',
  '@azure/identity',
  '@azure/eventgrid',
  '@azure/data-tables',
  '@azure/container-registry',
];
/** durable-functions' dependencies loaded on first use (scripts/build-app.mjs DEFERRED_DEPENDENCIES). */
const DEFERRED = ['axios', 'validator', 'moment'];

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
    const read = (file: string): boolean => bundled.files.includes(path.join(APP, 'node_modules', file));
    // The lazy packages (import() on first use) are files of their own in the package, which a cold start did not read.
    for (const name of LAZY) {
      expect(fs.existsSync(path.join(APP, 'node_modules', name, 'index.js')), name).toBe(true);
      expect(read(path.join(name, 'index.js')), name).toBe(false);
    }
    // The deferred dependencies of durable-functions: a cold start read their stand-in, not the library.
    for (const name of DEFERRED) {
      expect(fs.existsSync(path.join(APP, 'node_modules', name, 'bundled.js')), name).toBe(true);
      expect(read(path.join(name, 'bundled.js')), name).toBe(false);
    }
  });

  it('holds no code of the lazy packages (nor of MSAL, which only @azure/identity uses) in main.js', () => {
    // The source map lists every module esbuild put into main.js.
    const map = JSON.parse(fs.readFileSync(path.join(scratch, 'app-sourcemap', 'main.js.map'), 'utf8')) as {
      sources: string[];
    };
    expect(map.sources.filter((s) => s.endsWith('/functions/acr-events.ts'))).toHaveLength(1);
    const inside = [...LAZY, '@azure/msal-node', '@azure/msal-common'].filter((name) =>
      map.sources.some((s) => s.includes(`node_modules/${name}/`)),
    );
    expect(inside).toEqual([]);
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

  it('loads the lazy and deferred parts when they are used, with the names the app takes from them', () => {
    // main.js reaches a lazy package through require() (esbuild rewrites its import()): a native import() of a bundled
    // CommonJS file would miss the export names Node's lexer cannot see (DefaultAzureCredential among them).
    expect(fs.readFileSync(MAIN, 'utf8')).not.toMatch(/\bimport\(/);
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const k = require('@kubernetes/client-node');
         const identity = require('@azure/identity');
         const eventgrid = require('@azure/eventgrid');
         const monitor = require('@azure/monitor-opentelemetry');
         const axios = require('axios');
         const client = axios.default.create({ baseURL: 'http://127.0.0.1:1' });
         const moment = require('moment');
         const validator = require('validator');
         new eventgrid.EventGridDeserializer().deserializeEventGridEvents({
           id: '1', subject: 's', eventType: 't', topic: 'x', dataVersion: '1', metadataVersion: '1',
           eventTime: '2026-01-01T00:00:00Z', data: {},
         }).then(([event]) => console.log(typeof k.KubeConfig, typeof client.post, axios.__esModule === undefined,
           typeof identity.DefaultAzureCredential, typeof identity.ManagedIdentityCredential,
           typeof monitor.useAzureMonitor, typeof monitor.shutdownAzureMonitor, event.eventType,
           validator.isURL('https://a.example/x'), moment.duration(1500, 'ms').asSeconds(),
           moment(0).add(moment.duration(2, 's')).valueOf()));`,
      ],
      { cwd: APP, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function true function function function function t true 1.5 2000');
  });

  // The goal is 150 ms on an idle machine; a quiet one measures about 110 ms (docs/decisions/0002). CPU time (what an
  // idle machine's wall time would be) is held to 250 ms, and wall time to well under the tsc output's in the same
  // run, interleaved: both stay true on a busy 2-core CI machine, where wall time alone would measure the other work.
  // What keeps the load low is checked exactly above (what a cold start reads, what main.js holds).
  it("loads in at most 250 ms of CPU (median of 5; goal 150 ms) and in under 0.5x the tsc output's time", async () => {
    const [bundled, unbundled] = await measureLoads([[MAIN], unbundledEntries()], 5);
    expect(bundled!.medianCpuMs).toBeLessThanOrEqual(250);
    expect(bundled!.medianMs).toBeLessThan(0.5 * unbundled!.medianMs);
  }, 90_000);
});
