// Starts the whole local stack exactly as `npm start` does (scripts/dev/local-run.sh all), on free ports and in a
// private state dir, so end-to-end tests exercise the same code paths a developer runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');

export interface StackPorts {
  api: number;
  web: number;
  exec: number;
  simK8s: number;
  simRegistry: number;
  azuriteTable: number;
  /** The sim's Azure Resource Manager and its AKS API server (both HTTPS). */
  simArm: number;
  simAks: number;
  /** The sim's webhook sink, where the stack's notifications go. */
  simHooks: number;
}

export interface Stack {
  ports: StackPorts;
  localDir: string;
  apiUrl: string;
  webUrl: string;
  registryUrl: string;
  k8sUrl: string;
  execUrl: string;
  /** Everything local-run.sh printed so far (for failure messages). */
  output(): string;
  /** Runs local-run.sh with this stack's environment (e.g. `push-image`, `fault`, `status`). */
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Process groups of the running parts (local-run.sh records one per part). */
  processGroups(): number[];
  /** The recorded process (and group) id of each running part, by name (azurite, sim, terminal-exec, api, web). */
  partPids(): Record<string, number>;
  /** A part's log file (run/<name>.log; appended across restarts). */
  logFile(name: string): string;
  /** The devhost's host keys (STATE/devhost/keys): the system key opens the Durable API and the Event Grid webhook. */
  hostKeys(): { master: string; system: string };
  /** Resolves with local-run.sh's exit code when it ends on its own. */
  exited: Promise<number | null>;
  /** Ctrl-C, as a developer would; resolves with local-run.sh's exit code. */
  stop(): Promise<number | null>;
}

export interface StackOptions {
  /** Extra environment for every process (e.g. faster timeouts); a function when it names the state dir. */
  env?: Record<string, string> | ((localDir: string) => Record<string, string>);
  startTimeoutMs?: number;
}

/** Free TCP ports on 127.0.0.1, held open together so they are distinct, then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((ok, fail) => {
          const server = createServer();
          server.once('error', fail);
          server.listen(0, '127.0.0.1', () => ok(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

/** A stack's ports, private state dir and the environment local-run.sh reads for them. */
export interface LocalStackBase {
  ports: StackPorts;
  localDir: string;
  /** First address of the sim's stand-in services: a loopback block of this stack's own keeps parallel stacks apart. */
  lbIpStart: string;
  env: NodeJS.ProcessEnv;
}

/** Free ports for every part, a fresh state dir under the temp dir (`dirPrefix`…) and local-run.sh's environment. */
export async function prepareLocalStack(
  dirPrefix: string,
  extraEnv: Record<string, string> | ((localDir: string) => Record<string, string>) = {},
): Promise<LocalStackBase> {
  const [api, web, exec, simK8s, simRegistry, azuriteTable, simArm, simAks, simHooks] = (await freePorts(9)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports: StackPorts = { api, web, exec, simK8s, simRegistry, azuriteTable, simArm, simAks, simHooks };
  const localDir = mkdtempSync(join(tmpdir(), dirPrefix));
  const lbIpStart = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.2`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(typeof extraEnv === 'function' ? extraEnv(localDir) : extraEnv),
    ELB_LOCAL_DIR: localDir,
    ELB_SKIP_BUILD: '1',
    ELB_API_PORT: String(api),
    ELB_WEB_PORT: String(web),
    ELB_EXEC_PORT: String(exec),
    ELB_SIM_K8S_PORT: String(simK8s),
    ELB_SIM_REGISTRY_PORT: String(simRegistry),
    ELB_AZURITE_TABLE_PORT: String(azuriteTable),
    ELB_SIM_ARM_PORT: String(simArm),
    ELB_SIM_AKS_PORT: String(simAks),
    ELB_SIM_HOOKS_PORT: String(simHooks),
    ELB_SIM_LB_IP_START: lbIpStart,
  };
  // local-run.sh keeps a caller's EXEC_TOKEN and upstream, and ARM's: a test stack uses its own token, exec server
  // and sim. (A caller's NODE_EXTRA_CA_CERTS stays: local-run.sh joins the sim's CA to it, as it does for people.)
  for (const name of [
    'EXEC_TOKEN',
    'TERMINAL_EXEC_UPSTREAM',
    'ELB_ARM_ENDPOINT',
    'IDENTITY_ENDPOINT',
    'IDENTITY_HEADER',
  ])
    delete env[name];
  return { ports, localDir, lbIpStart, env };
}

export const LOCAL_RUN = join(repoRoot, 'scripts', 'dev', 'local-run.sh');

/** `local-run.sh …args` with `env`, to its end. */
export function localRun(env: NodeJS.ProcessEnv, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
    const c = spawn('bash', [LOCAL_RUN, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('exit', (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}

/** The URL of each backend part on loopback. */
export function partUrls(ports: StackPorts) {
  return {
    apiUrl: `http://127.0.0.1:${ports.api}/api`,
    registryUrl: `http://127.0.0.1:${ports.simRegistry}`,
    k8sUrl: `http://127.0.0.1:${ports.simK8s}`,
    execUrl: `http://127.0.0.1:${ports.exec}`,
    hooksUrl: `http://127.0.0.1:${ports.simHooks}`,
  };
}

/** A devhost host key's file in a stack's state dir (STATE/devhost/keys, written when the devhost first starts). */
export function hostKeyFile(localDir: string, name: 'master' | 'system'): string {
  return join(localDir, 'devhost', 'keys', `${name}.key`);
}

export function hostKeys(localDir: string): { master: string; system: string } {
  const read = (name: 'master' | 'system') => readFileSync(hostKeyFile(localDir, name), 'utf8').trim();
  return { master: read('master'), system: read('system') };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { ports, localDir, env } = await prepareLocalStack('elb-stack-', options.env);

  const child: ChildProcess = spawn('bash', [LOCAL_RUN, 'all'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  while (!output.includes('elb-control is running')) {
    if (child.exitCode !== null)
      throw new Error(`local-run.sh all exited (${child.exitCode}) during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGINT');
      await exited;
      throw new Error(`local-run.sh all did not start in time:\n${output}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }

  return {
    ports,
    localDir,
    ...partUrls(ports),
    webUrl: `http://127.0.0.1:${ports.web}`,
    output: () => output,
    run: (...args) => localRun(env, ...args),
    exited,
    processGroups() {
      const runDir = join(localDir, 'run');
      return readdirSync(runDir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => Number(readFileSync(join(runDir, f), 'utf8')));
    },
    partPids() {
      const runDir = join(localDir, 'run');
      return Object.fromEntries(
        readdirSync(runDir)
          .filter((f) => f.endsWith('.pid'))
          .map((f) => [f.slice(0, -'.pid'.length), Number(readFileSync(join(runDir, f), 'utf8'))]),
      );
    },
    logFile: (name: string) => join(localDir, 'run', `${name}.log`),
    hostKeys: () => hostKeys(localDir),
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await exited;
      rmSync(localDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Which of these process groups still have a live member. */
export function aliveGroups(groups: number[]): number[] {
  return groups.filter((pgid) => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((ok) => setTimeout(ok, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
