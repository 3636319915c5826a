// Builds the Function App package in dist/app: what `azd deploy` zips and what the devhost and the tests load
// (package.json "main" points here). Why it is shaped this way: docs/decisions/0002-function-app-bundle.md.
//
//   dist/app/main.js            the app and every library it uses, one file
//   dist/app/host.json          copied from the repository root
//   dist/app/package.json       main: main.js, the two runtime packages below as dependencies
//   dist/app/node_modules/      @azure/functions and durable-functions as packages (the worker and the devhost meet
//                               the app through them): durable-functions bundled into one file, @azure/functions
//                               copied (it is one file already); their dependencies bundled one file each; the
//                               packages the app loads only with import(), one file each
//
// Usage: node scripts/build-app.mjs [--out DIR]
import { builtinModules, createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const OUT = outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(ROOT, 'dist', 'app');

/** Packages kept as packages beside main.js, never inside it: the Node worker injects `@azure/functions-core` into
 * the app's own `@azure/functions`, and durable-functions must be the one copy the host's replay (and the devhost)
 * runs and inspects. */
export const RUNTIME_PACKAGES = ['@azure/functions', 'durable-functions'];
/** Packages the app only ever loads with `import()` on first use: each is bundled into its own file under
 * node_modules, so a cold start neither evaluates nor parses them (the Kubernetes client alone is 5 MB).
 * A package listed here but not installed is skipped; one imported statically fails the build. */
export const LAZY_PACKAGES = [
  '@kubernetes/client-node',
  '@azure/monitor-opentelemetry',
  '@azure/identity',
  '@azure/eventgrid',
  '@azure/data-tables',
  '@azure/container-registry',
];
/** Runtime packages bundled into one file (at their `main`) rather than copied file by file, with the internal
 * modules that must stay reachable by their path: the devhost reads durable-functions' task classes and patches its
 * task executor (devhost/durable/internals.ts), so those two paths answer with the very modules inside the bundle. */
export const BUNDLED_RUNTIME_PACKAGES = {
  'durable-functions': ['lib/src/task', 'lib/src/orchestrations/TaskOrchestrationExecutor'],
};
const BUNDLED_MODULES = "Symbol.for('elb-app.bundled-modules')";

/** Dependencies of the runtime packages that are required at startup but used only later. Each is bundled beside a
 * small index.js that loads it on first use (a property read or a call). durable-functions requires all three when it
 * loads: axios and validator it uses only inside a durable client (`axios.default.create` in the DurableClient
 * constructor, `validator.isURL` on its management URLs), i.e. in a request that starts or queries an orchestration;
 * moment only when an orchestration runs (its context's timers). Loading them cost about half of durable-functions'
 * own load (validator alone requires its hundred-odd checks). */
export const DEFERRED_DEPENDENCIES = ['axios', 'validator', 'moment'];
const NODE_TARGET = 'node20';
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The folder of package NAME as Node resolves it from FROMDIR (walking up from its entry: `exports` may hide
 * package.json). */
function packageDir(name, fromDir) {
  let dir = path.dirname(createRequire(path.join(fromDir, 'package.json')).resolve(name));
  while (!(fs.existsSync(path.join(dir, 'package.json')) && readJson(path.join(dir, 'package.json')).name === name)) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${name} above its entry`);
    dir = up;
  }
  return dir;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The app: every functions/*.ts registration module, in the order the old "dist/functions/*.js" glob loaded them. */
function installed(name) {
  try {
    packageDir(name, ROOT);
    return true;
  } catch {
    return false;
  }
}

async function bundleApp(lazy) {
  const entries = fs
    .readdirSync(path.join(ROOT, 'functions'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const contents = entries.map((f) => `require('./functions/${f}');`).join('\n');
  return esbuild.build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'app-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'cjs',
    outfile: path.join(OUT, 'main.js'),
    // import() of a lazy package becomes require() (as tsc compiles it): a native import() of a bundled CommonJS file
    // sees only the export names Node's lexer can find, and @azure/identity's are not among them.
    supported: { 'dynamic-import': false },
    external: [...RUNTIME_PACKAGES, ...lazy, '@azure/functions-core'],
    // Whitespace and syntax only: stack traces keep readable names. The source map is written outside the package
    // (dist/app-sourcemap), for reading a production stack trace, so it is not zipped and deployed.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
}

/** Fails when a lazy package is reached by anything but `import()`, which would put it back on the cold path. */
function checkLazyImports(metafile, lazy) {
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || !lazy.includes(packageName(imported.path))) continue;
      if (imported.kind !== 'dynamic-import') {
        throw new Error(
          `${file} loads ${imported.path} with ${imported.kind}; only import() keeps it off the cold path`,
        );
      }
    }
  }
}

/** Copies a runtime package's own JavaScript (no types, maps or docs) and returns the bare specifiers it requires. */
function copyRuntimePackage(name) {
  const from = packageDir(name, ROOT);
  const to = path.join(OUT, 'node_modules', name);
  const pkg = readJson(path.join(from, 'package.json'));
  const required = new Set();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(from, full);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'test') walk(full);
        continue;
      }
      if (!entry.name.endsWith('.js') || entry.name.endsWith('.min.js')) continue;
      const text = fs.readFileSync(full, 'utf8');
      for (const m of text.matchAll(/require\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
        if (!builtins.has(m[1]) && m[1] !== '@azure/functions-core') required.add(m[1]);
      }
      fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
      fs.copyFileSync(full, path.join(to, rel));
    }
  };
  walk(from);
  writeJson(path.join(to, 'package.json'), {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license,
    main: pkg.main,
    dependencies: pkg.dependencies,
  });
  return { from, required: [...required].filter((s) => !RUNTIME_PACKAGES.includes(packageName(s))) };
}

/**
 * Bundles runtime package NAME into one file at its `main`, its dependencies inside except the other runtime packages
 * and the deferred ones (returned, to be bundled beside it). Each kept internal path gets a one-line module that
 * returns the bundle's own copy of that module.
 */
async function bundleRuntimePackage(name, keptPaths) {
  const from = packageDir(name, ROOT);
  const to = path.join(OUT, 'node_modules', name);
  const pkg = readJson(path.join(from, 'package.json'));
  const main = pkg.main.endsWith('.js') ? pkg.main : `${pkg.main}.js`;
  const kept = keptPaths.map((p) => `  ${JSON.stringify(p)}: require(${JSON.stringify(path.join(from, p))}),`);
  const contents = [
    `const api = require(${JSON.stringify(path.join(from, main))});`,
    `Object.defineProperty(api, ${BUNDLED_MODULES}, { value: {`,
    ...kept,
    '} });',
    'module.exports = api;',
  ].join('\n');
  const result = await esbuild.build({
    stdin: { contents, resolveDir: from, sourcefile: `${name}-entry.js`, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'cjs',
    outfile: path.join(to, main),
    external: [...RUNTIME_PACKAGES.filter((p) => p !== name), ...DEFERRED_DEPENDENCIES],
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });
  for (const internal of keptPaths) {
    const file = path.join(to, `${internal}.js`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const toMain = path.relative(path.dirname(file), path.join(to, main));
    fs.writeFileSync(
      file,
      `'use strict';\n// The bundle's own ${internal} (scripts/build-app.mjs BUNDLED_RUNTIME_PACKAGES).\n` +
        `module.exports = require('./${toMain}')[${BUNDLED_MODULES}][${JSON.stringify(internal)}];\n`,
    );
  }
  writeJson(path.join(to, 'package.json'), {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license,
    main: pkg.main,
    dependencies: pkg.dependencies,
  });
  const deferred = new Set();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.external && DEFERRED_DEPENDENCIES.includes(imported.path)) deferred.add(imported.path);
    }
  }
  return { from, required: [...deferred] };
}

