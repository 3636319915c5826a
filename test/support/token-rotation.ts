// Driving the token rotation of the `local` target on a part-by-part stack (parts.ts) in platform mode, for the
// rotation's edge and crash tests: calls as a deployer or a reader, reveals (each token kept for the final search),
// waits on an operation's phase and end, and the one invariant every case ends with (oneWorkingToken).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { PartsStack } from './parts';
import { PLATFORM_ENV, swaPrincipal } from './platform';
import { FAST_DEPLOY_ENV } from './local-target';
import { eventually } from './stack';

/** Platform mode, short waits, and a short retry bound for a dependency that is down. */
export const ROTATION_ENV: Readonly<Record<string, string>> = {
  ...FAST_DEPLOY_ENV,
  ...PLATFORM_ENV,
  ELB_VERIFY_TIMEOUT_SECONDS: '20',
  ELB_DEPENDENCY_RETRY_SECONDS: '3',
};
export const ROTATE = '/targets/local/openapi/token/rotate';
export const DEPLOYER = swaPrincipal(['deployer'], 'otto@example.com');
export const READER = swaPrincipal(['reader'], 'rita@example.com');

let stack: PartsStack;
/** Every token seen (revealed), for the final search. */
export const seen = new Set<string>();
let namespace = '';
let baseUrl = '';

export interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

export async function call(
  method: string,
  path: string,
  who: string | null = DEPLOYER,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who !== null) headers['x-ms-client-principal'] = who;
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  } catch {
    parsed = { unparsed: text };
  }
  return { status: res.status, text, body: parsed };
}

export async function reveal(): Promise<string> {
  const r = await call('POST', '/targets/local/openapi/token/reveal');
  expect(r.status, r.text).toBe(200);
  const token = r.body.token as string;
  seen.add(token);
  return token;
}

export interface Output {
  status: string;
  error: { code: string } | null;
  rollback: { status: string } | null;
  cluster_state: string;
  timeline: { name: string; status: string }[];
}

export async function phaseOf(id: string): Promise<string | null> {
  const s = (await call('GET', `/targets/local/openapi/deployments/${id}`, READER)).body as {
    custom_status?: { phase?: string };
  };
  return s.custom_status?.phase ?? null;
}

/** The operation's output once it has ended and no deploy holds the target. */
export async function ended(id: string, timeoutMs = 60_000): Promise<Output> {
  return eventually(
    async () => {
      const s = (await call('GET', `/targets/local/openapi/deployments/${id}`, READER)).body as { output?: Output };
      const active = (await call('GET', '/targets/local/openapi', READER)).body.active_deploy;
      return s.output && active === null ? s.output : undefined;
    },
    `operation ${id} to end`,
    timeoutMs,
    100,
  );
}

export async function idle(): Promise<void> {
  await eventually(
    async () => ((await call('GET', '/targets/local/openapi', READER)).body.active_deploy === null ? true : undefined),
    'the target to be idle',
    60_000,
  );
}

export async function rotate(): Promise<string> {
  const r = await call('POST', ROTATE);
  expect(r.status, r.text).toBe(202);
  return r.body.instance_id as string;
}

/** Polls until the operation reaches `phase`, then cancels it through the real route; answers the cancel's status. */
export async function cancelAt(id: string, phase: string, mode: 'cancel' | 'terminate' = 'cancel'): Promise<Answer> {
  await eventually(async () => ((await phaseOf(id)) === phase ? true : undefined), `phase ${phase}`, 30_000, 50);
  return call('POST', `/targets/local/openapi/deployments/${id}/cancel?mode=${mode}`);
}

/** What every pod behind the Service answers GET /v1/jobs with `token` (several calls: the Service spreads them). */
export async function v1(token: string): Promise<number[]> {
  const statuses = new Set<number>();
  for (let i = 0; i < 6; i++)
    statuses.add((await fetch(`${baseUrl}/v1/jobs`, { headers: { 'X-ELB-API-Token': token } })).status);
  return [...statuses].sort();
}

async function secretKeys(): Promise<string[]> {
  const secret = (await (
    await fetch(`${stack.k8sUrl}/api/v1/namespaces/${namespace}/secrets/elb-openapi-token`)
  ).json()) as { data: Record<string, string> };
  return Object.keys(secret.data).sort();
}

async function templateFingerprint(): Promise<string> {
  const d = (await (
    await fetch(`${stack.k8sUrl}/apis/apps/v1/namespaces/${namespace}/deployments/elb-openapi`)
  ).json()) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
  return d.spec.template.metadata.annotations['elb-control/api-token-sha256']!;
}

