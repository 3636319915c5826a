import { describe, expect, it } from 'vitest';
import { deploymentImage, renderManifests, toApplyDocument, withoutSecrets, type ManifestInput } from '../manifests';
import { parseTarget } from '../targets';

const DIGEST = 'sha256:' + '1'.repeat(64);
const IMAGE = `127.0.0.1:5001/elb-openapi@${DIGEST}`;
const TOKEN = 't'.repeat(43);
const local = parseTarget(
  {
    name: 'local',
    kind: 'kubeconfig',
    kubeconfig: '.local/sim/kubeconfig',
    context: 'elb-sim',
    namespace: 'elb-openapi',
    servicePort: 8080,
  },
  0,
);
const aks = parseTarget(
  {
    name: 'prod',
    kind: 'aks',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    resourceGroup: 'rg-elb',
    clusterName: 'elb-aks',
    namespace: 'elb-openapi',
    rbac: { clusterRole: 'elb-openapi-runner', scope: 'cluster' },
  },
  0,
);

/** The local target with a pinned image and a valid token; each test overrides only what it is about. */
function render(overrides: Partial<ManifestInput> = {}) {
  return renderManifests({
    target: local,
    image: IMAGE,
    tag: '3.4',
    workloadIdentityClientId: null,
    apiToken: TOKEN,
    ...overrides,
  });
}

describe('renderManifests', () => {
  it('renders the kubeconfig target (snapshot)', () => {
    const r = render();
    expect(r.objects).toMatchSnapshot();
    expect(r.templateHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('renders the AKS target with workload identity and an internal LoadBalancer (snapshot)', () => {
    const r = render({ target: aks, workloadIdentityClientId: '11111111-2222-3333-4444-555555555555' });
    expect(r.objects).toMatchSnapshot();
    const sa = r.objects.find((o) => o.kind === 'ServiceAccount')!;
    expect(sa.metadata.annotations).toEqual({
      'azure.workload.identity/client-id': '11111111-2222-3333-4444-555555555555',
    });
    const svc = r.objects.find((o) => o.kind === 'Service')!;
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' });
    expect(r.objects.find((o) => o.kind === 'ClusterRoleBinding')?.metadata.name).toBe('elb-openapi-elb-openapi');
  });

  it('is deterministic and changes the template hash exactly when the pod changes', () => {
    const a = render();
    const b = render();
    expect(toApplyDocument(a.objects)).toBe(toApplyDocument(b.objects));
    const other = render({ image: IMAGE.replace(/1{64}$/, '2'.repeat(64)) });
    expect(other.templateHash).not.toBe(a.templateHash);
  });

  it('keeps the token out of the pod spec and out of what is stored for rollback', () => {
    const r = render();
    const dep = JSON.stringify(r.objects.find((o) => o.kind === 'Deployment'));
    expect(dep).not.toContain(TOKEN);
    expect(dep).toContain('secretKeyRef');
    const kept = JSON.stringify(withoutSecrets(r.objects));
    expect(kept).not.toContain(Buffer.from(TOKEN).toString('base64'));
    expect(deploymentImage(withoutSecrets(r.objects))).toBe(IMAGE);
  });

  it('pins the image by digest and runs as non-root', () => {
    const r = render();
    const dep = r.objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: {
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean };
            containers: { image: string; imagePullPolicy: string }[];
          };
        };
      };
    };
    expect(dep.spec.template.spec.containers[0]!.image).toBe(IMAGE);
    expect(dep.spec.template.spec.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    expect(dep.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('refuses a tag reference, a short token, and an AKS target without identity', () => {
    expect(() => render({ image: '127.0.0.1:5001/elb-openapi:3.4' })).toThrow(/digest-pinned/);
    expect(() => render({ apiToken: 'short' })).toThrow(/32/);
    expect(() => render({ target: aks })).toThrow(/client id/);
  });

  it('writes documents kubectl reads as a stream (leading ---, one JSON object each)', () => {
    const r = render();
    const doc = toApplyDocument(r.objects);
    expect(doc.startsWith('---\n{')).toBe(true);
    const parts = doc
      .split('---\n')
      .filter(Boolean)
      .map((p) => JSON.parse(p) as { kind: string });
    expect(parts.map((p) => p.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Secret',
      'RoleBinding',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
    ]);
  });
});
