// Runs the Bicep CLI that scripts/ensure-bicep.sh links at .tools/bin/bicep. A missing CLI is an error, never a skip:
// the infrastructure checks must not pass by not running.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const bicepDir = join(repoRoot, 'bicep');

export class BicepCliMissingError extends Error {
  readonly code = 'bicep_cli_missing';
  constructor(path: string) {
    super(`Bicep CLI not found or not executable at ${path}; run scripts/ensure-bicep.sh (needs dotnet) first.`);
  }
}

export function bicepBinary(): string {
  const path = process.env.BICEP_BIN ?? join(repoRoot, '.tools', 'bin', 'bicep');
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new BicepCliMissingError(path);
  }
  return path;
}

export interface BicepRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bicep ARGS` in `cwd`; the caller judges the exit status and the diagnostics. `env` adds to (or, with
 * undefined values, removes from) the environment, for parameter files that read it.
 */
export function runBicep(args: string[], cwd = bicepDir, env: Record<string, string | undefined> = {}): BicepRun {
  const result = spawnSync(bicepBinary(), args, {
    cwd,
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
    // The CLI needs no telemetry and no first-run banner in CI logs.
    env: { ...process.env, ...env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', BICEP_TRACING_ENABLED: 'false' },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Lines of Bicep diagnostics (compiler or linter) in the CLI output, whatever their level. */
export function diagnostics(run: BicepRun): string[] {
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => /: (Warning|Error|Info) [A-Za-z0-9-]+:/.test(line));
}
