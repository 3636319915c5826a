// Rotating the service's API token on the real local stack (platform sign-in, as in Azure), with the stand-in
// service enforcing the token on /v1: deployer only; recorded like a deploy and in the token's audit trail; after it
// the service accepts the new token and refuses the old one, the Secret holds only the new one and the pod template
// carries its fingerprint. A rotation whose pods crash puts the old token back and checks it. A rotation and a
// deploy never run at once on a target, and a push during a rotation is deployed after it with the new token kept.
// The tokens are in no answer but the reveal's and in no log line.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ENV, swaPrincipal } from '../../test/support/platform';
import { addSimFault, clearSimFaults, pushImage, startFastStack } from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';

let stack: Stack;
const tokens: string[] = [];
const ROTATE = '/targets/local/openapi/token/rotate';
const DEPLOYER = swaPrincipal(['deployer'], 'rosa@example.com');
const READER = swaPrincipal(['reader'], 'rita@example.com');

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, who: string | null, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who !== null) headers['x-ms-client-principal'] = who;
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function reveal(): Promise<string> {
  const r = await call('POST', '/targets/local/openapi/token/reveal', DEPLOYER);
  expect(r.status, r.text).toBe(200);
  return r.body.token as string;
}

interface Status {
  runtime_status: string;
  phase: string | null;
  output: {
    status: string;
    reason: string;
    requester: string;
    error: { code: string } | null;
    rollback: { status: string } | null;
    cluster_state: string;
    timeline: { name: string; status: string }[];
  } | null;
}

async function ended(id: string, timeoutMs = 90_000): Promise<NonNullable<Status['output']>> {
  return eventually(
    async () => {
      const s = (await call('GET', `/aks/openapi/deploy/${id}/status`, READER)).body as unknown as Status;
      return s.runtime_status === 'Completed' && s.output ? s.output : undefined;
    },
    `operation ${id} to end`,
    timeoutMs,
  );
}

async function idle(): Promise<{ namespace: string; base_url: string }> {
  return eventually(
    async () => {
      const s = (await call('GET', '/targets/local/openapi', READER)).body as {
        active_deploy: unknown;
        namespace: string;
        service: { base_url: string | null };
      };
      return s.active_deploy === null && s.service.base_url
        ? { namespace: s.namespace, base_url: s.service.base_url.replace(/\/$/, '') }
        : undefined;
    },
    'the target to be idle with an address',
    90_000,
  );
}

/** What the stand-in answers GET /v1/jobs with `token`. */
async function v1(baseUrl: string, token: string): Promise<number> {
  return (await fetch(`${baseUrl}/v1/jobs`, { headers: { 'X-ELB-API-Token': token } })).status;
}

/** The token Secret's keys and the Deployment's token fingerprint, read from the sim's Kubernetes API. */
async function clusterView(namespace: string) {
  const secret = (await (
    await fetch(`${stack.k8sUrl}/api/v1/namespaces/${namespace}/secrets/elb-openapi-token`)
  ).json()) as { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };
  const deployment = (await (
    await fetch(`${stack.k8sUrl}/apis/apps/v1/namespaces/${namespace}/deployments/elb-openapi`)
  ).json()) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
  return {
    keys: Object.keys(secret.data).sort(),
    rotation: secret.metadata.annotations?.['elb-control/token-rotation'] ?? null,
    fingerprint: deployment.spec.template.metadata.annotations['elb-control/api-token-sha256'],
  };
}

const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 16);

