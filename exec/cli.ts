#!/usr/bin/env node
// elb-exec-server: reads its settings from the environment (docs/exec.md), prints
// `READY exec http://HOST:PORT` once it accepts requests, and stops cleanly on SIGTERM/SIGINT.
import { auditTo } from './audit';
import { loadPolicy } from './policy-file';
import { ExecServer } from './server';
import { loadSettings, SETTINGS_HELP } from './settings';
import { prepareWorkRoot } from './workdir';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write('elb-exec-server — settings come from the environment:\n');
    for (const [name, fallback] of SETTINGS_HELP) process.stdout.write(`  ${name.padEnd(30)} ${fallback}\n`);
    return;
  }
  const settings = loadSettings(process.env);
  const policy = loadPolicy(settings.policyFile);
  const workRoot = await prepareWorkRoot(settings.workRoot);
  const server = new ExecServer({
    settings,
    policy,
    workRoot,
    audit: auditTo(settings.auditFile),
    parentEnv: process.env,
  });
  const address = await server.listen();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log({
    event: 'exec_server_started',
    policy: policy.name,
    max_concurrency: settings.maxConcurrency,
    port: address.port,
  });
  process.stdout.write(`READY exec http://${host}:${address.port}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log({ event: 'exec_server_stopping', signal });
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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
