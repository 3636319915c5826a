// A KubeReader for any configured target. AKS: the cluster's API server address and CA come from ARM
// (listClusterUserCredential, with the app's own identity — it needs the AKS Cluster User role), and requests
// carry an Entra token for the AKS server application.
import type { TokenCredential } from '@azure/identity';
import { DomainError } from '../core/errors';
import { AksTarget, clusterResourceId, Target } from '../core/targets';
import { azureCredential } from './credentials';
import { KubeReader, kubeConfigForAks, kubeConfigForFile } from './kube';

const AKS_CACHE_MS = 10 * 60_000;
const aksKubeconfigs = new Map<string, { yaml: string; at: number }>();

export function armEndpoint(): string {
  return (process.env.ELB_ARM_ENDPOINT || 'https://management.azure.com').replace(/\/+$/, '');
}

/** The cluster-user kubeconfig ARM hands out for an AKS cluster (server + CA; the user entry is not used). */
export async function aksClusterKubeconfig(
  t: AksTarget,
  credential: TokenCredential = azureCredential(),
  arm: string = armEndpoint(),
): Promise<string> {
  const key = `${arm}|${clusterResourceId(t).toLowerCase()}`;
  const hit = aksKubeconfigs.get(key);
  if (hit && Date.now() - hit.at < AKS_CACHE_MS) return hit.yaml;
  const token = await credential.getToken(`${arm}/.default`);
  if (!token) throw new DomainError('cluster_forbidden', 'no token for Azure Resource Manager', 502);
  let res: Response;
  try {
    res = await fetch(`${arm}${clusterResourceId(t)}/listClusterUserCredential?api-version=2024-05-01`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-length': '0' },
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new DomainError(
      'cluster_unavailable',
      `Azure Resource Manager is unreachable for cluster ${t.clusterName}`,
      502,
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new DomainError(
      'cluster_forbidden',
      `not allowed to read credentials of cluster ${t.clusterName} (HTTP ${res.status})`,
      502,
    );
  }
  if (res.status === 404)
    throw new DomainError('cluster_not_found', `AKS cluster ${t.clusterName} does not exist`, 502);
  if (!res.ok)
    throw new DomainError('cluster_unavailable', `ARM answered HTTP ${res.status} for cluster ${t.clusterName}`, 502);
  const body = (await res.json().catch(() => ({}))) as { kubeconfigs?: { value?: string }[] };
  const value = body.kubeconfigs?.[0]?.value;
  if (!value)
    throw new DomainError('cluster_unavailable', `ARM returned no kubeconfig for cluster ${t.clusterName}`, 502);
  const yaml = Buffer.from(value, 'base64').toString('utf8');
  aksKubeconfigs.set(key, { yaml, at: Date.now() });
  return yaml;
}

export async function kubeReaderFor(target: Target): Promise<KubeReader> {
  const kc =
    target.kind === 'kubeconfig'
      ? await kubeConfigForFile(target)
      : await kubeConfigForAks(target, await aksClusterKubeconfig(target));
  return KubeReader.fromKubeConfig(kc, target.namespace);
}
