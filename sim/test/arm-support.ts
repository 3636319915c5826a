// Test helpers for the management plane: the SDK driver child (sim/test/arm-driver.ts) started the way the app
// would be (NODE_EXTRA_CA_CERTS, IDENTITY_ENDPOINT, IDENTITY_HEADER), raw HTTPS requests that trust the sim CA
// explicitly, and a webhook sink for push events.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AnyJson, TestSim } from './support';

export interface SdkDriver {
  call(op: string, args?: Record<string, unknown>): Promise<{ ok: boolean; result?: AnyJson; error?: AnyJson }>;
  /** Like call, but throws unless it succeeded. */
  ok(op: string, args?: Record<string, unknown>): Promise<AnyJson>;
  stop(): void;
}

function idParts(id: string): { subscription: string; resourceGroup: string; name: string } {
  const m = id.match(/^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/.+\/([^/]+)$/)!;
  return { subscription: m[1]!, resourceGroup: m[2]!, name: m[3]! };
}

export async function startSdkDriver(sim: TestSim): Promise<SdkDriver> {
  const reg = idParts(sim.arm.registryResourceId);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_EXTRA_CA_CERTS: sim.arm.caPath,
    IDENTITY_ENDPOINT: sim.arm.identityEndpoint,
    IDENTITY_HEADER: sim.arm.identityHeader,
    SIM_ARM_URL: sim.arm.url,
    ELB_ARM_ENDPOINT: sim.arm.url,
    SIM_SUBSCRIPTION: reg.subscription,
    SIM_RESOURCE_GROUP: reg.resourceGroup,
    SIM_REGISTRY: reg.name,
    SIM_CLUSTER: idParts(sim.arm.clusterResourceId).name,
  };
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'arm-driver.ts')],
    { env, cwd: join(__dirname, '..', '..') },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiting = new Map<number, (v: AnyJson) => void>();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as AnyJson;
    if (msg.ready) return ready();
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code) => reject(new Error(`the SDK driver exited (${code}): ${stderr.slice(0, 2000)}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([isReady, exited]);
  let seq = 0;
  const call: SdkDriver['call'] = (op, args) => {
    const id = ++seq;
    const answer = new Promise<AnyJson>((resolve) => waiting.set(id, resolve));
    child.stdin.write(`${JSON.stringify({ id, op, args })}\n`);
    return Promise.race([answer, exited]);
  };
  return {
    call,
    ok: async (op, args) => {
      const r = await call(op, args);
      if (!r.ok) throw new Error(`${op} failed: ${JSON.stringify(r.error)}`);
      return r.result;
    },
    stop: () => void child.kill('SIGKILL'),
  };
}

/** A raw HTTPS request to the sim that trusts its CA explicitly (this process did not start with it). */
export function armRequest(
  sim: TestSim,
  method: string,
  path: string,
  opts: { token?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: AnyJson; text: string; headers: Record<string, unknown> }> {
  const ca = readFileSync(sim.arm.caPath, 'utf8');
  const url = new URL(path, sim.arm.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let body: AnyJson;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A token from the sim's identity endpoint, fetched as MSAL does (App Service protocol). */
export async function identityToken(sim: TestSim, resource: string): Promise<string> {
  const r = await armRequest(sim, 'GET', `/msi/token?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`, {
    headers: { 'x-identity-header': sim.arm.identityHeader },
  });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.body.access_token as string;
}

export interface Sink {
  url: string;
  events: AnyJson[];
  close(): Promise<void>;
}

/** A webhook that records Event Grid deliveries. */
export async function startSink(): Promise<Sink> {
  const events: AnyJson[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      for (const e of JSON.parse(text) as AnyJson[]) events.push(e);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/EventGrid?functionName=acrImagePushed`,
    events,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export const BUILD_REQUEST = {
  type: 'DockerBuildRequest',
  sourceLocation: 'https://github.com/ncbi/elastic-blast-azure.git#v3.4:docker-openapi',
  dockerFilePath: 'Dockerfile',
  imageNames: ['elb-openapi:3.4'],
  isPushEnabled: true,
  platform: { os: 'Linux', architecture: 'amd64' },
};