beforeAll(async () => {
  stack = await startFastStack({ ...PLATFORM_ENV, ELB_VERIFY_TIMEOUT_SECONDS: '20' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('POST …/token/rotate', () => {
  it('refuses before the first deploy (409 not_deployed) and records nothing', async () => {
    const r = await eventually(async () => {
      const a = await call('POST', ROTATE, DEPLOYER);
      return a.status === 503 ? undefined : a;
    }, 'an answer past the preflight');
    expect(r.status, r.text).toBe(409);
    expect(r.body.code).toBe('not_deployed');
    expect((await call('GET', '/targets/local/openapi/deployments', READER)).body).toEqual([]);
  });

  it('rotates for a deployer: new token accepted, old refused, Secret holds only the new one', async () => {
    expect((await call('POST', '/aks/openapi/deploy', DEPLOYER, {})).status).toBe(202);
    const { namespace, base_url } = await idle();
    const before = await reveal();
    tokens.push(before);
    expect(await v1(base_url, before)).toBe(200);
    expect((await clusterView(namespace)).fingerprint).toBe(fingerprint(before));

    expect((await call('POST', ROTATE, null)).status).toBe(401);
    expect(await call('POST', ROTATE, READER)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await call('POST', ROTATE, DEPLOYER, { token: 'mine' })).toMatchObject({
      status: 400,
      body: { code: 'unknown_field' },
    });
    expect(await call('POST', ROTATE, DEPLOYER, '{')).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
    expect([404, 405]).toContain((await call('GET', ROTATE, DEPLOYER)).status);

    const started = await call('POST', ROTATE, DEPLOYER);
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({ target: 'local', reason: 'rotate_token', status: 'queued' });
    const id = started.body.instance_id as string;
    const out = await ended(id);
    expect(out).toMatchObject({ status: 'succeeded', reason: 'rotate_token', requester: 'rosa@example.com' });
    expect(Object.fromEntries(out.timeline.map((e) => [e.name, e.status]))).toEqual({
      applying_token: 'done',
      waiting_for_rollout: 'done',
      verifying_token: 'done',
    });

    const after = await reveal();
    tokens.push(after);
    expect(after).not.toBe(before);
    expect(after.length).toBeGreaterThanOrEqual(32);
    expect(await v1(base_url, after)).toBe(200);
    expect(await v1(base_url, before)).toBe(401);
    expect(await clusterView(namespace)).toEqual({
      keys: ['api-token'],
      rotation: null,
      fingerprint: fingerprint(after),
    });

    // Recorded like a deploy, and in the token's audit trail (who, when), never with a token.
    const history = await call('GET', '/targets/local/openapi/deployments', READER);
    expect((history.body as unknown as { deploy_id: string; reason: string; status: string }[])[0]).toMatchObject({
      deploy_id: id,
      reason: 'rotate_token',
      status: 'succeeded',
    });
    const audit = await call('GET', '/targets/local/openapi/token/audit', READER);
    expect((audit.body as unknown as { action: string; actor: string }[]).map((a) => a.action)).toContain(
      'token_rotate',
    );
    expect(audit.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'token_rotate', actor: 'rosa@example.com' })]),
    );
  }, 150_000);

  it('a rotation and a deploy never run at once; a push during a rotation is deployed after it, keeping the new token', async () => {
    const { namespace, base_url } = await idle();
    // A deploy holds the target: the rotation is refused with the deploy's id.
    const deploy = await call('POST', '/aks/openapi/deploy', DEPLOYER, {});
    expect(deploy.status).toBe(202);
    const refused = await call('POST', ROTATE, DEPLOYER);
    expect(refused).toMatchObject({ status: 409, body: { code: 'deploy_in_progress' } });
    expect(refused.body.active_instance_id).toBe(deploy.body.instance_id);
    await ended(deploy.body.instance_id as string);
    await idle();

    // A rotation holds the target: a deploy and a second rotation are refused with its id; a push is queued.
    const rotation = await call('POST', ROTATE, DEPLOYER);
    expect(rotation.status).toBe(202);
    const rotationId = rotation.body.instance_id as string;
    for (const [path, body] of [
      ['/aks/openapi/deploy', {}],
      [ROTATE, undefined],
    ] as const) {
      const r = await call('POST', path, DEPLOYER, body);
      expect(r, path).toMatchObject({
        status: 409,
        body: { code: 'deploy_in_progress', active_instance_id: rotationId },
      });
    }
    const pushed = await pushImage(stack);
    expect((await ended(rotationId)).status).toBe('succeeded');
    const token = await reveal();
    tokens.push(token);

    // The follow-up deploy of the pushed digest runs after the rotation and keeps its token (no second restart).
    await eventually(
      async () => {
        const s = (await call('GET', '/targets/local/openapi', READER)).body as {
          active_deploy: unknown;
          deployed: { digest: string } | null;
        };
        return s.deployed?.digest === pushed.digest && s.active_deploy === null ? true : undefined;
      },
      'the pushed digest to be deployed after the rotation',
      90_000,
    );
    expect(await reveal()).toBe(token);
    expect(await v1(base_url, token)).toBe(200);
    expect((await clusterView(namespace)).fingerprint).toBe(fingerprint(token));
  }, 150_000);

  it('pods that crash with the new token: the old token is put back, checked, and the record says so', async () => {
    const { namespace, base_url } = await idle();
    const kept = await reveal();
    // A bad rollout: the pods the rotation starts crash; the running ones keep serving with the old token. (The
    // fault counts whole seconds of pod creation: the running pods are a second older than it.)
    await new Promise((ok) => setTimeout(ok, 1100));
    await addSimFault(stack, { type: 'crash_loop', namespace, new_pods: true });
    const started = await call('POST', ROTATE, DEPLOYER);
    expect(started.status, started.text).toBe(202);
    const out = await ended(started.body.instance_id as string);
    await clearSimFaults(stack);
    expect(out).toMatchObject({
      status: 'rolled_back',
      error: { code: 'crash_loop' },
      rollback: { status: 'succeeded' },
    });
    expect(out.cluster_state).toMatch(/with the previous token$/);
    expect(Object.fromEntries(out.timeline.map((e) => [e.name, e.status]))).toMatchObject({
      applying_token: 'done',
      waiting_for_rollout: 'failed',
      restoring_token: 'done',
    });
    expect(await reveal()).toBe(kept);
    expect(await v1(base_url, kept)).toBe(200);
    expect(await clusterView(namespace)).toEqual({
      keys: ['api-token'],
      rotation: null,
      fingerprint: fingerprint(kept),
    });
    // The page's history says it as it happened.
    const history = await call('GET', '/targets/local/openapi/deployments', READER);
    expect((history.body as unknown as { reason: string; status: string }[])[0]).toMatchObject({
      reason: 'rotate_token',
      status: 'rolled_back',
    });
  }, 150_000);

  it('no token is in any other answer or in any part’s log', async () => {
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    const history = await call('GET', '/targets/local/openapi/deployments', READER);
    const ids = (history.body as unknown as { deploy_id: string }[]).map((r) => r.deploy_id);
    const paths = [
      '/targets',
      '/targets/local/openapi',
      '/targets/local/openapi/deployments',
      '/targets/local/openapi/token/audit',
      '/activity',
      ...ids.flatMap((id) => [`/targets/local/openapi/deployments/${id}`, `/aks/openapi/deploy/${id}/status`]),
    ];
    for (const path of paths) {
      const r = await call('GET', path, READER);
      expect(r.status, path).toBeLessThan(500);
      for (const token of tokens) expect(r.text, path).not.toContain(token);
    }
    for (const part of Object.keys(stack.partPids())) {
      const log = readFileSync(stack.logFile(part), 'utf8');
      for (const token of tokens) expect(log, part).not.toContain(token);
    }
  });
});
