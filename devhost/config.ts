import fs from 'node:fs';
import path from 'node:path';
import { DevhostError } from './errors.js';

/** What the devhost takes from the app's host.json. */
export interface HostConfig {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
}

/** Defaults of the Functions host when host.json says nothing (func start uses TestHubName locally). */
export const HOST_DEFAULTS: HostConfig = {
  routePrefix: 'api',
  hubName: 'TestHubName',
  maxConcurrentActivityFunctions: 10,
  maxConcurrentOrchestratorFunctions: 10,
};

/** Reads and validates DIR/host.json; `%NAME%` values are resolved from the app settings as the host does. */
export function readHostConfig(appDir: string, settings: NodeJS.ProcessEnv): HostConfig {
  const file = path.join(appDir, 'host.json');
  if (!fs.existsSync(file)) return { ...HOST_DEFAULTS };
  const raw = parseJsonFile(file, 'bad_host_json');
  return hostConfigFrom(raw, settings);
}

/** Pure part of readHostConfig, so the rules can be tested without files. */
export function hostConfigFrom(raw: unknown, settings: NodeJS.ProcessEnv): HostConfig {
  const root = asObject(raw);
  const extensions = asObject(root.extensions);
  const http = asObject(extensions.http);
  const durable = asObject(extensions.durableTask);
  const config = { ...HOST_DEFAULTS };
  if (http.routePrefix !== undefined) {
    if (typeof http.routePrefix !== 'string')
      throw new DevhostError('bad_host_json', 'extensions.http.routePrefix must be a string');
    config.routePrefix = http.routePrefix.replace(/^\/+|\/+$/g, '');
  }
  if (durable.hubName !== undefined) {
    if (typeof durable.hubName !== 'string')
      throw new DevhostError('bad_host_json', 'extensions.durableTask.hubName must be a string');
    config.hubName = resolveSettingRefs(durable.hubName, settings);
    // Azure Storage task hubs: 3-45 characters, letters and digits, starting with a letter.
    if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(config.hubName)) {
      throw new DevhostError(
        'bad_hub_name',
        `Task hub name '${config.hubName}' is invalid: use 3-45 letters or digits, starting with a letter.`,
      );
    }
  }
  for (const key of ['maxConcurrentActivityFunctions', 'maxConcurrentOrchestratorFunctions'] as const) {
    const value = durable[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new DevhostError('bad_host_json', `extensions.durableTask.${key} must be a positive integer`);
    }
    config[key] = value;
  }
  return config;
}

/** Replaces `%NAME%` with the app setting NAME; an unknown setting is a startup error, not an empty string. */
export function resolveSettingRefs(value: string, settings: NodeJS.ProcessEnv): string {
  return value.replace(/%([^%]+)%/g, (_all, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined || resolved === '') {
      throw new DevhostError('unresolved_setting', `host.json refers to app setting '${name}', which is not set.`);
    }
    return resolved;
  });
}

/** Reads `Values` from DIR/local.settings.json (absent file → no values). */
export function readLocalSettings(appDir: string): Record<string, string> {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return {};
  const values = asObject(asObject(parseJsonFile(file, 'bad_local_settings')).Values);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'string' ? value : String(value);
  }
  return out;
}

/** Merges local settings into the environment; what the environment already has wins. */
export function applySettings(env: NodeJS.ProcessEnv, values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined) env[key] = value;
  }
}

/** package.json `main` of the app, required: without it there is nothing to load. */
export function readMain(appDir: string): string {
  const file = path.join(appDir, 'package.json');
  if (!fs.existsSync(file)) throw new DevhostError('no_package_json', `No package.json in ${appDir}.`);
  const main = asObject(parseJsonFile(file, 'bad_package_json')).main;
  if (typeof main !== 'string' || main.trim() === '') {
    throw new DevhostError(
      'no_main',
      `${file} has no "main" entry: point it at the compiled functions (a file or a glob).`,
    );
  }
  return main;
}

function parseJsonFile(file: string, code: string): unknown {
  try {
    // host.json and local.settings.json may carry a UTF-8 byte order mark when edited on Windows.
    return JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new DevhostError(code, `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
