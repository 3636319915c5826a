import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO_ROOT, 'devhost', 'cli.ts');
export const FIXTURE_APP = path.join(REPO_ROOT, 'test', 'fixtures', 'devhost-app');

export interface DevhostKeys {
  master: string;
  system: string;
}

export interface DevhostProcess {
  url: string;
  /** The host keys the devhost generated in its state dir (STATE/keys). */
  keys: DevhostKeys;
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>;
}

const running = new Set<ChildProcess>();

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `elb-devhost-${prefix}-`));
}

/** Runs the CLI from its TypeScript source (no build needed). */
export function spawnDevhost(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { proc: ChildProcess; output(): string; exited: Promise<number | string | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, WEBSITE_HOSTNAME: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let text = '';
  proc.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      resolve(code ?? signal);
    }),
  );
  return { proc, output: () => text, exited };
}

/** Starts the devhost on a free port and waits for its READY line. */
export async function startDevhost(options: {
  appDir?: string;
  stateDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<DevhostProcess> {
  const child = spawnDevhost(
    ['--app', options.appDir ?? FIXTURE_APP, '--port', '0', '--state-dir', options.stateDir],
    options.env,
  );
  const url = await waitFor(
    () => /READY devhost (\S+)/.exec(child.output())?.[1],
    { timeoutMs: 90_000, what: 'the READY line', onTimeout: child.output },
    child.exited,
  );
  return { url, keys: readKeys(options.stateDir), ...child };
}

/** The keys a devhost keeps in STATE/keys (docs/devhost.md "Keys"). */
export function readKeys(stateDir: string): DevhostKeys {
  const read = (name: string): string => fs.readFileSync(path.join(stateDir, 'keys', `${name}.key`), 'utf8').trim();
  return { master: read('master'), system: read('system') };
}

export function killAll(): void {
  for (const proc of running) proc.kill('SIGKILL');
}

/** Polls until `probe` returns something other than undefined (or the process ends, or the deadline passes). */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what: string; onTimeout?: () => string },
  exited?: Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let ended = false;
  void exited?.then(() => (ended = true));
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (ended) throw new Error(`process ended while waiting for ${options.what}\n${options.onTimeout?.() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what}\n${options.onTimeout?.() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: { EventType: string; [k: string]: unknown }[];
}

/** Talks to the Durable HTTP API directly, as the extension's clients do (with the system key). */
export class DurableApi {
  constructor(
    readonly url: string,
    readonly systemKey: string,
  ) {}

  /** fetch with the system key in `x-functions-key`. */
  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-functions-key': this.systemKey },
    });
  }

  async start(name: string, input?: unknown, instanceId?: string): Promise<Response> {
    return this.fetch(
      `${this.url}/runtime/webhooks/durabletask/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: input === undefined ? '' : JSON.stringify(input),
      },
    );
  }

  async startId(name: string, input?: unknown, instanceId?: string): Promise<string> {
    const res = await this.start(name, input, instanceId);
    if (res.status !== 202) throw new Error(`start ${name}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async status(id: string, query = ''): Promise<Status | undefined> {
    const res = await this.fetch(
      `${this.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}${query}`,
    );
    if (res.status === 404) return undefined;
    return (await res.json()) as Status;
  }

  async raise(id: string, event: string, data: unknown): Promise<number> {
    const res = await this.fetch(
      `${this.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}/raiseEvent/${event}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(data),
      },
    );
    return res.status;
  }

  async post(id: string, action: string, reason = 'test'): Promise<number> {
    const res = await this.fetch(
      `${this.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}/${action}?reason=${reason}`,
      { method: 'POST' },
    );
    return res.status;
  }

  /** Waits until the instance reaches one of `statuses`. */
  async waitForStatus(id: string, statuses: string[], timeoutMs = 30_000): Promise<Status> {
    return waitFor(
      async () => {
        const status = await this.status(id);
        return status && statuses.includes(status.runtimeStatus) ? status : undefined;
      },
      { timeoutMs, what: `${id} to become ${statuses.join('/')}`, intervalMs: 100 },
    );
  }
}
