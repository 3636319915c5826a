// Measurements of a Function App package, shared by bench/package/bench.ts and test/app-package.test.ts:
// how long a cold Node process takes to load the app's entry files, and how many bytes a deployment zip would hold.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface LoadSample {
  /** Wall-clock time of the requires. */
  ms: number;
  /** CPU time (user + system) the process spent in them: close to an idle machine's wall time, and much less
   * disturbed than wall time when other work shares the cores. */
  cpuMs: number;
  /** Modules in require.cache after loading: one per file Node read. */
  modules: number;
  /** Function names the app registered, sorted. */
  functions: string[];
  /** The HTTP-triggered ones: name, route and methods as registered. */
  http: { name: string; route: string; methods: string[] }[];
  /** require.cache keys, for checks on what a cold start touched. */
  files: string[];
}

// Runs in a fresh `node` process. It stands in for `@azure/functions-core` as the Functions worker does (so the app
// registers its functions instead of running in the library's test mode), then times requiring the entry files.
const CHILD = `
const Module = require('node:module');
const names = [];
const http = [];
const core = {
  setProgrammingModel() {}, getProgrammingModel() {},
  registerFunction(m) {
    names.push(m.name);
    for (const b of Object.values(m.bindings)) {
      if (b.type === 'httpTrigger') http.push({ name: m.name, route: b.route, methods: b.methods });
    }
    return { dispose() {} };
  },
  registerHook() { return { dispose() {} }; },
  log() {},
};
const load = Module._load;
Module._load = function (request) { return request === '@azure/functions-core' ? core : load.apply(this, arguments); };
const files = JSON.parse(process.argv[1]);
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
for (const file of files) require(file);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
const cpuMs = (used.user + used.system) / 1000;
process.stdout.write(JSON.stringify({ ms, cpuMs, modules: Object.keys(require.cache).length, functions: names.sort(), http, files: Object.keys(require.cache) }));
`;

/** The app settings of local.settings.sample.json: the app reads its configuration while it loads. */
export function sampleSettings(): Record<string, string> {
  const sample = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  return sample.Values;
}

/** Loads FILES in one cold `node` process and reports the time the requires took. */
export function loadOnce(files: string[]): Promise<LoadSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, JSON.stringify(files)], {
      cwd: path.dirname(files[0] ?? REPO_ROOT),
      env: { PATH: process.env.PATH ?? '', ...sampleSettings() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`loading ${files.join(', ')} failed (exit ${code}): ${err.trim()}`));
      resolve(JSON.parse(out) as LoadSample);
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** RUNS cold loads, one after another (a parallel run would measure the machine, not the package). */
export interface LoadMeasure {
  medianMs: number;
  medianCpuMs: number;
  samples: LoadSample[];
}

/** RUNS cold loads of each file set, interleaved (A, B, A, B …) so that a change in the machine's load hits both
 * alike; one at a time, since a parallel run would measure the machine, not the package. */
export async function measureLoads(fileSets: string[][], runs: number): Promise<LoadMeasure[]> {
  const samples: LoadSample[][] = fileSets.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [at, files] of fileSets.entries()) samples[at]!.push(await loadOnce(files));
  }
  return samples.map((list) => ({
    medianMs: median(list.map((s) => s.ms)),
    medianCpuMs: median(list.map((s) => s.cpuMs)),
    samples: list,
  }));
}

function bytesUnder(dir: string, skip: (full: string) => boolean = () => false): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (skip(full)) continue;
    if (entry.isDirectory()) total += bytesUnder(full, skip);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** Bytes of a package folder as a zip deploy would take it (every file). */
export function folderBytes(dir: string): number {
  return bytesUnder(dir);
}

/** The folder of package NAME resolved from FROMDIR (walking up from its entry: `exports` may hide package.json). */
function packageDir(name: string, fromDir: string): string {
  const require = createRequire(path.join(fromDir, 'package.json'));
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === name)
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${name}`);
    dir = up;
  }
}

/**
 * Bytes of the unbundled package as `func azure functionapp publish` zipped it before: the tsc output of the app's
 * folders (JavaScript only), host.json, package.json and every production dependency, transitively.
 */
export function unbundledBytes(root = REPO_ROOT): number {
  let total = ['host.json', 'package.json'].reduce((sum, f) => sum + fs.statSync(path.join(root, f)).size, 0);
  for (const folder of ['functions', 'orchestrations', 'core', 'adapters']) {
    total += bytesUnder(path.join(root, 'dist', folder), (full) => {
      const stat = fs.statSync(full);
      return stat.isFile() && !full.endsWith('.js');
    });
  }
  const seen = new Set<string>();
  const queue: { name: string; from: string }[] = [];
  const enqueue = (deps: Record<string, string> | undefined, from: string): void => {
    for (const name of Object.keys(deps ?? {})) queue.push({ name, from });
  };
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  enqueue(rootPkg.dependencies, root);
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    let dir: string;
    try {
      dir = packageDir(name, from);
    } catch {
      continue; // an optional or platform-specific dependency that is not installed here
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    total += bytesUnder(dir, (full) => path.basename(full) === 'node_modules');
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    enqueue(pkg.dependencies, dir);
  }
  return total;
}

/** The tsc output the old package.json "main" ("dist/functions/*.js") loaded, in glob order. */
export function unbundledEntries(root = REPO_ROOT): string[] {
  const dir = path.join(root, 'dist', 'functions');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => path.join(dir, f));
}
