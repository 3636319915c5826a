// The older system's clients, replayed byte for byte against the real local stack (devhost, sim, exec server,
// Azurite): their deploy body and their service-ip and monitor/acr queries name an AKS cluster and a registry,
// and elb-control maps those names onto its configured targets (docs/api.md "Seed-compatible calls"). The two
// targets here are kubeconfig targets on the sim that declare the Azure names (`seedCluster`), as a local setup
// standing in for AKS would; the registry is named by ELB_REGISTRY_RESOURCE_ID. Each refusal is checked on the
// wire (status, code) and on what it must not have caused: no deploy record on either target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_DEPLOY_ENV } from '../../test/support/local-target';
import { eventually, startStack, type Stack } from '../../test/support/stack';

const SUB = '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/elbacr01`;

/** What the old deploy script posts, exactly (issue 15). */
const OLD_DEPLOY_BODY = `{"subscription_id":"${SUB}","resource_group":"rg-elb","cluster_name":"aks-elb","acr_name":"elbacr01"}`;
const OLD_SERVICE_IP = `/monitor/aks/service-ip?subscription_id=${SUB}&resource_group=rg-elb&cluster_name=aks-elb&service_name=elb-openapi`;
const OLD_ACR = `/monitor/acr?subscription_id=${SUB}&resource_group=rg-acr&registry_name=elbacr01`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: (localDir) => {
      const onSim = {
        kind: 'kubeconfig',
        kubeconfig: `${localDir}/sim/kubeconfig`,
        context: 'elb-sim',
        servicePort: 8080,
      };
      return {
        ...FAST_DEPLOY_ENV,
        ELB_EXTERNAL_IP_TIMEOUT_SECONDS: '30',
        ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID,
        ELB_TARGETS: JSON.stringify([
          {
            ...onSim,
            name: 'local',
            namespace: 'elb-openapi',
            seedCluster: { subscriptionId: SUB, resourceGroup: 'rg-elb', clusterName: 'aks-elb' },
          },
          {
            ...onSim,
            name: 'staging',
            namespace: 'elb-staging',
            seedCluster: { subscriptionId: SUB, resourceGroup: 'rg-elb', clusterName: 'aks-staging' },
          },
        ]),
      };
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** A request as curl in an old script sends it: JSON content type, the body as written. */
async function send<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: string) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    body,
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function deployIds(target: string): Promise<string[]> {
  const { status, body } = await send<{ deploy_id: string }[]>('GET', `/targets/${target}/openapi/deployments`);
  expect(status).toBe(200);
  return body.map((r) => r.deploy_id);
}

async function allDeployIds(): Promise<string[]> {
  return [...(await deployIds('local')), ...(await deployIds('staging'))];
}

interface Status {
  runtime_status: string;
  custom_status: { target: string };
  output: { status: string } | null;
}

/** Polls the status URL the 202 handed out, as the old panel did, until the deploy ends. */
function finished(statusQueryGetUri: string): Promise<Status> {
  const origin = new URL(stack.apiUrl).origin;
  return eventually(
    async () => {
      const res = await fetch(`${origin}${statusQueryGetUri}`);
      const body = (await res.json()) as Status;
      return ['Completed', 'Failed', 'Terminated'].includes(body.runtime_status) ? body : undefined;
    },
    'the deploy to finish',
    60_000,
    250,
  );
}

