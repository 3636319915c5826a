// The exec server's watchdog: a small separate process that outlives a server killed with SIGKILL (which runs no exit
// hook) just long enough to clean up after it. The server holds the write end of the watchdog's stdin; the kernel
// closes it however the server dies, and on that end-of-file the watchdog kills the process groups the server
// recorded and removes its instance dir (workdir.ts reapInstanceDir), so no command and no credential outlives it.
// Usage: watchdog <instance dir>
import { reapInstanceDir } from './workdir';

const dir = process.argv[2];
if (!dir) process.exit(2);
// Signals meant for the server's terminal or group are not for the watchdog: it ends with the server, not before.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(signal, () => undefined);
process.stdin.resume();
process.stdin.on('error', () => undefined);
process.stdin.once('close', () => {
  reapInstanceDir(dir).then(
    (groups) => {
      if (groups > 0)
        process.stderr.write(
          `${JSON.stringify({ ts: new Date().toISOString(), event: 'exec_watchdog_reaped', process_groups: groups })}\n`,
        );
      process.exit(0);
    },
    () => process.exit(1),
  );
});
