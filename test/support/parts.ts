// The local stack started part by part, for tests that take single parts down and bring them back: Azurite, the
// exec server and the Functions app (devhost) are started by `local-run.sh <part>`, exactly as `local-run.sh all`
// starts them (same settings, same pid files, same exec token), and the sim by the same CLI with the pretend delays
// the test asks for (local-run.sh has no switch for them). No supervising `all` loop runs, so a part the test kills
// stays down until the test starts it again. `stop()` is `local-run.sh stop` plus the sim.
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startLatencyProxy } from './latency-proxy';
import { startNodeProcess, stopProcess, type StartedProcess } from './node-process';
import { hostKeyFile, hostKeys, localRun, partUrls, prepareLocalStack, repoRoot, type StackPorts } from './stack';

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
  /** The devhost's host keys: the system key opens the Durable API and the Event Grid webhook. */
  hostKeys(): { master: string; system: string };
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
  const { ports, localDir, lbIpStart, env } = await prepareLocalStack('elb-parts-', options.env);
  const registryProxy = await startLatencyProxy(ports.simRegistry);
  env.ELB_REGISTRY_ENDPOINT = `http://127.0.0.1:${registryProxy.port}`;
  // What local-run.sh's build step does once for `all`.
  if (!existsSync(join(repoRoot, 'local.settings.json')))
    copyFileSync(join(repoRoot, 'local.settings.sample.json'), join(repoRoot, 'local.settings.json'));

  const run = (...args: string[]) => localRun(env, ...args);

  const systemKeyFile = hostKeyFile(localDir, 'system');
  let sim: StartedProcess | null = null;
  const startSim = async () => {
    sim = await startNodeProcess(
      'sim',
      [
        'dist/sim/cli.js',
        ...['--k8s-port', String(ports.simK8s), '--registry-port', String(ports.simRegistry)],
        ...['--arm-port', String(ports.simArm), '--aks-port', String(ports.simAks)],
        ...['--hooks-port', String(ports.simHooks)],
        ...['--state-dir', join(localDir, 'sim'), '--lb-ip-start', lbIpStart],
        ...['--ready-delay-ms', String(options.sim.readyDelayMs), '--lb-delay-ms', String(options.sim.lbDelayMs)],
        ...['--webhook', `http://127.0.0.1:${ports.api}/runtime/webhooks/EventGrid?functionName=acrImagePushed`],
        // The devhost's system key, read at each delivery (the devhost writes it when it first starts).
        ...['--webhook-key-file', systemKeyFile],
      ],
      { ready: [/^READY sim-k8s \S+/m, /^READY sim-registry \S+/m, /^READY sim-arm \S+/m] },
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
    ...partUrls(ports),
    kubeconfig: join(localDir, 'sim', 'kubeconfig'),
    hostKeys: () => hostKeys(localDir),
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
