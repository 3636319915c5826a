// Starts the real exec server CLI (TypeScript entry through tsx) on a free loopback port for tests, with a
// test policy that adds the fixture scripts to the local policy, and finds processes it left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import localPolicy from '../policy/local.json';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(__dirname, 'fixtures');
export const CLI = path.join(REPO_ROOT, 'exec', 'cli.ts');

export interface RunningServer {
  url: string;
  token: string;
  marker: string;
  workRoot: string;
  auditFile: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  audit: () => Array<Record<string, unknown>>;
  stop: () => Promise<void>;
}

/** A policy = the shipped local policy + one binary per fixture script (positionals: plain words). */
export function testPolicy(marker: string): Record<string, unknown> {
  const fixture = (name: string) => ({
    executable: path.join(FIXTURES, name),
    commands: { '': { positionals: { value: 'pattern', pattern: '[A-Za-z0-9._/-]+', max: 4 } } },
  });
  return {
    ...localPolicy,
    name: 'test',
    env: {
      ...localPolicy.env,
      // The fixtures are node scripts started through their shebang, so node must be on the children's PATH.
      path: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      set: { ...localPolicy.env.set, ELB_EXEC_TEST_MARKER: marker },
      pass: ['ELB_EXEC_TEST_PASSED'],
    },
    binaries: {
      ...localPolicy.binaries,
      'echo-stdin': fixture('echo-stdin.mjs'),
      sleeper: fixture('sleeper.mjs'),
      'report-env': fixture('report-env.mjs'),
      emit: fixture('emit.mjs'),
      'link-out': fixture('link-out.mjs'),
    },
  };
}

export async function startServer(env: Record<string, string> = {}, policy?: unknown): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elb-exec-test-'));
  const marker = randomBytes(8).toString('hex');
  const token = randomBytes(24).toString('hex');
  const policyFile = path.join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy ?? testPolicy(marker)));
  const workRoot = path.join(dir, 'work');
  const auditFile = path.join(dir, 'audit.log');
  let out = '';
  let err = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      EXEC_TOKEN: token,
      EXEC_PORT: '0',
      EXEC_POLICY: policyFile,
      EXEC_WORK_ROOT: workRoot,
      EXEC_AUDIT_FILE: auditFile,
      ELB_EXEC_TEST_PASSED: 'passed-through',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`exec server did not start: ${err}`)), 60_000);
    const check = (): void => {
      const m = /READY exec (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(deadline);
        resolve(m[1] as string);
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`exec server exited with ${code}: ${err}`));
    });
  });
  return {
    url,
    token,
    marker,
    workRoot,
    auditFile,
    proc,
    stdout: () => out,
    stderr: () => err,
    audit: () => {
      try {
        return readFileSync(auditFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the CLI expecting it to refuse to start; returns its exit code and stderr. */
export function startupFailure(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', EXEC_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: stderr + stdout });
    });
  });
}

/** Every request dir (srv-X/req-Y) under a work root: what a request left behind, if anything. */
export function requestDirs(workRoot: string): string[] {
  const found: string[] = [];
  for (const instance of safeList(workRoot)) {
    for (const entry of safeList(path.join(workRoot, instance))) {
      if (entry.startsWith('req-')) found.push(path.join(workRoot, instance, entry));
    }
  }
  return found;
}

/** The instance dirs (`srv-*`) under a work root. */
export function instanceDirs(workRoot: string): string[] {
  return safeList(workRoot).filter((e) => e.startsWith('srv-'));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Pids of live processes whose environment carries the marker (children and grandchildren of the server). */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`ELB_EXEC_TEST_MARKER=${marker}`)) {
        const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
        if (!/\) Z /.test(stat)) found.push(Number(entry)); // zombies are already dead
      }
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Polls until `check` is true or the deadline passes (generous: the machine is shared). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function post(
  server: RunningServer,
  body: unknown,
  opts: { route?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token !== null) headers['x-exec-token'] = opts.token ?? server.token;
  const response = await fetch(`${server.url}${opts.route ?? '/exec'}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // NDJSON or empty
  }
  return { status: response.status, body: parsed, headers: response.headers, text };
}

export const SIM_LIKE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: elb-sim
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: elb-sim
  context:
    cluster: elb-sim
    user: elb-sim
current-context: elb-sim
users:
- name: elb-sim
  user: {}
`;