/** Bundles one dependency specifier of a runtime package (e.g. `axios`, `lodash/cloneDeep`) into one file at the
 * path Node resolves it to inside the package's node_modules. */
async function bundleDependency(specifier, fromDir) {
  const name = packageName(specifier);
  const entry = createRequire(path.join(fromDir, 'package.json')).resolve(specifier);
  const pkg = readJson(path.join(packageDir(name, fromDir), 'package.json'));
  const subpath = specifier.slice(name.length + 1);
  const target = path.join(OUT, 'node_modules', name);
  const deferred = DEFERRED_DEPENDENCIES.includes(specifier);
  const file = deferred ? 'bundled.js' : subpath ? `${subpath}.js` : 'index.js';
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'cjs',
    outfile: path.join(target, file),
    // Identifiers too: these files are the bulk of the package (the Kubernetes client and the telemetry distro are
    // 5 MB each without it), and keepNames still gives stack traces their class and function names.
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  if (deferred) fs.writeFileSync(path.join(target, 'index.js'), deferredShim(specifier));
  const manifest = path.join(target, 'package.json');
  if (!fs.existsSync(manifest)) {
    writeJson(manifest, { name: pkg.name, version: pkg.version, license: pkg.license, main: 'index.js' });
  }
}

/** index.js of a deferred dependency: a stand-in that loads the bundled module on first use. Its target is an arrow
 * function so that a module that is itself a function (moment) can be called (or constructed) through it. Reading
 * `__esModule` (TypeScript's import helpers do, at require time) answers without loading. */
