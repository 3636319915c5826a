// The composition root: importing the app's modules builds nothing; each adapter is built on first use, once, and
// the HTTP handlers, the Event Grid trigger and the deploy activities get the same instance; the two registry
// clients differ only in their retries; tests can substitute parts and put them back.
import { createServer, type Server } from 'node:net';
import type { DurableClient } from 'durable-functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedDeploymentRecord } from '../../core/deployment-record';
import { emptyTargetState } from '../../core/target-state';

// A port that accepts connections and closes them at once: every registry request fails (a registry that is down).
let closing: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  closing = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((ok) => closing.listen(0, '127.0.0.1', ok));
  port = (closing.address() as { port: number }).port;
  Object.assign(process.env, {
    ELB_AUTH_MODE: 'none',
    ELB_LOCAL_DIR: '/tmp/elb-composition-test',
    ELB_REGISTRY_ENDPOINT: `http://127.0.0.1:${port}`,
    // Plain http off loopback: building a table client with it throws (invalid_settings), so any table adapter
    // built at import time would fail the imports below.
    ELB_TABLES_ENDPOINT: 'http://tables.example.com/devstoreaccount1',
    ELB_CHECK_POLL_MS: '250',
  });
  delete process.env.EXEC_TOKEN;
});

afterAll(() => new Promise<void>((ok) => closing.close(() => ok())));

describe('the composition root', () => {
  it('builds nothing when the app is imported: every function module loads with settings no adapter accepts', async () => {
    await import('../../functions/targets-api.js');
    await import('../../functions/deploy-api.js');
    await import('../../functions/acr-events.js');
    await import('../../functions/monitor-api.js');
    await import('../../functions/platform-api.js');
    await import('../../functions/deploy-orchestration.js');
    const { adapters } = await import('../composition.js');
    // Only now, on first use, is the table client built, and the bad setting surfaces.
    expect(() => adapters().targets).toThrow(/plain-http table endpoint must be on loopback/);
    // An adapter is built on its own: the exec client needs EXEC_TOKEN, the registry does not.
    expect(() => adapters().clusterExec).toThrow(/EXEC_TOKEN/);
    expect(adapters().requestRegistry).toBeDefined();
  });

  it('hands the handlers and the activities the same instance of each adapter, built once', async () => {
    process.env.ELB_TABLES_ENDPOINT = 'http://127.0.0.1:1/devstoreaccount1';
    process.env.EXEC_TOKEN = 'x'.repeat(40);
    const { adapters } = await import('../composition.js');
    const { activityDeps } = await import('../../orchestrations/activities/context.js');
    const a = adapters();
    const d = activityDeps();
    expect(a.targets).toBe(a.targets);
    expect(d.targets).toBe(a.targets);
    expect(d.deployments).toBe(a.deployments);
    expect(d.clusterExec).toBe(a.clusterExec);
    expect(d.config).toBe(a.config);
    expect(d.registry).toBe(a.deployRegistry);
    expect(a.requestRegistry).not.toBe(a.deployRegistry);
    expect(d.pollMs).toBe(250);
    expect(activityDeps()).toBe(d);
  });

  it('the request registry fails fast (one retry); the deploy registry retries twice', async () => {
    const { adapters } = await import('../composition.js');
    // Counted at the socket: each try is one connection the registry stand-in closes at once.
    const tries = async (read: () => Promise<unknown>) => {
      connections = 0;
      const t0 = Date.now();
      await expect(read()).rejects.toMatchObject({ code: 'registry_unavailable' });
      return { count: connections, ms: Date.now() - t0 };
    };
    const fast = await tries(() => adapters().requestRegistry.listTags('elb-openapi'));
    const patient = await tries(() => adapters().deployRegistry.resolveTag('elb-openapi', '3.4'));
    expect(fast.count).toBe(2);
    expect(patient.count).toBe(3);
    // Backoff 0.5 s then 1 s, with jitter (adapters/request-timeout.ts): both well inside a request's bounds.
    expect(fast.ms).toBeLessThan(4_000);
    expect(patient.ms).toBeLessThan(6_000);
  }, 60_000);

  it('lets a test substitute parts: handlers, activities and the lease service all see them, until put back', async () => {
    const { adapters, deployLeases, substituteAdapters } = await import('../composition.js');
    const { activityDeps } = await import('../../orchestrations/activities/context.js');
    const { targetActivity } = await import('../../functions/lib/views.js');
    const original = adapters().targets;
    // In-memory stand-ins for the two tables (the real ones are exercised against Azurite in deploy-leases.test.ts).
    const record = {
      ...queuedDeploymentRecord({
        deployId: 'd1',
        target: 'local',
        reason: 'update',
        requester: 'ann',
        requestedAt: new Date().toISOString(),
        tag: '3.4',
        digest: null,
      }),
      finished_at: new Date().toISOString(),
      status: 'succeeded' as const,
    };
    const targets = {
      get: async (name: string) => ({ state: { ...emptyTargetState(name), deployedTag: '3.4' }, etag: null }),
    };
    const deployments = { list: async () => [record] };
    const restore = substituteAdapters({ targets, deployments } as never);
    try {
      expect(activityDeps().targets).toBe(targets);
      const view = await targetActivity(adapters().config.targets[0]!);
      expect(view).toMatchObject({ target: 'local', active_deploy: null, last_deploy: { deploy_id: 'd1' } });
      expect(await deployLeases({} as DurableClient).history('local', 5)).toEqual([record]);
    } finally {
      restore();
    }
    expect(adapters().targets).toBe(original);
    expect(activityDeps().targets).toBe(original);
  });
});
