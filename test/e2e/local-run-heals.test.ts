// `npm start` heals instead of collapsing: kill -9 of any part brings that part back (bounded backoff, a console
// line), leaves the other parts' processes untouched, keeps the part's earlier log, and Ctrl-C still ends everything.
// Real stack: scripts/dev/local-run.sh all with Azurite, the sim, the exec server, the devhost and vite.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliveGroups, eventually, startStack, type Stack } from '../support/stack';

let stack: Stack;
let second: Stack | undefined;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
  await second?.stop();
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local-run.sh all under kill -9', () => {
  it('restarts each killed part while the others keep running, then Ctrl-C leaves no process', async () => {
    const ports: Record<string, number[]> = {
      azurite: [stack.ports.azuriteTable],
      sim: [stack.ports.simK8s, stack.ports.simRegistry],
      'terminal-exec': [stack.ports.exec],
      api: [stack.ports.api],
      web: [stack.ports.web],
    };
    const seen = new Set<number>(stack.processGroups());
    for (const part of Object.keys(ports)) {
      const before = stack.partPids();
      expect(Object.keys(before).sort()).toEqual(Object.keys(ports).sort());
      const logBefore = readFileSync(stack.logFile(part), 'utf8');
      const started = Date.now();
      process.kill(before[part]!, 'SIGKILL');

      const pid = await eventually(
        async () => {
          const now = stack.partPids()[part];
          if (now === undefined || now === before[part] || !alive(now)) return undefined;
          for (const port of ports[part]!) if (!(await portOpen(port))) return undefined;
          return now;
        },
        `${part} to come back`,
        45_000,
      );
      seen.add(pid);
      // Bounded: the first restart waits 1 s, then the part's own start-up (the devhost loads the app).
      expect(Date.now() - started).toBeLessThan(40_000);

      // Nobody else was restarted: same pids, still alive, ports still answering.
      const after = stack.partPids();
      for (const other of Object.keys(ports).filter((p) => p !== part)) {
        expect(after[other], other).toBe(before[other]);
        expect(alive(after[other]!), `${other} alive`).toBe(true);
        for (const port of ports[other]!) expect(await portOpen(port), `${other} port ${port}`).toBe(true);
      }

      // The log was appended to, not truncated: the crashed run's lines are still there, then a new start.
      const logAfter = readFileSync(stack.logFile(part), 'utf8');
      expect(logAfter.startsWith(logBefore)).toBe(true);
      expect(logAfter.slice(logBefore.length)).toContain(`local-run: starting ${part}`);

      expect(stack.output()).toMatch(new RegExp(`${part} stopped unexpectedly; restarting in 1s`));
      await eventually(
        async () => (stack.output().includes(`${part} restarted (pid ${pid})`) ? true : undefined),
        `the console line for ${part}`,
        10_000,
      );
    }
    // A part that dies again soon waits longer: 1 s, then 2 s.
    const web = stack.partPids().web!;
    process.kill(web, 'SIGKILL');
    const again = await eventually(
      async () => {
        const now = stack.partPids().web;
        return now !== undefined && now !== web && alive(now) && (await portOpen(stack.ports.web)) ? now : undefined;
      },
      'web to come back a second time',
      30_000,
    );
    seen.add(again);
    expect(stack.output()).toContain('web stopped unexpectedly; restarting in 2s (restart 2,');

    // The stack still works end to end after every part was replaced.
    const res = await fetch(`${stack.apiUrl}/targets`);
    expect(res.status).toBe(200);

    const code = await stack.stop();
    expect(code).toBe(130);
    expect(aliveGroups([...seen])).toEqual([]);
  });
});

describe('local-run.sh all: stop during a restart', () => {
  it('`local-run.sh stop` while a part waits for its restart ends everything, and nothing comes back', async () => {
    second = await startStack();
    const seen = new Set<number>(second.processGroups());
    process.kill(second.partPids().api!, 'SIGKILL');
    await eventually(
      async () => (second!.output().includes('api stopped unexpectedly') ? true : undefined),
      'the supervisor to notice',
      10_000,
    );
    const stopped = await second.run('stop');
    expect(stopped.code).toBe(0);
    expect(await second.exited).toBe(0);
    await new Promise((ok) => setTimeout(ok, 2_000));
    expect(aliveGroups([...seen, ...second.processGroups()])).toEqual([]);
    expect(second.output()).not.toContain('api restarted');
  });
});
