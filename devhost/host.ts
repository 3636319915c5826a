import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { applySettings, readHostConfig, readLocalSettings, readMain, type HostConfig } from './config.js';
import { installCoreStandin } from './core-standin.js';
import { DurableEngine } from './durable/engine.js';
import { durableClientValue, handleDurableApi, RPC_BASE, WEBHOOK_BASE } from './durable/http-api.js';
import { type DurableInternals, loadDurableInternals, VERIFIED_DURABLE_VERSION } from './durable/internals.js';
import { InstanceStore } from './durable/store.js';
import { DevhostError, oneLine } from './errors.js';
import { EVENT_GRID_PATH, handleEventGrid } from './eventgrid.js';
import { expandMain } from './glob.js';
import { HttpTriggers } from './http-triggers.js';
import { createGuardedServer, methodNotAllowed } from './http-guard.js';
import { MAX_BODY_BYTES, sendJson } from './http-util.js';
import { type HostKeys, loadOrCreateKeys, requireKey } from './keys.js';
import { type FunctionsLib, Invoker } from './invoke.js';
import { Registry } from './registry.js';
import { TimerTriggers } from './timer-triggers.js';

export interface DevhostOptions {
  appDir: string;
  port: number;
  host: string;
  stateDir: string;
  allowUntestedDurable?: boolean;
  /** Where log lines go; stdout by default. */
  write?: (line: string) => void;
}

export interface RunningDevhost {
  url: string;
  port: number;
  config: HostConfig;
  registry: Registry;
  engine?: DurableEngine;
  /** The master and system keys of this state dir (docs/devhost.md "Keys"). */
  keys: HostKeys;
  close(): Promise<void>;
}

/**
 * Loads a Functions v4 app and serves it: HTTP triggers, the Event Grid webhook, the Durable HTTP API and
 * orchestrations, timer triggers and app hooks. One app per process (the core stand-in is process-wide).
 */
