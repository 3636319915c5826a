// The OpenAPI document against the app as it really registers itself: the built app (dist/) is loaded by the
// devhost, every HTTP function it registered is listed from the devhost's registry, and the document the app
// serves must name exactly those methods and paths. Each route's role is then proven on the wire: a signed-in
// caller without roles is refused with the role the document names (ELB_AUTH_MODE=platform), and a caller without
// a principal is 401. A route added without the document, or the other way round, fails here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevhost, type RunningDevhost } from '../../devhost/host';
import { repoRoot } from '../../test/support/stack';

let devhost: RunningDevhost;
let stateDir: string;

const principal = (roles: string[]) =>
  Buffer.from(JSON.stringify({ userDetails: 'ana@example.com', userRoles: ['authenticated', ...roles] })).toString(
    'base64',
  );

interface Operation {
  'x-required-role': string;
}
interface ApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

beforeAll(async () => {
  // Platform mode as in Azure; nothing behind the routes is started: every request below is refused before a
  // handler runs, which is what is being tested.
  Object.assign(process.env, {
    ELB_AUTH_MODE: 'platform',
    ELB_TASK_HUB: 'elbapidoc',
    WEBSITE_AUTH_ENABLED: 'True',
    ELB_REGISTRY_RESOURCE_ID:
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerRegistry/registries/elbsim',
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-api-document-'));
  devhost = await startDevhost({ appDir: repoRoot, port: 0, host: '127.0.0.1', stateDir, write: () => undefined });
}, 60_000);

afterAll(async () => {
  await devhost?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

/** `METHOD /path` of every HTTP function the app registered. */
function registeredOperations(): string[] {
  return devhost.registry
    .byTriggerType('httpTrigger')
    .flatMap((fn) => (fn.trigger.methods as string[]).map((m) => `${m.toUpperCase()} /${String(fn.trigger.route)}`))
    .sort();
}

async function served(): Promise<ApiDocument> {
  const res = await fetch(`${devhost.url}/api/openapi.json`, {
    headers: { 'x-ms-client-principal': principal(['reader']) },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as ApiDocument;
}

function documentedOperations(doc: ApiDocument): { key: string; path: string; method: string; role: string }[] {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${p}`,
      path: p,
      method: method.toUpperCase(),
      role: op['x-required-role'],
    })),
  );
}

describe('the served OpenAPI document and the registered HTTP functions', () => {
  it('name the same methods and paths, nothing more and nothing less', async () => {
    const registered = registeredOperations();
    expect(registered.length).toBeGreaterThan(10);
    expect(
      documentedOperations(await served())
        .map((o) => o.key)
        .sort(),
    ).toEqual(registered);
  });

  it("refuse each route with the document's role, and without a principal with 401", async () => {
    const operations = documentedOperations(await served());
    for (const op of operations) {
      const url = `${devhost.url}/api${op.path.replace('{target}', 'local').replace('{id}', 'local-1')}`;
      const init = (headers: Record<string, string>): RequestInit => ({
        method: op.method,
        headers: { 'content-type': 'application/json', ...headers },
        body: op.method === 'POST' ? '{}' : undefined,
      });
      const noRole = await fetch(url, init({ 'x-ms-client-principal': principal([]) }));
      expect([op.key, noRole.status, await noRole.json()]).toEqual([
        op.key,
        403,
        { code: 'forbidden', message: `the ${op.role} role is required` },
      ]);
      const anonymous = await fetch(url, init({}));
      expect([op.key, anonymous.status, ((await anonymous.json()) as { code: string }).code]).toEqual([
        op.key,
        401,
        'unauthenticated',
      ]);
      if (op.role === 'deployer') {
        // A reader is not enough where the document says deployer.
        const reader = await fetch(url, init({ 'x-ms-client-principal': principal(['reader']) }));
        expect([op.key, reader.status]).toEqual([op.key, 403]);
      }
    }
  });
});
