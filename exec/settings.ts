// Exec server settings, read once from the environment. Pure: takes the environment as a plain object and
// either returns complete settings or throws a SettingsError naming the variable.
import * as os from 'node:os';
import * as path from 'node:path';

import { isLoopbackHostname } from '../core/loopback';
import { MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from './auth';

export interface ExecSettings {
  token: string;
  host: string;
  port: number;
  allowNonLoopback: boolean;
  /** Path of the policy file; undefined means the built-in local policy. */
  policyFile: string | undefined;
  maxConcurrency: number;
  maxQueue: number;
  queueTimeoutMs: number;
  retryAfterSeconds: number;
  maxBodyBytes: number;
  maxStdinBytes: number;
  maxOutputBytes: number;
  maxLineBytes: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  killGraceMs: number;
  clientTimeoutMs: number;
  maxSteps: number;
  maxFiles: number;
  workRoot: string;
  /** Bytes the per-cluster kubectl caches may take together; 0 turns the shared cache off (docs/exec.md). */
  kubectlCacheMaxBytes: number;
  auditFile: string | undefined;
}

export class SettingsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MiB = 1024 * 1024;

/** Every variable the server reads, with its default, for docs and for `--help`. */
export const SETTINGS_HELP: Array<[string, string]> = [
  ['EXEC_TOKEN', `required; ${MIN_TOKEN_LENGTH}-${MAX_TOKEN_LENGTH} characters`],
  ['EXEC_HOST', '127.0.0.1 (a non-loopback address also needs EXEC_ALLOW_NON_LOOPBACK=1)'],
  ['EXEC_ALLOW_NON_LOOPBACK', 'unset'],
  ['EXEC_PORT', '7682 (0 picks a free port)'],
  ['EXEC_POLICY', 'the built-in local policy (exec/policy/local.json)'],
  ['EXEC_MAX_CONCURRENCY', '4'],
  ['EXEC_MAX_QUEUE', '8'],
  ['EXEC_QUEUE_TIMEOUT_SECONDS', '30'],
  ['EXEC_RETRY_AFTER_SECONDS', '2'],
  ['EXEC_MAX_BODY_BYTES', `${8 * MiB}`],
  ['EXEC_MAX_STDIN_BYTES', `${8 * MiB}`],
  ['EXEC_MAX_OUTPUT_BYTES', `${8 * MiB} per stream`],
  ['EXEC_MAX_LINE_BYTES', `${64 * 1024}`],
  ['EXEC_DEFAULT_TIMEOUT_SECONDS', '60'],
  ['EXEC_MAX_TIMEOUT_SECONDS', '1800'],
  ['EXEC_KILL_GRACE_SECONDS', '5'],
  ['EXEC_CLIENT_TIMEOUT_SECONDS', '30'],
  ['EXEC_MAX_STEPS', '16'],
  ['EXEC_MAX_FILES', '16'],
  ['EXEC_WORK_ROOT', '<os temp dir>/elb-exec-<uid>'],
  ['EXEC_KUBECTL_CACHE_MAX_BYTES', `${256 * MiB} (0: no shared kubectl cache)`],
  ['EXEC_AUDIT_FILE', 'unset (audit lines go to stderr)'],
];

export function loadSettings(env: NodeJS.ProcessEnv): ExecSettings {
  const token = env.EXEC_TOKEN ?? '';
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new SettingsError('token_too_short', `EXEC_TOKEN must be set and at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) {
    throw new SettingsError('token_invalid', `EXEC_TOKEN must be at most ${MAX_TOKEN_LENGTH} characters, no spaces`);
  }
  const host = env.EXEC_HOST?.trim() || '127.0.0.1';
  const allowNonLoopback = flag(env, 'EXEC_ALLOW_NON_LOOPBACK');
  if (!isLoopbackHostname(host) && !allowNonLoopback) {
    throw new SettingsError(
      'non_loopback_refused',
      `EXEC_HOST=${host} is not a loopback address; set EXEC_ALLOW_NON_LOOPBACK=1 to listen there on purpose`,
    );
  }
  const maxConcurrency = int(env, 'EXEC_MAX_CONCURRENCY', 4, 1, 256);
  const maxTimeoutSeconds = int(env, 'EXEC_MAX_TIMEOUT_SECONDS', 1800, 1, 24 * 3600);
  const maxBodyBytes = int(env, 'EXEC_MAX_BODY_BYTES', 8 * MiB, 1024, 1024 * MiB);
  return {
    token,
    host,
    port: int(env, 'EXEC_PORT', 7682, 0, 65535),
    allowNonLoopback,
    policyFile: env.EXEC_POLICY?.trim() || undefined,
    maxConcurrency,
    maxQueue: int(env, 'EXEC_MAX_QUEUE', 8, 0, 10_000),
    queueTimeoutMs: int(env, 'EXEC_QUEUE_TIMEOUT_SECONDS', 30, 0, 3600) * 1000,
    retryAfterSeconds: int(env, 'EXEC_RETRY_AFTER_SECONDS', 2, 1, 3600),
    maxBodyBytes,
    maxStdinBytes: int(env, 'EXEC_MAX_STDIN_BYTES', 8 * MiB, 0, 1024 * MiB),
    maxOutputBytes: int(env, 'EXEC_MAX_OUTPUT_BYTES', 8 * MiB, 1024, 1024 * MiB),
    maxLineBytes: int(env, 'EXEC_MAX_LINE_BYTES', 64 * 1024, 256, 16 * MiB),
    defaultTimeoutSeconds: Math.min(int(env, 'EXEC_DEFAULT_TIMEOUT_SECONDS', 60, 1, 24 * 3600), maxTimeoutSeconds),
    maxTimeoutSeconds,
    killGraceMs: int(env, 'EXEC_KILL_GRACE_SECONDS', 5, 0, 300) * 1000,
    clientTimeoutMs: int(env, 'EXEC_CLIENT_TIMEOUT_SECONDS', 30, 1, 3600) * 1000,
    maxSteps: int(env, 'EXEC_MAX_STEPS', 16, 1, 256),
    maxFiles: int(env, 'EXEC_MAX_FILES', 16, 0, 1024),
    workRoot: env.EXEC_WORK_ROOT?.trim() || path.join(os.tmpdir(), `elb-exec-${process.getuid?.() ?? 'user'}`),
    kubectlCacheMaxBytes: int(env, 'EXEC_KUBECTL_CACHE_MAX_BYTES', 256 * MiB, 0, 64 * 1024 * MiB),
    auditFile: env.EXEC_AUDIT_FILE?.trim() || undefined,
  };
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new SettingsError('invalid_setting', `${name} must be 1/true or 0/false`);
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError('invalid_setting', `${name} must be a whole number`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new SettingsError('invalid_setting', `${name} must be between ${min} and ${max}`);
  }
  return value;
}
