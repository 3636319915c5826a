#!/usr/bin/env node
import { parseArgs } from './args.js';
import { DevhostError } from './errors.js';
import { startDevhost } from './host.js';

/** elb-devhost: runs a Functions v4 app locally. Prints `READY devhost <url>` once it accepts requests. */
async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof DevhostError && err.code === 'help') {
      process.stdout.write(`${err.message}\n`);
      return;
    }
    throw err;
  }
  const devhost = await startDevhost(options);
  process.stdout.write(`READY devhost ${devhost.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`devhost: ${signal} received, stopping\n`);
    void devhost.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof DevhostError) {
    process.stderr.write(`elb-devhost: error ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`elb-devhost: error startup_failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
