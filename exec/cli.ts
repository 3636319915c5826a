#!/usr/bin/env node
// elb-exec-server: reads its settings from the environment (docs/exec.md), prints
// `READY exec http://HOST:PORT` once it accepts requests, and stops cleanly on SIGTERM/SIGINT/SIGHUP. However it
// ends — signal, crash or normal exit — the commands still running are killed and its work dirs removed.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import * as path from 'node:path';

import { auditTo } from './audit';
import { CACHE_ROOT_NAME, KubectlCaches } from './kubectl-cache';
import { loadPolicy } from './policy-file';
import { ProcessGroups } from './process-groups';
import { ExecServer } from './server';
import { loadSettings, SETTINGS_HELP } from './settings';
import { claimWorkRoot, removeInstanceDirSync } from './workdir';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write('elb-exec-server — settings come from the environment:\n');
    for (const [name, fallback] of SETTINGS_HELP) process.stdout.write(`  ${name.padEnd(30)} ${fallback}\n`);
    return;
  }
  const settings = loadSettings(process.env);
  const policy = loadPolicy(settings.policyFile);
  const claimed = await claimWorkRoot(settings.workRoot);
  const groups = new ProcessGroups(claimed.dir);
  const watchdogPid = startWatchdog(claimed.dir);
  // The last word on every way out: nothing this server started outlives it, nor any request's files.
  process.once('exit', () => {
    groups.killAll();
    removeInstanceDirSync(claimed.dir);
  });
  const fatal = (event: string) => (err: unknown) => {
    log({ event, message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  };
  process.on('uncaughtException', fatal('exec_server_crashed'));
  process.on('unhandledRejection', fatal('exec_server_crashed'));
  if (claimed.swept.instances > 0) {
    log({ event: 'exec_work_root_swept', instances: claimed.swept.instances, process_groups: claimed.swept.groups });
  }

  // In the instance dir: private to this server, and gone with it however it ends (docs/exec.md, The kubectl cache).
  const kubectlCaches =
    settings.kubectlCacheMaxBytes > 0
      ? new KubectlCaches(path.join(claimed.dir, CACHE_ROOT_NAME), settings.kubectlCacheMaxBytes, log)
      : undefined;
  const server = new ExecServer({
    settings,
    policy,
    workRoot: claimed.dir,
    audit: auditTo(settings.auditFile),
    parentEnv: process.env,
    groups,
    kubectlCaches,
  });
  const address = await server.listen();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log({
    event: 'exec_server_started',
    policy: policy.name,
    max_concurrency: settings.maxConcurrency,
    port: address.port,
    watchdog_pid: watchdogPid ?? null,
  });
  process.stdout.write(`READY exec http://${host}:${address.port}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    // A second signal means "now": the exit hook still kills the commands and removes the work dirs.
    if (stopping) process.exit(1);
    stopping = true;
    log({ event: 'exec_server_stopping', signal });
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
}

/**
 * Starts the watchdog (watchdog.ts) that cleans up if this process is killed with SIGKILL. It runs in its own
 * process group, so signals for this server's group do not reach it, and it keeps nothing of ours alive.
 */
function startWatchdog(instanceDir: string): number | undefined {
  const script = path.join(__dirname, `watchdog${path.extname(__filename)}`);
  // The same loader flags (tsx when run from source), but never a debugger port the server already holds.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const child = spawn(process.execPath, [...execArgv, script, instanceDir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.on('error', (err) => log({ event: 'exec_watchdog_failed', message: err.message }));
  child.unref();
  (child.stdin as Socket | null)?.unref();
  return child.pid;
}

function log(fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), ...fields })}\n`);
}

main().catch((err: unknown) => {
  const e = err as { code?: unknown; message?: unknown };
  // Never echo settings values: the message names the variable, not its content.
  log({
    event: 'exec_server_failed',
    code: typeof e.code === 'string' ? e.code : 'startup_failed',
    message: String(e.message ?? err),
  });
  process.exit(2);
});
