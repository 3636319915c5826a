// Runs a part's CLI from its TypeScript entry (`node --import tsx <entry>`), so tests need no build of dist/.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the CLI and hands back the child; the caller reads its output and must end it. */
export function spawnTsCli(
  entry: string,
  args: string[],
  options: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] },
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], options);
}

/**
 * Runs the CLI to its end and answers its exit code and output. A run that hangs is killed after `timeoutMs`
 * (and reads as exit code 1), so a broken CLI fails its test instead of outliving it.
 */
export function runTsCli(entry: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTsCli(entry, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