const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 16);

/**
 * The one invariant: the Secret holds one token, reveal returns it, the pod template carries its fingerprint, every
 * pod accepts it, and every other token seen is refused. Answers the token.
 */
export async function oneWorkingToken(): Promise<string> {
  const token = await reveal();
  expect(await secretKeys()).toEqual(['api-token']);
  expect(await templateFingerprint()).toBe(fingerprint(token));
  // The pods of the last rollout may still be starting (a terminate leaves it running).
  await eventually(
    async () => ((await v1(token)).join() === '200' ? true : undefined),
    'every pod to accept the revealed token',
    30_000,
  );
  for (const other of seen) if (other !== token) expect(await v1(other)).toEqual([401]);
  return token;
}

export async function auditCount(): Promise<number> {
  const r = await call('GET', '/targets/local/openapi/token/audit', READER);
  return (r.body as unknown as { action: string }[]).filter((a) => a.action === 'token_rotate').length;
}

export async function historyLength(): Promise<number> {
  return ((await call('GET', '/targets/local/openapi/deployments', READER)).body as unknown as unknown[]).length;
}

/** Binds the helpers to a started stack, installs the service and checks the invariant once. */
export async function installOn(parts: PartsStack): Promise<void> {
  stack = parts;
  const first = await eventually(async () => {
    const r = await call('POST', '/aks/openapi/deploy', DEPLOYER, {});
    return r.status === 503 ? undefined : r;
  }, 'a deploy past the preflight');
  expect(first.status, first.text).toBe(202);
  expect((await ended(first.body.instance_id as string, 90_000)).status).toBe('succeeded');
  const s = (await call('GET', '/targets/local/openapi', READER)).body as {
    namespace: string;
    service: { base_url: string };
  };
  namespace = s.namespace;
  baseUrl = s.service.base_url.replace(/\/$/, '');
  await oneWorkingToken();
}

/**
 * No token seen is in a GET answer, a part's log, or any file of the stack but the cluster's own (the sim keeps the
 * Secret): the Durable history as the devhost keeps it (docs/devhost.md "Durability") and as its HTTP API shows it,
 * and Azurite's tables (history records, audit trail).
 */
export async function expectNoTokenAnywhere(parts: PartsStack): Promise<void> {
  const history = (await call('GET', '/targets/local/openapi/deployments', READER)).body as unknown as {
    deploy_id: string;
  }[];
  const paths = [
    '/targets',
    '/targets/local/openapi',
    '/targets/local/openapi/activity',
    '/targets/local/openapi/deployments',
    '/targets/local/openapi/token/audit',
    '/monitor/aks/service-ip?service_name=elb-openapi',
    ...history.flatMap((h) => [
      `/targets/local/openapi/deployments/${h.deploy_id}`,
      `/aks/openapi/deploy/${h.deploy_id}/status`,
    ]),
  ];
  for (const path of paths) {
    const r = await call('GET', path, READER);
    expect(r.status, path).toBeLessThan(500);
    for (const token of seen) expect(r.text, path).not.toContain(token);
  }
  const files = walk(parts.localDir).filter((f) => !f.startsWith(join(parts.localDir, 'sim')));
  expect(files.filter((f) => f.includes(join('devhost', ''))).some((f) => f.includes('instances'))).toBe(true);
  expect(files.filter((f) => f.endsWith('.log')).length).toBeGreaterThanOrEqual(3);
  // Azurite writes its tables to disk a few seconds after a change: the audit records must be there to be searched.
  await eventually(
    async () =>
      walk(join(parts.localDir, 'azurite')).some((f) => readFileSync(f, 'utf8').includes('token_rotate'))
        ? true
        : undefined,
    'the audit trail on disk',
    20_000,
  );
  for (const file of walk(parts.localDir).filter((f) => !f.startsWith(join(parts.localDir, 'sim')))) {
    const text = readFileSync(file, 'utf8');
    for (const token of seen) {
      expect(text, file).not.toContain(token);
      expect(text, file).not.toContain(Buffer.from(token).toString('base64'));
    }
  }
  const { system } = parts.hostKeys();
  for (const h of history) {
    const res = await fetch(
      `${parts.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask/instances/${h.deploy_id}?showHistory=true&showHistoryOutput=true&showInput=true&code=${system}`,
    );
    const text = await res.text();
    expect(res.status, h.deploy_id).toBe(200);
    expect(text, h.deploy_id).toContain('historyEvents');
    for (const token of seen) expect(text, h.deploy_id).not.toContain(token);
  }
}

/** Every file under `dir`. */
export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
