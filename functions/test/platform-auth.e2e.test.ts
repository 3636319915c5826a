// Platform sign-in over HTTP, on the real local stack with ELB_AUTH_MODE=platform: the principal arrives in
// `x-ms-client-principal` (base64 JSON) exactly as Static Web Apps / App Service put it there; reads need
// `reader`, deploys and cancels need `deployer`, and the deploy records who asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ENV, swaPrincipal } from '../../test/support/platform';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { startFastStack } from '../../test/support/local-target';
import { eventually, type Stack } from '../../test/support/stack';

let stack: Stack;

/** The header App Service authentication sends: app roles as `roles` claims. */
function appServicePrincipal(roles: string[]): string {
  const principal = {
    auth_typ: 'aad',
    name_typ: 'name',
    role_typ: 'roles',
    claims: [{ typ: 'name', val: 'Ben' }, ...roles.map((val) => ({ typ: 'roles', val }))],
  };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}

async function call(
  method: string,
  path: string,
  principal: string | null,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (principal !== null) headers['x-ms-client-principal'] = principal;
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  // What the platform mode needs in Azure: the platform's authentication on, and the registry to check pushes against.
  stack = await startFastStack(PLATFORM_ENV);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('ELB_AUTH_MODE=platform over HTTP', () => {
  it('no principal, or one that cannot be read, is 401 unauthenticated', async () => {
    for (const path of ['/targets', '/targets/local/openapi', '/monitor/acr', '/openapi.json']) {
      expect(await call('GET', path, null)).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
    }
    expect(await call('GET', '/targets', 'not-base64-json!')).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated' },
    });
    expect(await call('POST', '/aks/openapi/deploy', null, {})).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated' },
    });
  });

  it('a signed-in user without a role is 403 forbidden, for reads and deploys', async () => {
    expect(await call('GET', '/targets', swaPrincipal([]))).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
    expect(await call('POST', '/aks/openapi/deploy', swaPrincipal([]), {})).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
  });

  it('reader may read but not deploy or cancel', async () => {
    const targets = await call('GET', '/targets', swaPrincipal(['reader']));
    expect(targets.status).toBe(200);
    expect(z.parse(contract.TargetSummaryList, targets.body).map((t) => t.target)).toEqual(['local']);
    expect((await call('GET', '/targets/local/openapi/deployments', swaPrincipal(['reader']))).status).toBe(200);
    expect((await call('GET', '/openapi.json', appServicePrincipal(['reader']))).status).toBe(200);
    expect(await call('POST', '/aks/openapi/deploy', swaPrincipal(['reader']), {})).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
    expect(
      await call(
        'POST',
        '/targets/local/openapi/deployments/local-20260101t000000-00000000/cancel',
        swaPrincipal(['reader']),
      ),
    ).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('deployer may deploy (recorded as the requester) and read (deployer includes reader)', async () => {
    const started = await call('POST', '/aks/openapi/deploy', swaPrincipal(['deployer'], 'dee@example.com'), {});
    expect(started.status).toBe(202);
    const id = z.parse(contract.DeployAccepted, started.body).id;
    expect((await call('GET', `/aks/openapi/deploy/${id}/status`, appServicePrincipal(['deployer']))).status).toBe(200);
    const output = await eventually(
      async () => {
        const s = await call('GET', `/aks/openapi/deploy/${id}/status`, swaPrincipal(['reader']));
        const status = z.parse(contract.DeployStatus, s.body);
        return ['Completed', 'Failed', 'Terminated'].includes(status.runtime_status) ? status.output : undefined;
      },
      'the deploy to finish',
      90_000,
      250,
    );
    expect(output).toMatchObject({ status: 'succeeded', requester: 'dee@example.com' });
    const history = await call('GET', '/targets/local/openapi/deployments', swaPrincipal(['deployer']));
    expect(history.status).toBe(200);
    expect(z.parse(contract.DeploymentList, history.body)[0]).toMatchObject({
      deploy_id: id,
      requester: 'dee@example.com',
    });
  });
});
