// Exec servers of the hostile suite's own (started as the image runs them) and what it needs to catch one in the
// middle of a request: a cluster that never answers, the kubectl that waits on it, the files a request leaves.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { applyArgv } from '../../adapters/cluster-exec';
import { readyUrl, startNodeProcess, type StartedProcess } from '../support/node-process';
import { rawExchange } from '../support/raw-socket';
import { eventually, repoRoot } from '../support/stack';
import { bytesFor } from './context';

/** An exec server of our own, on a free loopback port, as the image runs it (dist/exec/cli.js). */
export function startExec(name: string, env: Record<string, string>): Promise<StartedProcess> {
  return startNodeProcess(name, [join(repoRoot, 'dist', 'exec', 'cli.js')], {
    env: {
      EXEC_HOST: '127.0.0.1',
      EXEC_PORT: '0',
      EXEC_AUDIT_FILE: join(env.EXEC_WORK_ROOT!, '..', 'audit.log'),
      ...env,
    },
    ready: [/^READY exec \S+/m],
  });
}

export function deadKubeconfig(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: c\n  cluster:\n    server: ${server}`,
    'users:',
    '- name: u\n  user:\n    token: not-a-real-token',
    'contexts:',
    '- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: elb-openapi',
    'current-context: x',
    '',
  ].join('\n');
}

/** A cluster that accepts connections and never answers: kubectl against it runs until it is killed. */
export async function hangingCluster(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Sends a kubectl request that hangs on `clusterPort`; resolves once its kubectl runs, with that pid. */
export async function hangingRequest(
  server: StartedProcess,
  token: string,
  workRoot: string,
  clusterPort: number,
): Promise<{ kubectl: number; answer: Promise<unknown> }> {
  const port = Number(new URL(readyUrl(server.output, 'exec')).port);
  const answer = rawExchange(
    port,
    bytesFor(port, {
      method: 'POST',
      target: '/exec',
      headers: [
        ['X-Exec-Token', token],
        ['Content-Type', 'application/json'],
      ],
      body: JSON.stringify({
        // The product's own apply: every policy allows it.
        argv: applyArgv(),
        stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hostile\n  namespace: elb-openapi\n',
        files: { kubeconfig: deadKubeconfig(`http://127.0.0.1:${clusterPort}`) },
        timeout_seconds: 120,
      }),
    }),
    { timeoutMs: 30_000 },
  );
  const kubectl = await eventually(async () => kubectlUnder(workRoot), 'kubectl to run for the request', 15_000);
  return { kubectl, answer };
}

/** The pid of a kubectl whose working directory is under `root` (a request's work dir). */
export function kubectlUnder(root: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!/kubectl$/.test(cmd[0] ?? '')) continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(root)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Request directories and kubeconfig files left anywhere under `root`. */
export function credentialFilesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.name.startsWith('req-') || e.name === 'kubeconfig') found.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return found;
}
