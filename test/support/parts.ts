// The local stack started part by part, for tests that take single parts down and bring them back: Azurite, the
// exec server and the Functions app (devhost) are started by `local-run.sh <part>`, exactly as `local-run.sh all`
// starts them (same settings, same pid files, same exec token), and the sim by the same CLI with the pretend delays
// the test asks for (local-run.sh has no switch for them). No supervising `all` loop runs, so a part the test kills
// stays down until the test starts it again. `stop()` is `local-run.sh stop` plus the sim.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLatencyProxy } from './latency-proxy';
import { startNodeProcess, stopProcess, type StartedProcess } from './node-process';
import { freePorts, repoRoot, type StackPorts } from './stack';

export type Part = 'azurite' | 'terminal-exec' | 'api';

export interface SimDelays {
  /** Container start → pod Ready (the sim's --ready-delay-ms). */
  readyDelayMs: number;
  /** LoadBalancer Service → address (--lb-delay-ms). */
  lbDelayMs: number;
}

export interface PartsStack {
  ports: StackPorts;
  localDir: string;
  apiUrl: string;
  k8sUrl: string;
  registryUrl: string;
  execUrl: string;
  kubeconfig: string;
  /**
   * The app reads the registry through a proxy (the cluster pulls from the sim directly); this delays every
   * request chunk the app sends to it, e.g. to keep a deploy inside its resolve step.
   */
  setRegistryDelay(ms: number): void;
  /** `local-run.sh …` with this stack's environment (push-image, fault, status). */
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** kill -9 of the part's whole process group; resolves once it is gone. */
  kill(part: Part | 'sim'): Promise<void>;
  /** Starts a part again (it must be down). */
  start(part: Part | 'sim'): Promise<void>;
  stop(): Promise<void>;
}

export interface PartsOptions {
  env?: Record<string, string>;
  sim: SimDelays;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startParts(options: PartsOptions): Promise<PartsStack> {
  const [api, web, exec, simK8s, simRegistry, azuriteTable] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports: StackPorts = { api, web, exec, simK8s, simRegistry, azuriteTable };
  const localDir = mkdtempSync(join(tmpdir(), 'elb-parts-'));
  const registryProxy = await startLatencyProxy(simRegistry);
  const lbIpStart = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.2`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    ELB_LOCAL_DIR: localDir,
    ELB_SKIP_BUILD: '1',
    ELB_API_PORT: String(api),
    ELB_WEB_PORT: String(web),
    ELB_EXEC_PORT: String(exec),
    ELB_SIM_K8S_PORT: String(simK8s),
    ELB_SIM_REGISTRY_PORT: String(simRegistry),
    ELB_AZURITE_TABLE_PORT: String(azuriteTable),
    ELB_SIM_LB_IP_START: lbIpStart,
    ELB_REGISTRY_ENDPOINT: `http://127.0.0.1:${registryProxy.port}`,
  };
  delete env.EXEC_TOKEN;
  delete env.TERMINAL_EXEC_UPSTREAM;
  // What local-run.sh's build step does once for `all`.
  if (!existsSync(join(repoRoot, 'local.settings.json')))
    copyFileSync(join(repoRoot, 'local.settings.sample.json'), join(repoRoot, 'local.settings.json'));

  const script = join(repoRoot, 'scripts', 'dev', 'local-run.sh');
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
      const c = spawn('bash', [script, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('exit', (code) => ok({ code: code ?? -1, stdout, stderr }));
    });

  const systemKeyFile = join(localDir, 'devhost', 'keys', 'system.key');
  let sim: StartedProcess | null = null;
  const startSim = async () => {
    sim = await startNodeProcess(
      'sim',
      [
        'dist/sim/cli.js',
        ...['--k8s-port', String(simK8s), '--registry-port', String(simRegistry)],
        ...['--state-dir', join(localDir, 'sim'), '--lb-ip-start', lbIpStart],
        ...['--ready-delay-ms', String(options.sim.readyDelayMs), '--lb-delay-ms', String(options.sim.lbDelayMs)],
        ...['--webhook', `http://127.0.0.1:${api}/runtime/webhooks/EventGrid?functionName=acrImagePushed`],
        // The devhost's system key, read at each delivery (the devhost writes it when it first starts).
        ...['--webhook-key-file', systemKeyFile],
      ],
      { ready: [/^READY sim-k8s \S+/m, /^READY sim-registry \S+/m] },
    );
  };
  const startPart = async (part: Part) => {
    const r = await run(part);
    if (r.code !== 0) throw new Error(`local-run.sh ${part} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  };
  const pidOf = (part: Part) => Number(readFileSync(join(localDir, 'run', `${part}.pid`), 'utf8'));

  const stack: PartsStack = {
    ports,
    localDir,
    apiUrl: `http://127.0.0.1:${api}/api`,
    k8sUrl: `http://127.0.0.1:${simK8s}`,
    registryUrl: `http://127.0.0.1:${simRegistry}`,
    execUrl: `http://127.0.0.1:${exec}`,
    kubeconfig: join(localDir, 'sim', 'kubeconfig'),
    setRegistryDelay: (ms) => registryProxy.setDelay(ms),
    run,
    async kill(part) {
      if (part === 'sim') {
        const child = sim?.child;
        sim = null;
        if (child && child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((ok) => child.once('exit', ok));
          child.kill('SIGKILL');
          await gone;
        }
        return;
      }
      const pgid = pidOf(part);
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 10_000;
      while (groupAlive(pgid) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    },
    async start(part) {
      if (part === 'sim') await startSim();
      else await startPart(part);
    },
    async stop() {
      await run('stop');
      if (sim) await stopProcess(sim.child);
      await registryProxy.close();
      rmSync(localDir, { recursive: true, force: true });
    },
  };

  try {
    await startPart('azurite');
    await startSim();
    await startPart('terminal-exec');
    await startPart('api');
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}
