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
