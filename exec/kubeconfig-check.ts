// A kubeconfig can make kubectl run a program (users[].user.exec) or read any file on the server (token and
// certificate paths) and send it to a server the kubeconfig names. This check keeps both inside the policy.
import { load } from 'js-yaml';
import * as path from 'node:path';

import { isInside } from './policy';

export interface KubeconfigProblem {
  rule: string;
  message: string;
}

const FILE_FIELDS_USER = ['client-certificate', 'client-key', 'tokenFile', 'token-file'];
const FILE_FIELDS_CLUSTER = ['certificate-authority'];

/**
 * Returns the first problem found in a kubeconfig's text, or undefined when it is acceptable.
 * `baseDir` is the directory relative file paths in it are resolved against (kubectl resolves them against
 * the kubeconfig's own directory); `roots` are the directories such files may live in.
 */
export function checkKubeconfig(
  text: string,
  baseDir: string,
  roots: readonly string[],
  allowedExecCommands: readonly string[],
): KubeconfigProblem | undefined {
  let doc: unknown;
  try {
    doc = load(text, { json: true });
  } catch {
    // What this parser cannot read, kubectl's might: refuse rather than guess.
    return { rule: 'kubeconfig.format', message: 'kubeconfig is not valid YAML' };
  }
  if (doc === undefined || doc === null) return undefined;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return { rule: 'kubeconfig.format', message: 'kubeconfig is not a mapping' };
  }
  for (const entry of valuesAt(doc, 'users').flatMap(listOf)) {
    for (const user of valuesAt(entry, 'user').filter(isObject)) {
      for (const exec of valuesAt(user, 'exec')) {
        if (exec === null) continue;
        const commands = isObject(exec) ? valuesAt(exec, 'command') : [undefined];
        if (commands.length === 0 || commands.some((c) => typeof c !== 'string' || !allowedExecCommands.includes(c))) {
          return {
            rule: 'kubeconfig.exec_commands',
            message: 'kubeconfig names a credential plugin the policy does not allow',
          };
        }
      }
      if (valuesAt(user, 'auth-provider').some((v) => v !== null)) {
        return { rule: 'kubeconfig.auth_provider', message: 'kubeconfig auth-provider entries are not allowed' };
      }
      const bad = fileOutside(user, FILE_FIELDS_USER, baseDir, roots);
      if (bad) {
        return { rule: 'path_roots', message: `kubeconfig user field ${bad} points outside the allowed directories` };
      }
    }
  }
  for (const entry of valuesAt(doc, 'clusters').flatMap(listOf)) {
    for (const cluster of valuesAt(entry, 'cluster').filter(isObject)) {
      const bad = fileOutside(cluster, FILE_FIELDS_CLUSTER, baseDir, roots);
      if (bad) {
        return {
          rule: 'path_roots',
          message: `kubeconfig cluster field ${bad} points outside the allowed directories`,
        };
      }
    }
  }
  return undefined;
}

function fileOutside(
  obj: Record<string, unknown>,
  fields: string[],
  baseDir: string,
  roots: readonly string[],
): string | undefined {
  for (const field of fields) {
    for (const value of valuesAt(obj, field)) {
      if (typeof value !== 'string' || value === '') continue;
      const resolved = path.resolve(baseDir, value);
      if (!roots.some((root) => isInside(root, resolved))) return field;
    }
  }
  return undefined;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every value under `key`, matched without regard to case: Go's JSON decoding may fold case. */
function valuesAt(value: unknown, key: string): unknown[] {
  if (!isObject(value)) return [];
  const want = key.toLowerCase();
  return Object.entries(value)
    .filter(([k]) => k.toLowerCase() === want)
    .map(([, v]) => v);
}
