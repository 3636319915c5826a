// Which process listens on a loopback TCP port (Linux /proc), so a test can tell that the very process that served
// a port at the start still serves it at the end — a crash followed by an automatic restart would change the pid.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The pid of the process holding a listening socket on `port`, or undefined when none (or not ours to see). */
export function listenerPid(port: number): number | undefined {
  return listenerPids([port]).get(port);
}

/** `listenerPid` for several ports with one pass over /proc. */
export function listenerPids(ports: number[]): Map<number, number> {
  const inodePort = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] = local address "HEXIP:HEXPORT", f[3] = state (0A = LISTEN), f[9] = inode
      if (f.length < 10 || f[3] !== '0A') continue;
      const localPort = parseInt(f[1]!.split(':')[1] ?? '', 16);
      if (ports.includes(localPort)) inodePort.set(f[9]!, localPort);
    }
  }
  const found = new Map<number, number>();
  if (inodePort.size === 0) return found;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        const port = m ? inodePort.get(m[1]!) : undefined;
        if (port !== undefined) found.set(port, Number(entry));
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
