// AKS cluster access for reads. Azure Resource Manager cannot exist here, so this runs against a MOCK of ARM's
// listClusterUserCredential endpoint (a local HTTP server) with a fixed-token credential: it pins the request the
// adapter makes and how it maps ARM's answers; the Kubernetes side is then checked on the built KubeConfig.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTarget, type AksTarget } from '../../core/targets';
import { aksClusterKubeconfig } from '../cluster-reader';
import { kubeConfigForAks } from '../kube';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: elb-aks
  cluster:
    server: https://elb-aks-dns.hcp.westeurope.azmk8s.io:443
    certificate-authority-data: ${CA}
contexts:
- name: elb-aks
  context: {cluster: elb-aks, user: clusterUser}
current-context: elb-aks
users:
- name: clusterUser
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin, args: [get-token]}
`;

const scopes: string[] = [];
const credential: TokenCredential = {
  async getToken(scope: string | string[]): Promise<AccessToken> {
    scopes.push(String(scope));
    return { token: `token-for-${String(scope)}`, expiresOnTimestamp: Date.now() + 3600_000 };
  },
};

let server: Server;
let arm = '';
const seen: { method?: string; url?: string; auth?: string }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

function aks(clusterName: string): AksTarget {
  return parseTarget(
    {
      name: 'prod',
      kind: 'aks',
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-elb',
      clusterName,
      namespace: 'elb-openapi',
    },
    0,
  ) as AksTarget;
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  arm = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('AKS cluster credentials from (mock) ARM', () => {
  it('posts listClusterUserCredential with an ARM token and decodes the kubeconfig', async () => {
    answer = {
      status: 200,
      body: { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(KUBECONFIG).toString('base64') }] },
    };
    const yaml = await aksClusterKubeconfig(aks('elb-aks'), credential, arm);
    expect(yaml).toBe(KUBECONFIG);
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-elb/providers/Microsoft.ContainerService/managedClusters/elb-aks/listClusterUserCredential?api-version=2024-05-01',
      auth: `Bearer token-for-${arm}/.default`,
    });
  });

  it('serves a repeat from its cache', async () => {
    const before = seen.length;
    await aksClusterKubeconfig(aks('elb-aks'), credential, arm);
    expect(seen.length).toBe(before);
  });

  it.each([
    [403, 'cluster_forbidden'],
    [404, 'cluster_not_found'],
    [500, 'cluster_unavailable'],
  ])('maps ARM %i to %s without leaking the body', async (status, code) => {
    answer = { status, body: { error: { message: 'secret-ish detail' } } };
    const err = await aksClusterKubeconfig(aks(`c${status}`), credential, arm).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(String((err as Error).message)).not.toContain('secret-ish');
  });

  it('talks to the API server with an Entra token for the AKS server app, keeping server and CA only', async () => {
    const kc = await kubeConfigForAks(aks('elb-aks'), KUBECONFIG, credential);
    expect(kc.getCurrentCluster()).toMatchObject({
      server: 'https://elb-aks-dns.hcp.westeurope.azmk8s.io:443',
      caData: CA,
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()).toMatchObject({ token: 'token-for-6dae42f8-4368-4678-94ff-3960e28e3630/.default' });
    expect(kc.getCurrentUser()?.exec).toBeUndefined();
    expect(scopes).toContain('6dae42f8-4368-4678-94ff-3960e28e3630/.default');
  });
});
