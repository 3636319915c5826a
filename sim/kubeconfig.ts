// The kubeconfig the sim writes for its clients: cluster/context/user `elb-sim`, plain HTTP, no credentials.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function kubeconfigText(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: elb-sim',
    '    cluster:',
    `      server: ${server}`,
    // @kubernetes/client-node refuses plain-HTTP servers unless TLS verification is marked as skipped; there is
    // no TLS here, so the flag changes nothing else (kubectl ignores it for http:// servers).
    '      insecure-skip-tls-verify: true',
    'contexts:',
    '  - name: elb-sim',
    '    context:',
    '      cluster: elb-sim',
    '      user: elb-sim',
    '      namespace: default',
    'current-context: elb-sim',
    'users:',
    '  - name: elb-sim',
    '    user: {}',
    'preferences: {}',
    '',
  ].join('\n');
}

export function writeKubeconfig(stateDir: string, server: string): string {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, 'kubeconfig');
  writeFileSync(path, kubeconfigText(server), { mode: 0o600 });
  return path;
}

/**
 * The cluster-user kubeconfig the sim's AKS cluster hands out (listClusterUserCredential): its HTTPS API server,
 * the sim CA and the cluster user's client certificate, as AKS gives for clusters with local accounts.
 */
export function aksKubeconfigText(
  cluster: string,
  server: string,
  caPem: string,
  user: { name: string; certPem: string; keyPem: string },
): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${cluster}`,
    '    cluster:',
    `      server: ${server}`,
    `      certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'contexts:',
    `  - name: ${cluster}`,
    '    context:',
    `      cluster: ${cluster}`,
    `      user: ${user.name}`,
    '      namespace: default',
    `current-context: ${cluster}`,
    'users:',
    `  - name: ${user.name}`,
    '    user:',
    `      client-certificate-data: ${Buffer.from(user.certPem).toString('base64')}`,
    `      client-key-data: ${Buffer.from(user.keyPem).toString('base64')}`,
    'preferences: {}',
    '',
  ].join('\n');
}
