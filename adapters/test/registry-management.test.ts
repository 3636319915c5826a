// The registry through Azure Resource Manager when ARM is not there or says no: always a coded error, never an empty
// answer. The success paths run against the sim's ARM endpoint in functions/test/rebuild.e2e.test.ts (real SDK,
// real managed-identity credential); here the real SDK meets a closed port, and ARM's refusals are mapped.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors';
import { armError, RegistryManagement } from '../registry-management';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

describe('armError', () => {
  it('maps ARM refusals and outages to coded errors', () => {
    const at = (statusCode?: number) => armError(Object.assign(new Error('x'), { statusCode }), 'read registry r');
    expect([401, 403].map((s) => at(s).code)).toEqual(['registry_forbidden', 'registry_forbidden']);
    expect(at(404)).toMatchObject({ code: 'registry_not_found', status: 502 });
    expect(at(500)).toMatchObject({ code: 'registry_unavailable', status: 502 });
    expect(at(undefined)).toMatchObject({ code: 'registry_unavailable', status: 503 });
    const own = new DomainError('build_not_started', 'no run id', 502);
    expect(armError(own, 'x')).toBe(own);
  });
});

describe('RegistryManagement with Resource Manager unreachable', () => {
  it('every call is registry_unavailable, quickly', async () => {
    const port = await closedPort();
    const arm = new RegistryManagement(
      { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', name: 'reg' },
      `https://127.0.0.1:${port}`,
    );
    const started = Date.now();
    for (const call of [() => arm.facts(), () => arm.runs(), () => arm.run('ca1'), () => arm.cancel('ca1')]) {
      await expect(call()).rejects.toMatchObject({ code: 'registry_unavailable' });
    }
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