describe("the old clients' requests, unchanged", () => {
  it('deploy, service-ip and monitor/acr work against the configured cluster', async () => {
    const started = await send('POST', '/aks/openapi/deploy', OLD_DEPLOY_BODY);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body['id'] as string;
    expect(started.body).toMatchObject({
      instance_id: id,
      task_id: id,
      target: 'local',
      status: 'queued',
      statusQueryGetUri: `/api/aks/openapi/deploy/${id}/status`,
    });
    expect(started.body).not.toHaveProperty('ignored_fields');

    const end = await finished(started.body['statusQueryGetUri'] as string);
    expect(end).toMatchObject({ runtime_status: 'Completed', output: { status: 'succeeded' } });
    expect(end.custom_status.target).toBe('local');
    expect(await deployIds('local')).toContain(id);
    expect(await deployIds('staging')).toEqual([]);

    const ip = await send('GET', OLD_SERVICE_IP);
    expect(ip).toMatchObject({
      status: 200,
      body: { service_name: 'elb-openapi', target: 'local', available: true, status: 'ready' },
    });
    expect(ip.body['external_ip']).toMatch(/^127\.\d+\.\d+\.\d+$/);

    // The old query names no cluster: with two targets it is answered for the registry alone.
    const acr = await send('GET', OLD_ACR);
    expect(acr).toMatchObject({
      status: 200,
      body: { name: 'elbacr01', target: null, expected_image_tags: { 'elb-openapi': '3.4' } },
    });
    expect((acr.body['actual_tags'] as Record<string, string[]>)['elb-openapi']).toContain('3.4');
    // The registry's resource group and subscription were checked against its resource id: nothing ignored.
    expect(acr.body).not.toHaveProperty('ignored_fields');
  }, 80_000);

  it('the cluster names reach the other configured target, and only it', async () => {
    const ip = await send(
      'GET',
      `/monitor/aks/service-ip?subscription_id=${SUB}&resource_group=RG-ELB&cluster_name=aks-staging&service_name=elb-openapi`,
    );
    // Nothing deployed in staging's namespace: its own (empty) Service is read, not local's.
    expect(ip).toMatchObject({
      status: 200,
      body: { target: 'staging', external_ip: null, available: false, status: 'missing_or_pending' },
    });
    for (const [extra, target] of [
      ['&cluster_name=aks-staging', 'staging'],
      ['&target=local', 'local'],
    ]) {
      const acr = await send('GET', `${OLD_ACR}${extra}`);
      expect(acr).toMatchObject({ status: 200, body: { target, expected_image_tags: { 'elb-openapi': '3.4' } } });
    }
  });

  it('a cluster that is not configured fails with a clear unknown_target, and nothing starts', async () => {
    const before = await allDeployIds();
    const other = OLD_DEPLOY_BODY.replace('aks-elb', 'aks-prod');
    const refused = await send('POST', '/aks/openapi/deploy', other);
    expect(refused).toEqual({
      status: 404,
      body: {
        code: 'unknown_target',
        message: `no configured target is cluster aks-prod in resource group rg-elb (subscription ${SUB}); configured targets: local, staging`,
        configured_targets: ['local', 'staging'],
      },
    });
    const ip = await send('GET', OLD_SERVICE_IP.replace('aks-elb', 'aks-prod'));
    expect(ip).toMatchObject({
      status: 404,
      body: { code: 'unknown_target', configured_targets: ['local', 'staging'] },
    });
    // The right names in another subscription are another cluster.
    const elsewhere = OLD_DEPLOY_BODY.replace(SUB, '00000000-0000-4000-8000-000000000000');
    expect(await send('POST', '/aks/openapi/deploy', elsewhere)).toMatchObject({
      status: 404,
      body: { code: 'unknown_target' },
    });
    expect(await allDeployIds()).toEqual(before);
  });

  it('refuses conflicting, incomplete and mismatched names with a code, and starts nothing', async () => {
    const before = await allDeployIds();
    const body = JSON.parse(OLD_DEPLOY_BODY) as Record<string, unknown>;
    const post = (b: object) => send('POST', '/aks/openapi/deploy', JSON.stringify(b));
    const cases: [Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
      [post({ ...body, target: 'staging' }), 400, 'conflicting_target'],
      [send('POST', '/targets/staging/openapi/deployments', OLD_DEPLOY_BODY), 400, 'conflicting_target'],
      [post({ ...body, acr_name: 'otheracr01' }), 400, 'registry_mismatch'],
      [post({ ...body, acr_resource_group: 'rg-other' }), 400, 'registry_mismatch'],
      [post({ cluster_name: 'aks-elb', acr_name: 'elbacr01' }), 400, 'missing_parameters'],
      [post({ ...body, cluster_name: 'aks elb' }), 400, 'invalid_cluster_name'],
      [post({ ...body, rebuild: true }), 400, 'unknown_field'],
      [send('GET', `${OLD_SERVICE_IP}&target=staging`), 400, 'conflicting_target'],
      [send('GET', '/monitor/aks/service-ip?service_name=elb-openapi'), 400, 'target_required'],
      [send('GET', '/monitor/aks/service-ip?cluster_name=aks-elb&service_name=elb-openapi'), 400, 'missing_parameters'],
      [send('GET', OLD_SERVICE_IP.replace('elb-openapi', 'redis')), 400, 'unknown_service'],
      [send('GET', `${OLD_SERVICE_IP}&cluster_name=aks-staging`), 400, 'invalid_cluster_name'],
      [send('GET', OLD_ACR.replace('elbacr01', 'otheracr01')), 400, 'registry_mismatch'],
      [send('GET', OLD_ACR.replace('rg-acr', 'rg-elb')), 400, 'registry_mismatch'],
      [send('GET', `${OLD_ACR}&cluster_name=aks-prod`), 404, 'unknown_target'],
    ];
    for (const [answer, status, code] of cases) {
      const { status: got, body: b } = await answer;
      expect({ got, code: b['code'] }, JSON.stringify(b)).toEqual({ got: status, code });
      expect(typeof b['message']).toBe('string');
    }
    expect(await allDeployIds()).toEqual(before);
  });

  it('names the old fields it accepted but does not use', async () => {
    const full = {
      ...(JSON.parse(OLD_DEPLOY_BODY) as object),
      acr_resource_group: 'rg-acr',
      storage_account: 'elbstorage01',
      storage_resource_group: 'rg-storage',
      confirm_recreate: false,
    };
    const started = await send('POST', '/aks/openapi/deploy', JSON.stringify(full));
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body['ignored_fields']).toEqual(['storage_account', 'storage_resource_group', 'confirm_recreate']);
    expect(await finished(started.body['statusQueryGetUri'] as string)).toMatchObject({
      output: { status: 'succeeded' },
    });
  }, 80_000);

  it("describes the old fields in the running app's OpenAPI document", async () => {
    const { body } = await send<{ components: { schemas: { DeployRequest: { properties: object } } } }>(
      'GET',
      '/openapi.json',
    );
    expect(Object.keys(body.components.schemas.DeployRequest.properties)).toEqual(
      expect.arrayContaining(['cluster_name', 'resource_group', 'subscription_id', 'acr_name']),
    );
  });
});