export async function startDevhost(options: DevhostOptions): Promise<RunningDevhost> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const appDir = path.resolve(options.appDir);
  if (!fs.existsSync(appDir) || !fs.statSync(appDir).isDirectory()) {
    throw new DevhostError('app_not_found', `The app directory ${appDir} does not exist.`);
  }
  applySettings(process.env, readLocalSettings(appDir));
  const main = readMain(appDir);
  const files = expandMain(appDir, main);
  if (files.length === 0) {
    throw new DevhostError(
      'bad_main_glob',
      `package.json "main" ("${main}") matches no files in ${appDir}. Was the app built?`,
    );
  }
  const config = readHostConfig(appDir, process.env);
  // Resolve packages the way the app's entry file does: a bundled app (dist/app, docs/decisions/0002) carries its own
  // @azure/functions and durable-functions beside it, and the devhost must use and inspect those very copies.
  const appRequire = createRequire(files[0] ?? path.join(appDir, 'package.json'));
  const lib = loadFunctionsLib(appRequire);
  const internals = loadDurable(appRequire, options.allowUntestedDurable === true);

  const registry = new Registry();
  installCoreStandin(registry, (level, message) => write(`devhost: [${level}] ${message}`));
  for (const file of files) {
    try {
      appRequire(file);
    } catch (err) {
      if (err instanceof DevhostError) throw err;
      throw new DevhostError('app_load_failed', `Loading ${path.relative(appDir, file)} failed: ${oneLine(err)}`);
    }
  }
  if (registry.functions.size === 0) {
    throw new DevhostError(
      'no_functions',
      `No functions were registered by ${files.length} file(s) matched by "${main}".`,
    );
  }

  const keys = loadOrCreateKeys(options.stateDir, write);
  let origin = '';
  const invoker = new Invoker({
    lib,
    registry,
    durableClientValue: () => durableClientValue(origin, config.hubName, keys.system),
    write,
  });
  const triggers = new HttpTriggers(registry, config.routePrefix, invoker, lib);
  const timers = new TimerTriggers(registry, process.env, invoker);
  const usesDurable =
    registry.byTriggerType('orchestrationTrigger').length > 0 || registry.byTriggerType('activityTrigger').length > 0;
  let engine: DurableEngine | undefined;
  if (usesDurable || internals) {
    if (!internals)
      throw new DevhostError(
        'missing_dependency',
        'The app registers durable functions but durable-functions cannot be resolved.',
      );
    engine = new DurableEngine({
      store: new InstanceStore(options.stateDir, config.hubName),
      registry,
      invoker,
      internals,
      maxConcurrentActivityFunctions: config.maxConcurrentActivityFunctions,
      maxConcurrentOrchestratorFunctions: config.maxConcurrentOrchestratorFunctions,
      log: write,
    });
  }

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const server = createGuardedServer(
    async (req, res, url) => {
      await ready;
      const path = url.pathname.toLowerCase();
      if (path.startsWith(WEBHOOK_BASE) || path.startsWith(RPC_BASE)) {
        // The Durable HTTP API starts, lists, purges and terminates instances: the system key, as in Azure.
        requireKey(keys, 'system', req, url);
        if (!engine) throw new DevhostError('not_found', 'This app has no durable functions.', 404);
        await handleDurableApi(req, res, url, {
          engine,
          hubName: config.hubName,
          origin: () => origin,
          systemKey: keys.system,
        });
        return;
      }
      if (path.replace(/\/+$/, '') === EVENT_GRID_PATH) {
        requireKey(keys, 'system', req, url);
        await handleEventGrid(req, res, url, registry, invoker);
        return;
      }
      if (path === '/admin' || path.startsWith('/admin/')) {
        requireKey(keys, 'admin', req, url);
        if (path.replace(/\/+$/, '') !== '/admin/host/status')
          throw new DevhostError('not_found', `No admin route ${url.pathname}.`, 404);
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
        sendJson(res, 200, { state: 'Running', version: 'elb-devhost', functions: [...registry.functions.keys()] });
        return;
      }
      if (await triggers.handle(req, res, url, keys)) return;
      throw new DevhostError('not_found', `No function or route for ${url.pathname}.`, 404);
    },
    {
      maxBodyBytes: MAX_BODY_BYTES,
      origin: () => origin || 'http://localhost',
      log: (line) => write(`devhost: ${line}`),
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new DevhostError(
              'port_in_use',
              `Port ${options.port} on ${options.host} is already in use; pick another with --port.`,
            )
          : new DevhostError('listen_failed', `Cannot listen on ${options.host}:${options.port}: ${err.message}`),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  origin = `http://${hostForUrl}:${port}`;
  // durable-functions rewrites client URLs to localhost:7071 unless WEBSITE_HOSTNAME names the real host.
  process.env.WEBSITE_HOSTNAME = `${hostForUrl}:${port}`;

  for (const hook of [...registry.hooks.appStart]) await hook({ hookData: {} });
  const resumed = engine?.start() ?? 0;
  timers.start();
  listFunctions(write, registry, triggers, timers, origin);
  if (resumed > 0) write(`devhost: resumed ${resumed} unfinished orchestration instance(s) from ${options.stateDir}`);
  markReady();

  let closed = false;
  return {
    url: origin,
    port,
    config,
    registry,
    engine,
    keys,
    async close() {
      if (closed) return;
      closed = true;
      timers.stop();
      engine?.stop();
      for (const hook of [...registry.hooks.appTerminate]) {
        try {
          await hook({ hookData: {} });
        } catch (err) {
          write(`devhost: appTerminate hook failed: ${oneLine(err)}`);
        }
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function loadFunctionsLib(appRequire: NodeJS.Require): FunctionsLib {
  try {
    return appRequire('@azure/functions') as FunctionsLib;
  } catch {
    throw new DevhostError(
      'missing_dependency',
      'The app cannot resolve @azure/functions (v4); install it in the app.',
    );
  }
}

function loadDurable(appRequire: NodeJS.Require, allowUntested: boolean): DurableInternals | undefined {
  try {
    appRequire.resolve('durable-functions');
  } catch {
    return undefined;
  }
  const internals = loadDurableInternals(appRequire);
  if (internals.version !== VERIFIED_DURABLE_VERSION && !allowUntested) {
    throw new DevhostError(
      'untested_durable_functions',
      `The app uses durable-functions ${internals.version}; elb-devhost is verified with ${VERIFIED_DURABLE_VERSION} ` +
        '(it relies on library internals). Pin that version, or pass --allow-untested-durable-functions after running the devhost contract tests.',
    );
  }
  return internals;
}

function listFunctions(
  write: (line: string) => void,
  registry: Registry,
  triggers: HttpTriggers,
  timers: TimerTriggers,
  origin: string,
): void {
  write('Functions:');
  for (const route of triggers.routes) {
    const methods = route.methods ? [...route.methods].join(',') : 'ALL';
    write(`  ${route.fn.name}: [${methods}] ${origin}${triggers.describe(route)}`);
  }
  for (const fn of registry.byTriggerType('eventGridTrigger')) {
    write(`  ${fn.name}: eventGridTrigger ${origin}/runtime/webhooks/EventGrid?functionName=${fn.name}`);
  }
  for (const timer of timers.describe()) write(`  ${timer.name}: timerTrigger (${timer.schedule})`);
  for (const type of ['orchestrationTrigger', 'activityTrigger', 'entityTrigger']) {
    for (const fn of registry.byTriggerType(type)) write(`  ${fn.name}: ${type}`);
  }
  const known = new Set([
    'httpTrigger',
    'eventGridTrigger',
    'timerTrigger',
    'orchestrationTrigger',
    'activityTrigger',
    'entityTrigger',
  ]);
  for (const fn of registry.functions.values()) {
    if (!known.has(fn.trigger.type))
      write(`  ${fn.name}: ${fn.trigger.type} (not supported by elb-devhost; never invoked)`);
  }
}
