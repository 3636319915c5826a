// Microsoft.ContainerService/managedClusters on the sim's ARM endpoint through the REAL @azure/arm-containerservice
// client and the REAL DefaultAzureCredential (child process with NODE_EXTRA_CA_CERTS, as the app runs): get,
// listClusterUserCredential → a kubeconfig the real kubectl uses, stop (the API server refuses connections, power
// state Stopped), start (same port, same objects), the control API and CLI verbs, and the power state surviving a
// restart of the sim.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsCli } from '../../test/support/ts-cli';
import { eventually, getJson, kubectl, startTestSim, type TestSim } from './support';
import { armRequest, identityToken, startSdkDriver, type SdkDriver } from './arm-support';

const POWER_MS = 700;
let sim: TestSim;
let sdk: SdkDriver;
let aksKubeconfig: string;

beforeAll(async () => {
  sim = await startTestSim({ powerDelayMs: POWER_MS });
  sdk = await startSdkDriver(sim);
});

afterAll(async () => {
  sdk?.stop();
  await sim?.stop();
});

describe('managedClusters through @azure/arm-containerservice', () => {
  it('get: a running cluster with its facts', async () => {
    const mc = await sdk.ok('mc.get');
    expect(mc.id).toBe(sim.arm.clusterResourceId);
    expect(mc.name).toBe('aks-elb-sim');
    expect(mc.location).toBe('eastus');
    expect(mc.provisioningState).toBe('Succeeded');
    expect(mc.powerState).toEqual({ code: 'Running' });
    expect(mc.kubernetesVersion).toMatch(/^1\.\d+\.\d+$/);
    expect(mc.fqdn).toBeTruthy();
  });

  it('listClusterUserCredential: a kubeconfig for the HTTPS API server that the real kubectl uses', async () => {
    const creds = await sdk.ok('mc.credentials');
    expect(creds.kubeconfigs).toHaveLength(1);
    const yaml: string = creds.kubeconfigs[0];
    expect(yaml).toContain(`server: ${sim.arm.aksApiUrl}`);
    expect(yaml).toMatch(/certificate-authority-data: [A-Za-z0-9+/=]{100,}/);
    // The cluster user's client certificate, as AKS hands out for clusters with local accounts; never a token.
    expect(yaml).toMatch(/client-certificate-data: \S+/);
    expect(yaml).not.toMatch(/token|password/);
    aksKubeconfig = join(sim.stateDir, 'from-arm.kubeconfig');
    writeFileSync(aksKubeconfig, yaml, { mode: 0o600 });
    // kubectl verifies the server certificate against the CA in the kubeconfig (no insecure flag).
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survivor' }, data: { k: 'v' } };
    const apply = await kubectl(aksKubeconfig, ['apply', '-f', '-'], JSON.stringify(configMap));
    expect(apply.stderr).toBe('');
    const nodes = await kubectl(aksKubeconfig, ['get', 'nodes', '-o', 'name']);
    expect(nodes.stdout.trim()).toBe('node/elb-sim-node');
  });

  it('stop: Stopping while in flight, then Stopped and the API server refuses connections', async () => {
    const started = Date.now();
    const stopping = sdk.ok('mc.stop');
    const mid = await eventually(async () => {
      const mc = await sdk.ok('mc.get');
      return mc.provisioningState === 'Stopping' ? mc : undefined;
    }, 'Stopping');
    expect(mid.powerState.code).toBe('Running');
    expect(await stopping).toEqual({ stopped: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(POWER_MS - 50);
    const mc = await sdk.ok('mc.get');
    expect(mc.powerState).toEqual({ code: 'Stopped' });
    expect(mc.provisioningState).toBe('Succeeded');
    const refused = await kubectl(aksKubeconfig, ['get', 'configmap', 'survivor', '--request-timeout=5s']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/refused/);
    expect((await kubectl(sim.arm.aksKubeconfigPath, ['get', 'ns', '--request-timeout=5s'])).stderr).toMatch(/refused/);
    // ARM still answers while the cluster is stopped (it is the management plane, not the cluster).
    expect((await sdk.ok('mc.credentials')).kubeconfigs).toHaveLength(1);
    // Stopping a stopped cluster is a no-op that succeeds.
    expect(await sdk.ok('mc.stop')).toEqual({ stopped: true });
  });

  it('start: the API server is back on the same port with the objects intact', async () => {
    const port = new URL(sim.arm.aksApiUrl).port;
    expect(await sdk.ok('mc.start')).toEqual({ started: true });
    expect((await sdk.ok('mc.get')).powerState).toEqual({ code: 'Running' });
    expect(new URL(sim.arm.aksApiUrl).port).toBe(port);
    const cm = await kubectl(aksKubeconfig, ['get', 'configmap', 'survivor', '-o', 'jsonpath={.data.k}']);
    expect(cm.stdout).toBe('v');
  });

  it('a second power change while one is in flight is 409 OperationNotAllowed', async () => {
    const stopping = sdk.ok('mc.stop');
    await eventually(async () => (await sdk.ok('mc.get')).provisioningState === 'Stopping', 'Stopping');
    const second = await sdk.call('mc.start');
    expect(second.ok).toBe(false);
    expect(second.error).toMatchObject({ status: 409, code: 'OperationNotAllowed' });
    await stopping;
    await sdk.ok('mc.start');
  });

  it('the API server lets in the client certificate or an AKS-audience token, and nothing else', async () => {
    const ca = readFileSync(sim.arm.caPath, 'utf8');
    const get = (headers: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(
          `${sim.arm.aksApiUrl}/api/v1/namespaces/default/configmaps/survivor`,
          { ca, headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await get()).toBe(401);
    expect(await get({ authorization: `Bearer ${await identityToken(sim, 'https://management.azure.com')}` })).toBe(
      401,
    );
    expect(await get({ authorization: 'Bearer forged' })).toBe(401);
    // The app's path: DefaultAzureCredential's token for the AKS server application (what adapters/kube.ts asks for).
    const aks = await sdk.ok('token', { scope: '6dae42f8-4368-4678-94ff-3960e28e3630/.default' });
    expect(await get({ authorization: `Bearer ${aks.token}` })).toBe(200);
  });

  it("the app's own AKS reader (adapters/cluster-reader.ts) reads the cluster through ARM and an AKS token", async () => {
    expect(await sdk.ok('app.pods')).toEqual({ pods: 0 });
  });

  it('unknown clusters are 404 and calls without a token 401, in ARM shape', async () => {
    const token = await identityToken(sim, 'https://management.azure.com');
    const other = sim.arm.clusterResourceId.replace('aks-elb-sim', 'aks-other');
    const nf = await armRequest(sim, 'GET', `${other}?api-version=2024-05-01`, { token });
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('ResourceNotFound');
    const anon = await armRequest(sim, 'POST', `${sim.arm.clusterResourceId}/stop?api-version=2024-05-01`);
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('AuthenticationFailed');
    expect((await sdk.ok('mc.get')).powerState.code).toBe('Running');
  });
});

describe('stop and start for people: the control API and the CLI', () => {
  const cli = (args: string[]) => runTsCli(join(__dirname, '..', 'cli.ts'), [...args, '--k8s-url', sim.k8sUrl]);

  it('elb-sim cluster stop|status|start through the control API on the plain port', async () => {
    const stop = await cli(['cluster', 'stop']);
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout)).toEqual({ power_state: 'Stopped', provisioning_state: 'Succeeded' });
    expect((await sdk.ok('mc.get')).powerState.code).toBe('Stopped');
    const state = await getJson(`${sim.k8sUrl}/_sim/state`);
    expect(state.body.cluster).toMatchObject({ power_state: 'Stopped', api_server: sim.arm.aksApiUrl });
    const status = await cli(['cluster', 'status']);
    expect(JSON.parse(status.stdout).power_state).toBe('Stopped');
    const start = await cli(['cluster', 'start']);
    expect(JSON.parse(start.stdout)).toEqual({ power_state: 'Running', provisioning_state: 'Succeeded' });
    expect(
      (await kubectl(sim.arm.aksKubeconfigPath, ['get', 'configmap', 'survivor', '-o', 'name'])).stdout.trim(),
    ).toBe('configmap/survivor');
    const wrong = await getJson(`${sim.k8sUrl}/_sim/cluster/stop`);
    expect(wrong.status).toBe(405);
  });

  it('the control API is not on the cluster API server door', async () => {
    const r = await kubectl(sim.arm.aksKubeconfigPath, ['get', '--raw', '/_sim/state']);
    expect(r.code).not.toBe(0);
  });
});

describe('persistence', () => {
  it('a stopped cluster stays stopped across a sim restart, with the same API port; start brings it back', async () => {
    const first = await startTestSim({ powerDelayMs: 0 });
    const stateDir = first.stateDir;
    const port = new URL(first.arm.aksApiUrl).port;
    await getJson(`${first.k8sUrl}/_sim/cluster/stop`, { method: 'POST' });
    await first.close();
    const second = await startTestSim({ stateDir, powerDelayMs: 0, aksPort: Number(port) });
    try {
      expect(second.plane.cluster.power).toBe('Stopped');
      expect((await kubectl(second.arm.aksKubeconfigPath, ['get', 'ns', '--request-timeout=5s'])).stderr).toMatch(
        /refused/,
      );
      // The CA is reused, so a process that trusts it keeps trusting the restarted sim.
      expect(second.arm.caPath).toBe(first.arm.caPath);
      await getJson(`${second.k8sUrl}/_sim/cluster/start`, { method: 'POST' });
      expect((await kubectl(second.arm.aksKubeconfigPath, ['get', 'ns', 'default', '-o', 'name'])).stdout.trim()).toBe(
        'namespace/default',
      );
    } finally {
      await second.stop();
    }
  });
});
