// Who talks to which cluster: the part of a kubeconfig (and of the command's connection flags) that decides the
// API server kubectl reaches and the credential it presents. Two commands share a kubectl cache dir only when this is
// equal (docs/exec.md, The kubectl cache). Pure: the files it names are read by the caller.
import { load } from 'js-yaml';
import * as path from 'node:path';

import type { UsedFlag } from './policy';

export interface ClusterIdentity {
  /** The API server URL kubectl will talk to. */
  server: string;
  /** Everything else that decides who talks to it: the whole cluster and user entries, connection flags. */
  settings: unknown;
  /** Files those name (certificates, keys, token files), absolute: their contents belong to the identity too. */
  files: string[];
}

/** kubectl's global flags that change where it connects or who it says it is (`kubectl options`). */
const CONNECTION_FLAGS = new Set([
  '--as',
  '--as-group',
  '--as-uid',
  '--certificate-authority',
  '--client-certificate',
  '--client-key',
  '--cluster',
  '--context',
  '--insecure-skip-tls-verify',
  '--password',
  '--server',
  '--tls-server-name',
  '--token',
  '--user',
  '--username',
]);
const FILE_FLAGS = new Set(['--certificate-authority', '--client-certificate', '--client-key']);
const USER_FILE_FIELDS = ['client-certificate', 'client-key', 'tokenFile', 'token-file'];
const CLUSTER_FILE_FIELDS = ['certificate-authority'];

/**
 * The identity a kubectl command with this kubeconfig connects as, or undefined when it cannot be told for certain
 * (unparsable, no context, a name that is ambiguous or missing): such a command gets no shared cache.
 * `kubeconfigDir` is where relative paths in the file are resolved (as kubectl does), `workDir` where relative
 * paths in flags are.
 */
export function clusterIdentity(
  kubeconfigText: string,
  kubeconfigDir: string,
  workDir: string,
  flags: readonly UsedFlag[],
): ClusterIdentity | undefined {
  let doc: unknown;
  try {
    doc = load(kubeconfigText, { json: true });
  } catch {
    return undefined;
  }
  const overrides = flags
    .map((f) => ({ flag: f.flag === '-s' ? '--server' : f.flag, value: f.value ?? 'true' }))
    .filter((f) => CONNECTION_FLAGS.has(f.flag));
  const override = (flag: string): string | undefined => overrides.filter((f) => f.flag === flag).at(-1)?.value;

  const contextName = override('--context') ?? one(doc, 'current-context');
  const context = entry(doc, 'contexts', contextName, 'context');
  const cluster = entry(doc, 'clusters', override('--cluster') ?? one(context, 'cluster'), 'cluster');
  const user = entry(doc, 'users', override('--user') ?? one(context, 'user'), 'user');
  if (!isObject(cluster) || !(isObject(user) || user === null)) return undefined;
  const server = override('--server') ?? one(cluster, 'server');
  if (typeof server !== 'string' || server === '') return undefined;

  const files = [
    ...fileFields(cluster, CLUSTER_FILE_FIELDS).map((f) => path.resolve(kubeconfigDir, f)),
    ...fileFields(user, USER_FILE_FIELDS).map((f) => path.resolve(kubeconfigDir, f)),
    ...overrides.filter((f) => FILE_FLAGS.has(f.flag)).map((f) => path.resolve(workDir, f.value)),
  ];
  return { server, settings: { cluster, user, flags: overrides.map((f) => [f.flag, f.value]) }, files };
}

/**
 * `JSON.stringify` with object keys sorted, so equal settings always give equal text. YAML aliases make a small file
 * a huge tree ("billion laughs"), so past `maxValues` values this throws a RangeError instead of expanding it.
 */
export function canonicalJson(value: unknown, maxValues = 100_000): string {
  let values = 0;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (++values > maxValues) throw new RangeError('too many values to hash');
    return isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v;
  });
}

/** The `field` of the one entry of list `list` whose name is `name`; undefined unless exactly one matches. */
function entry(doc: unknown, list: string, name: unknown, field: string): unknown {
  if (typeof name !== 'string' || name === '') return undefined;
  const items = one(doc, list);
  if (!Array.isArray(items)) return undefined;
  const matches = items.filter((item) => one(item, 'name') === name);
  if (matches.length !== 1) return undefined;
  return one(matches[0], field);
}

/**
 * The value under `key`, matched without regard to case as Go's decoder does; undefined when absent or when two
 * spellings of the key are present (which one kubectl would take is not worth guessing).
 */
function one(value: unknown, key: string): unknown {
  if (!isObject(value)) return undefined;
  const want = key.toLowerCase();
  const found = Object.entries(value).filter(([k]) => k.toLowerCase() === want);
  return found.length === 1 ? found[0]?.[1] : undefined;
}

function fileFields(obj: unknown, fields: string[]): string[] {
  if (!isObject(obj)) return [];
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  return Object.entries(obj)
    .filter(([k, v]) => wanted.has(k.toLowerCase()) && typeof v === 'string' && v !== '')
    .map(([, v]) => v as string);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
