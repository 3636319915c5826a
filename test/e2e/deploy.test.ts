// The walking skeleton, end to end: the real local stack (local-run.sh all) deploys elb-openapi to the sim through
// the HTTP API, the Durable orchestration, the exec server's kubectl and the registry, as a user would.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { PHASES } from '../../core/timeline';
import { jsonApi } from '../support/json-api';
import { aliveGroups, eventually, startStack, type Stack } from '../support/stack';

const phaseNames: readonly string[] = PHASES;

type DeployStatus = z.output<typeof contract.DeployStatus>;

let stack: Stack;
let groups: number[] = [];

const api = jsonApi(() => stack.apiUrl);

async function deploy(): Promise<string> {
  const res = await api.post('/aks/openapi/deploy', contract.DeployAccepted);
  expect(res.status).toBe(202);
  expect(res.body.status).toBe('queued');
  expect(res.body.statusQueryGetUri).toBe(`/api/aks/openapi/deploy/${res.body.id}/status`);
  return res.body.id;
}

/** Polls the status route until the deploy is terminal, remembering every phase it reported on the way. */
async function waitForDeploy(id: string, seen: Set<string>): Promise<DeployStatus> {
  return eventually(
    async () => {
      const { body } = await api.request(`/aks/openapi/deploy/${id}/status`, contract.DeployStatus);
      if (body.custom_status?.phase) seen.add(body.custom_status.phase);
      return ['Completed', 'Failed', 'Terminated'].includes(body.runtime_status) ? body : undefined;
    },
    `deploy ${id} to finish`,
    60_000,
    100,
  );
}

function kubectl(...args: string[]): string {
  const kubeconfig = join(stack.localDir, 'sim', 'kubeconfig');
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, '-n', 'elb-openapi', ...args], { encoding: 'utf8' });
}

beforeAll(async () => {
  stack = await startStack();
  groups = stack.processGroups();
});

afterAll(async () => {
  await stack?.stop();
});

describe('local stack: first install and a repeat deploy', () => {
  it('the exec server answers the seed health contract', async () => {
    const { status, body } = await jsonApi(() => stack.execUrl).raw('/healthz');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', max_concurrency: 4 });
  });

  it('reports no service address before the first deploy', async () => {
    const { body } = await api.request('/monitor/aks/service-ip?service_name=elb-openapi', contract.ServiceIp);
    expect(body.available).toBe(false);
    expect(body.external_ip).toBeNull();
  });

  it('lists the pinned tag and what the registry has', async () => {
    const { status, body } = await api.request('/monitor/acr', contract.AcrView);
    expect(status).toBe(200);
    expect(body.expected_image_tags['elb-openapi']).toBe('3.4');
    expect(body.actual_tags['elb-openapi']).toEqual(expect.arrayContaining(['3.3', '3.4']));
  });

  let firstIp = '';
  let firstGeneration = 0;

  it('installs elb-openapi by digest through every phase, in under 30 seconds', async () => {
    const seen = new Set<string>();
    const final = await waitForDeploy(await deploy(), seen);

    expect(final.runtime_status, JSON.stringify(final)).toBe('Completed');
    const output = final.output!;
    expect(output.status).toBe('succeeded');
    expect(output.openapi_deploy.status).toBe('deployed');
    expect(output.openapi_deploy.image).toMatch(/^127\.0\.0\.1:\d+\/elb-openapi@sha256:[0-9a-f]{64}$/);
    expect(output.openapi_deploy.external_ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(output.openapi_deploy.apply_output).toMatch(/deployment\.apps\/elb-openapi/);
    expect(output.elapsed_seconds).toBeLessThan(30);

    const timeline = final.custom_status?.timeline ?? [];
    expect(timeline.map((p) => p.name)).toEqual(expect.arrayContaining([...PHASES]));
    for (const phase of timeline.filter((p) => phaseNames.includes(p.name))) {
      expect([phase.name, phase.status]).toEqual([
        phase.name,
        phase.name === 'setup_workload_identity' ? 'skipped' : 'done',
      ]);
    }
    expect(seen.size).toBeGreaterThan(0);

    // The cluster really runs that digest, and the service answers at the reported address.
    const deployment = JSON.parse(kubectl('get', 'deployment', 'elb-openapi', '-o', 'json'));
    expect(deployment.spec.template.spec.containers[0].image).toBe(output.openapi_deploy.image);
    expect(deployment.status.readyReplicas).toBeGreaterThanOrEqual(1);
    firstGeneration = deployment.metadata.generation;
    firstIp = output.openapi_deploy.external_ip!;

    const ip = await api.request('/monitor/aks/service-ip?service_name=elb-openapi', contract.ServiceIp);
    expect(ip.body).toMatchObject({ external_ip: firstIp, available: true });
  });

  it('a second deploy of the same tag succeeds quickly and changes nothing', async () => {
    const final = await waitForDeploy(await deploy(), new Set());
    expect(final.runtime_status).toBe('Completed');
    expect(final.output!.status).toBe('succeeded');
    expect(final.output!.openapi_deploy.external_ip).toBe(firstIp);
    expect(final.output!.elapsed_seconds).toBeLessThan(15);
    const deployment = JSON.parse(kubectl('get', 'deployment', 'elb-openapi', '-o', 'json'));
    expect(deployment.metadata.generation).toBe(firstGeneration);
  });

  it('Ctrl-C stops every process the stack started', async () => {
    expect(groups.length).toBe(5);
    expect(await stack.stop()).toBe(130);
    expect(aliveGroups(groups)).toEqual([]);
  });
});
