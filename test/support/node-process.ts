// Starts single parts of the stack (Azurite, the sim, …) as child Node processes, for the tests and benchmarks that
// need a piece of the stack rather than all of it (test/support/stack.ts): spawn, wait until the output says the
// part is ready, hand the child back to be stopped by its caller.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './stack';

export interface StartedProcess {
  child: ChildProcess;
  /** Everything it printed (stdout and stderr) up to the moment it was ready. */
  output: string;
}

export interface StartOptions {
  /** Ready once every one of these has matched the output so far. */
  ready: RegExp[];
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * `node <argv…>` in the repository root. Rejects, with the output so far, if the process exits before it is ready
 * or is not ready in time (it is killed then, so nothing outlives a failed start).
 */
export function startNodeProcess(name: string, argv: string[], options: StartOptions): Promise<StartedProcess> {
  const child = spawn(process.execPath, argv, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${name} not ready in time:\n${output}`));
    }, options.timeoutMs ?? 90_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code}) before it was ready:\n${output}`));
    };
    child.once('exit', onExit);
    // Output is kept only until the part is ready; after that the pipes are still drained, so it never blocks.
    let started = false;
    child.stderr!.on('data', (d: Buffer) => {
      if (!started) output += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      if (started) return;
      output += d.toString();
      if (options.ready.every((r) => r.test(output))) {
        started = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        ok({ child, output });
      }
    });
  });
}

/**
 * Stops a started part and resolves once it has exited (SIGTERM, then SIGKILL after `graceMs`), so a caller can
 * remove the part's state dir without racing its last writes.
 */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      ok();
    });
    child.kill('SIGTERM');
  });
}

/** Azurite's Table service alone, in memory, on 127.0.0.1:`port` (it cannot pick a free port itself). */
export function startAzuriteTables(port: number): Promise<StartedProcess> {
  return startNodeProcess(
    'azurite',
    [
      join(repoRoot, 'node_modules/azurite/dist/src/table/main.js'),
      ...['--tableHost', '127.0.0.1', '--tablePort', String(port), '--inMemoryPersistence', '--disableTelemetry'],
    ],
    { ready: [/successfully started/] },
  );
}

/** Where the Table service started by `startAzuriteTables(port)` answers, for the well-known dev account. */
export function azuriteTablesUrl(port: number): string {
  return `http://127.0.0.1:${port}/devstoreaccount1`;
}

export interface ZeroDelaySimOptions {
  /** How to run the sim: `['--import', 'tsx', 'sim/cli.ts']` from source, `['dist/sim/cli.js']` compiled. */
  entry: string[];
  stateDir: string;
  /** 0 picks free ports (read them from the READY lines). */
  k8sPort?: number;
  registryPort?: number;
  /** The Event Grid webhook for pushes; none when absent. */
  webhook?: string;
}

/**
 * The sim with no pretend delays (pods Ready and LoadBalancer addresses at once), resolved once both of its READY
 * lines are out; `readyUrl` reads their addresses.
 */
export function startZeroDelaySim(options: ZeroDelaySimOptions): Promise<StartedProcess> {
  return startNodeProcess(
    'sim',
    [
      ...options.entry,
      ...['--k8s-port', String(options.k8sPort ?? 0), '--registry-port', String(options.registryPort ?? 0)],
      ...['--state-dir', options.stateDir, '--ready-delay-ms', '0', '--lb-delay-ms', '0'],
      ...(options.webhook ? ['--webhook', options.webhook] : ['--no-webhook']),
    ],
    { ready: [/^READY sim-k8s \S+/m, /^READY sim-registry \S+/m] },
  );
}

/** The address a `READY <part> <url>` line announced (contract: docs/contracts.md). */
export function readyUrl(output: string, part: string): string {
  const line = output.split('\n').find((l) => l.startsWith(`READY ${part} `));
  if (!line) throw new Error(`no READY line for ${part} in:\n${output}`);
  return line.slice(`READY ${part} `.length).trim();
}
