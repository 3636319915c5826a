// The bound on Azure SDK calls (adapters/request-timeout.ts) against peers that cannot answer: a table endpoint and a
// registry that accept connections and never answer, and ports that refuse them. Without the bound the hung calls
// would wait forever, past the 45 s after which Static Web Apps ends a request.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../test/support/stack';
import { createRegistryClient, RegistryReader } from '../registry';
import { SDK_RETRY_OPTIONS, SDK_TRY_TIMEOUT_MS } from '../request-timeout';
import { DeploymentStore, TargetStore } from '../state-store';
import { tableClient } from '../tables';

let hung: net.Server;
let hungPort = 0;
let closedPort = 0;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  // Accepts and reads, never writes a byte back.
  hung = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((ok) => hung.listen(0, '127.0.0.1', ok));
  hungPort = (hung.address() as net.AddressInfo).port;
  [closedPort] = (await freePorts(1)) as [number]; // free, so nothing listens: connections are refused
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => hung.close(ok));
});

/** How long `work` takes to settle, and whether it failed. */
async function timed(work: Promise<unknown>): Promise<{ ms: number; failed: boolean }> {
  const started = Date.now();
  const failed = await work.then(
    () => false,
    () => true,
  );
  return { ms: Date.now() - started, failed };
}

// Refused tries are retried after 0.5 s and 1 s (plus jitter): a few seconds, whatever the SDK's own defaults.
const REFUSED_BOUND_MS = SDK_RETRY_OPTIONS.maxRetryDelayInMs * (SDK_RETRY_OPTIONS.maxRetries + 1) + 2000;

describe('table calls are bounded', () => {
  it('a table endpoint that never answers fails the call after one try timeout', async () => {
    const store = new TargetStore(tableClient('hungtargets', `http://127.0.0.1:${hungPort}/devstoreaccount1`));
    const { ms, failed } = await timed(store.get('local'));
    expect(failed).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(SDK_TRY_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(SDK_TRY_TIMEOUT_MS + 3000);
  }, 30_000);

  it('a refused table endpoint fails within the retry backoff', async () => {
    const store = new DeploymentStore(tableClient('refused', `http://127.0.0.1:${closedPort}/devstoreaccount1`), 5);
    const { ms, failed } = await timed(store.list('local'));
    expect(failed).toBe(true);
    expect(ms).toBeLessThan(REFUSED_BOUND_MS);
  }, 30_000);
});

describe('registry calls are bounded', () => {
  it('a registry that never answers fails a tag lookup after one try timeout, as registry_unavailable', async () => {
    const reader = new RegistryReader(createRegistryClient(`http://127.0.0.1:${hungPort}`));
    const started = Date.now();
    const err = await reader.resolveTag('elb-openapi', '3.4').then(
      () => null,
      (e: unknown) => e,
    );
    const ms = Date.now() - started;
    expect(err).toMatchObject({ code: 'registry_unavailable' });
    expect(ms).toBeGreaterThanOrEqual(SDK_TRY_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(SDK_TRY_TIMEOUT_MS + 3000);
  }, 30_000);

  it('a refused registry fails within the retry backoff', async () => {
    const reader = new RegistryReader(createRegistryClient(`http://127.0.0.1:${closedPort}`));
    const { ms, failed } = await timed(reader.listTags('elb-openapi'));
    expect(failed).toBe(true);
    expect(ms).toBeLessThan(REFUSED_BOUND_MS);
  }, 30_000);
});
