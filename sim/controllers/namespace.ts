// Per-namespace defaults a cluster creates: the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap.
import { findByPlural, RESOURCE } from '../k8s/resources';
import type { Controller, ControllerContext } from './context';

const SERVICE_ACCOUNTS = findByPlural('', 'v1', 'serviceaccounts')!;
const CONFIG_MAPS = findByPlural('', 'v1', 'configmaps')!;

export class NamespaceDefaults implements Controller {
  readonly name = 'namespace-defaults';
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(): void {
    for (const ns of this.ctx.api.store.list(RESOURCE.namespaces)) {
      if (ns.metadata.deletionTimestamp) continue;
      const name = ns.metadata.name;
      if (!this.ctx.api.tryGet(SERVICE_ACCOUNTS, name, 'default')) {
        this.ctx.api.create(
          SERVICE_ACCOUNTS,
          name,
          { metadata: { name: 'default', namespace: name } },
          { fieldManager: 'kube-controller-manager' },
        );
      }
      if (!this.ctx.api.tryGet(CONFIG_MAPS, name, 'kube-root-ca.crt')) {
        this.ctx.api.create(
          CONFIG_MAPS,
          name,
          {
            metadata: {
              name: 'kube-root-ca.crt',
              namespace: name,
              annotations: {
                'kubernetes.io/description':
                  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. The sim serves plain HTTP, so the bundle is empty.',
              },
            },
            data: { 'ca.crt': '' },
          },
          { fieldManager: 'kube-controller-manager' },
        );
      }
    }
  }
}
