// The stand-in elb-openapi service enforces X-ELB-API-Token on /v1/* with the token its pod was started with, as the
// real service does: a Secret change reaches it only through a rolling restart, and the token never shows in the
// cluster's objects or events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE } from '../k8s/resources';
import { arr, str } from '../k8s/object';
import { eventually, randomLoopbackStart, startTestSim, type TestSim } from './support';

let sim: TestSim;

beforeAll(async () => {
  sim = await startTestSim({ readyDelayMs: 200 });
});
afterAll(async () => {
  await sim?.stop();
});

const OLD = 'old-token-0123456789abcdef0123456789abcdef';
const NEW = 'new-token-fedcba9876543210fedcba9876543210';

function manifests(ns: string, image: string, withSecret: boolean): string {
  const secret = withSecret
    ? `---
apiVersion: v1
kind: Secret
metadata: {name: elb-openapi-token, namespace: ${ns}}
type: Opaque
data: {api-token: ${Buffer.from(OLD).toString('base64')}}
`
    : '';
  return `apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
${secret}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: elb-openapi, namespace: ${ns}}
spec:
  replicas: 2
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: elb-openapi}}
  template:
    metadata: {labels: {app: elb-openapi}}
    spec:
      containers:
        - name: elb-openapi
          image: ${image}
          env:
            - name: ELB_OPENAPI_API_TOKEN
              valueFrom: {secretKeyRef: {name: elb-openapi-token, key: api-token}}
---
apiVersion: v1
kind: Service
metadata: {name: elb-openapi, namespace: ${ns}}
spec:
  type: LoadBalancer
  selector: {app: elb-openapi}
  ports: [{name: http, port: 80, targetPort: 8000}]
`;
}

async function deploy(ns: string, withSecret: boolean, on: TestSim = sim): Promise<string> {
  const r = await on.kubectl(
    ['apply', '--server-side', '-f', '-'],
    manifests(ns, `${on.registryHostPort}/elb-openapi:3.4`, withSecret),
  );
  expect(r.stderr).toBe('');
  return addressOf(ns, on);
}

async function addressOf(ns: string, on: TestSim): Promise<string> {
  const ip = await eventually(
    () => str(arr(on.api.get(RESOURCE.services, ns, 'elb-openapi'), 'status', 'loadBalancer', 'ingress')[0], 'ip'),
    'an LB address',
  );
  await eventually(async () => (await fetch(`http://${ip}/healthz`)).ok || undefined, 'the stand-in to answer');
  return `http://${ip}`;
}

async function statusOf(url: string, token?: string): Promise<number> {
  const res = await fetch(url, { headers: token === undefined ? {} : { 'X-ELB-API-Token': token } });
  await res.arrayBuffer();
  return res.status;
}

describe('stand-in API token', () => {
  it('answers 401 on /v1/* without the token, a wrong one or a near miss, and 200 with it; probes stay open', async () => {
    const base = await deploy('token-check', true);
    expect(await statusOf(`${base}/healthz`)).toBe(200);
    expect(await statusOf(`${base}/openapi.json`)).toBe(200);
    const res = await fetch(`${base}/v1/jobs`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('X-ELB-API-Token');
    expect(await res.json()).toEqual({ detail: 'Missing or invalid API token' });
    for (const wrong of ['', 'x', OLD.slice(0, -1), `${OLD}x`, OLD.toUpperCase(), NEW]) {
      expect(await statusOf(`${base}/v1/jobs`, wrong), JSON.stringify(wrong)).toBe(401);
    }
    // Every pod behind the address checks it: many requests, all 200.
    for (let i = 0; i < 20; i++) expect(await statusOf(`${base}/v1/databases`, OLD)).toBe(200);
    // An unknown /v1 path is still behind the token (no probing of routes without it).
    expect(await statusOf(`${base}/v1/nope`)).toBe(401);
    expect(await statusOf(`${base}/v1/nope`, OLD)).toBe(404);
  });

  it('keeps the started token after the Secret changes, and takes the new one only after a rolling restart', async () => {
    const ns = 'token-rotate';
    const base = await deploy(ns, true);
    const patch = JSON.stringify({ data: { 'api-token': Buffer.from(NEW).toString('base64') } });
    const patched = await sim.kubectl(['-n', ns, 'patch', 'secret', 'elb-openapi-token', '-p', patch]);
    expect(patched.code).toBe(0);
    expect(await statusOf(`${base}/v1/jobs`, OLD)).toBe(200);
    expect(await statusOf(`${base}/v1/jobs`, NEW)).toBe(401);

    expect((await sim.kubectl(['-n', ns, 'rollout', 'restart', 'deployment/elb-openapi'])).code).toBe(0);
    const done = await sim.kubectl(['-n', ns, 'rollout', 'status', 'deployment/elb-openapi', '--timeout=60s']);
    expect(done.stdout).toContain('successfully rolled out');
    // Old pods may still be terminating behind the address for a moment; then only the new token works.
    await eventually(async () => {
      for (let i = 0; i < 10; i++) if ((await statusOf(`${base}/v1/jobs`, NEW)) !== 200) return undefined;
      return true;
    }, 'every pod to take the new token');
    for (let i = 0; i < 10; i++) expect(await statusOf(`${base}/v1/jobs`, OLD)).toBe(401);

    // The token is in the Secret only: not in pods, events or the Deployment.
    for (const kind of ['pods', 'events', 'deployments', 'replicasets']) {
      const out = await sim.kubectl(['-n', ns, 'get', kind, '-o', 'json']);
      expect(out.stdout).not.toContain(OLD);
      expect(out.stdout).not.toContain(NEW);
    }
  });

  it('accepts nobody when the pod was started without the Secret', async () => {
    const base = await deploy('token-none', false);
    expect(await statusOf(`${base}/v1/jobs`)).toBe(401);
    expect(await statusOf(`${base}/v1/jobs`, '')).toBe(401);
    expect(await statusOf(`${base}/v1/jobs`, 'undefined')).toBe(401);
    expect(await statusOf(`${base}/healthz`)).toBe(200);
  });

  it('keeps accepting the token after the sim restarts over its saved state', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'elb-sim-token-'));
    const lbIpStart = randomLoopbackStart();
    try {
      const first = await startTestSim({ stateDir, lbIpStart, readyDelayMs: 200 });
      let base: string;
      try {
        base = await deploy('token-kept', true, first);
        expect(await statusOf(`${base}/v1/jobs`, OLD)).toBe(200);
      } finally {
        await first.stop();
      }
      const second = await startTestSim({ stateDir, lbIpStart, readyDelayMs: 200 });
      try {
        expect(await addressOf('token-kept', second)).toBe(base);
        expect(await statusOf(`${base}/v1/jobs`, OLD)).toBe(200);
        expect(await statusOf(`${base}/v1/jobs`)).toBe(401);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