function deferredShim(specifier) {
  return `'use strict';
// ${specifier}, loaded on first use (scripts/build-app.mjs DEFERRED_DEPENDENCIES, docs/decisions/0002).
let loaded;
const load = () => (loaded ??= require('./bundled.js'));
module.exports = new Proxy(() => {}, {
  get: (_target, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_target, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_target, key) => {
    const found = Reflect.getOwnPropertyDescriptor(load(), key);
    return found && { ...found, configurable: true };
  },
  apply: (_target, self, args) => Reflect.apply(load(), self, args),
  construct: (_target, args) => Reflect.construct(load(), args),
});
`;
}

export async function buildApp() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const lazy = LAZY_PACKAGES.filter(installed);
  const result = await bundleApp(lazy);
  checkLazyImports(result.metafile, lazy);
  const maps = path.join(path.dirname(OUT), `${path.basename(OUT)}-sourcemap`);
  fs.rmSync(maps, { recursive: true, force: true });
  fs.mkdirSync(maps, { recursive: true });
  fs.renameSync(path.join(OUT, 'main.js.map'), path.join(maps, 'main.js.map'));
  for (const name of lazy) await bundleDependency(name, ROOT);
  fs.copyFileSync(path.join(ROOT, 'host.json'), path.join(OUT, 'host.json'));
  const dependencies = {};
  for (const name of RUNTIME_PACKAGES) {
    const keptPaths = BUNDLED_RUNTIME_PACKAGES[name];
    const { from, required } = keptPaths ? await bundleRuntimePackage(name, keptPaths) : copyRuntimePackage(name);
    dependencies[name] = readJson(path.join(from, 'package.json')).version;
    for (const specifier of required) await bundleDependency(specifier, from);
  }
  writeJson(path.join(OUT, 'package.json'), {
    name: `${rootPkg.name}-app`,
    version: rootPkg.version,
    private: true,
    description: 'The bundled elb-control Function App (built by scripts/build-app.mjs; do not edit)',
    license: rootPkg.license,
    main: 'main.js',
    dependencies,
  });
  const inputs = Object.keys(result.metafile.inputs).length;
  return { out: OUT, inputs };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { out, inputs } = await buildApp();
  console.log(
    `built ${path.relative(ROOT, out) || out}: ${inputs} source modules in main.js (${Date.now() - started} ms)`,
  );
}
