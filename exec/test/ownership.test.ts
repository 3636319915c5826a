// Exec servers own their processes and work dirs: two servers sharing the default work root leave each other's
// requests alone; a server killed with kill -9 is cleaned up after by its watchdog at once, and — when the watchdog
// is killed too — by the next server to start on that root; SIGTERM/SIGINT/SIGHUP end the commands too.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import {
  instanceDirs,
  isAlive,
  markedProcesses,
  post,
  requestDirs,
  startServer,
  waitFor,
  type RunningServer,
} from './harness';

const KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: credential-in-a-file}\n';
const uid = process.getuid?.() ?? 'user';

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elb-exec-own-'));
  scratch.push(dir);
  return dir;
}

describe('exec server ownership of work dirs and processes', () => {
  it('two servers on the default work root both serve while the other starts and runs', async () => {
    // The default root is <os temp dir>/elb-exec-<uid>: both servers get the same TMPDIR and no EXEC_WORK_ROOT.
    const tmp = scratchDir();
    const shared = { TMPDIR: tmp, EXEC_WORK_ROOT: '' };
    const root = path.join(tmp, `elb-exec-${uid}`);
    const a = await startServer(shared);
    let b: RunningServer | undefined;
    try {
      // A's request: a kubeconfig file, a command that takes a while, then a step that lists its work dir.
      const inFlight = post(a, {
        steps: [{ argv: ['sleeper', '3'] }, { argv: ['report-env'] }],
        files: { kubeconfig: KUBECONFIG },
        request_id: 'a-in-flight',
      });
      await waitFor(() => markedProcesses(a.marker).length >= 2, 30_000, "A's command to start");
      expect(requestDirs(root)).toHaveLength(1);
      // B starts on the same root (its start-up sweep runs now) and serves a request of its own meanwhile.
      b = await startServer(shared);
      const fromB = await post(b, { argv: ['report-env'], files: { kubeconfig: KUBECONFIG } });
      expect(fromB.status).toBe(200);
      expect((JSON.parse(fromB.body.stdout as string) as { files: string[] }).files).toEqual(['kubeconfig']);

      const fromA = await inFlight;
      expect(fromA.status).toBe(200);
      const steps = fromA.body.steps as Array<{ exit_code: number; stdout: string }>;
      expect(steps.map((s) => s.exit_code)).toEqual([0, 0]);
      // The kubeconfig was still there after B started: B swept nothing of A's.
      expect((JSON.parse(steps[1]?.stdout ?? '{}') as { files: string[] }).files).toEqual(['kubeconfig', 'pids.json']);
      expect(instanceDirs(root)).toHaveLength(2);
      expect(b.stderr()).not.toContain('exec_work_root_swept');
    } finally {
      await b?.stop();
      await a.stop();
    }
    // Each removed its own instance dir on the way out.
    expect(instanceDirs(root)).toEqual([]);
  });

  /** Starts a long request holding a kubeconfig; resolves once its command runs, with its request dir. */
  async function longRequest(server: RunningServer, root: string): Promise<string> {
    void post(server, { argv: ['sleeper', '120'], files: { kubeconfig: KUBECONFIG }, timeout_seconds: 600 }).catch(
      () => undefined, // the server dies under it
    );
    await waitFor(() => markedProcesses(server.marker).length >= 2, 30_000, 'the command and its grandchild to start');
    const [reqDir] = requestDirs(root);
    expect(readFileSync(path.join(reqDir as string, 'kubeconfig'), 'utf8')).toContain('credential-in-a-file');
    return reqDir as string;
  }

  async function kill9(pid: number): Promise<void> {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 10_000, `pid ${pid} to die`);
  }

  function watchdogPid(server: RunningServer): number {
    const m = /"watchdog_pid":(\d+)/.exec(server.stderr());
    expect(m).not.toBeNull();
    return Number(m?.[1]);
  }

  it('after a kill -9 during a request, the watchdog kills the command and removes the credential at once', async () => {
    const root = path.join(scratchDir(), 'work');
    const a = await startServer({ EXEC_WORK_ROOT: root });
    try {
      const reqDir = await longRequest(a, root);
      const killedAt = Date.now();
      await kill9(a.proc.pid as number);
      await waitFor(() => markedProcesses(a.marker).length === 0, 10_000, 'the command to be killed');
      await waitFor(() => !existsSync(reqDir), 10_000, 'the request dir to go');
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect(instanceDirs(root)).toEqual([]);
      await waitFor(() => !isAlive(watchdogPid(a)), 10_000, 'the watchdog to end');
    } finally {
      await a.stop();
    }
  });

  it('when the watchdog is killed too, the next start kills the orphaned command and removes its request dir', async () => {
    const root = path.join(scratchDir(), 'work');
    const a = await startServer({ EXEC_WORK_ROOT: root });
    const reqDir = await longRequest(a, root);
    await kill9(watchdogPid(a));
    await kill9(a.proc.pid as number);
    // What a kill -9 of both leaves: the command (now an orphan) and the credential on disk.
    await new Promise((r) => setTimeout(r, 500));
    // At least one survives as an orphan (a child writing to the dead server's pipe may die of SIGPIPE on its own).
    const orphans = markedProcesses(a.marker);
    expect(orphans.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(reqDir)).toBe(true);

    const b = await startServer({ EXEC_WORK_ROOT: root });
    try {
      await waitFor(() => markedProcesses(a.marker).length === 0, 10_000, 'the orphans to be killed');
      for (const pid of orphans) expect(isAlive(pid)).toBe(false);
      expect(existsSync(reqDir)).toBe(false);
      expect(requestDirs(root)).toEqual([]);
      expect(instanceDirs(root)).toHaveLength(1); // B's own
      expect(b.stderr()).toMatch(/"event":"exec_work_root_swept","instances":1,"process_groups":1/);
      expect((await post(b, { argv: ['report-env'] })).status).toBe(200);
    } finally {
      await b.stop();
      await a.stop();
    }
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'on %s, ends running commands, answers, and removes its work dirs',
    async (signal) => {
      const root = path.join(scratchDir(), 'work');
      const s = await startServer({ EXEC_WORK_ROOT: root, EXEC_KILL_GRACE_SECONDS: '1' });
      try {
        const pending = post(s, { argv: ['sleeper', '120', 'ignore-term'], files: { kubeconfig: KUBECONFIG } });
        await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'the command to start');
        const exited = new Promise<number | null>((resolve) => s.proc.once('exit', resolve));
        const signalled = Date.now();
        s.proc.kill(signal);
        const answer = await pending;
        expect(answer.body).toMatchObject({ cancelled: true, exit_code: 130 });
        expect(await exited).toBe(0);
        expect(Date.now() - signalled).toBeLessThan(15_000);
        expect(markedProcesses(s.marker)).toEqual([]);
        expect(readdirSync(root)).toEqual([]);
      } finally {
        await s.stop();
      }
    },
  );
});
