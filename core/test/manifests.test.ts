import { describe, expect, it } from 'vitest';
import {
  deploymentImage,
  renderManifests,
  TOKEN_FINGERPRINT_ANNOTATION,
  tokenFingerprint,
  toApplyDocument,
  withoutSecrets,
  withToken,
  type K8sObject,
  type ManifestInput,
} from '../manifests';
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

describe('the token on the pod template and in the Secret (token rotation)', () => {
  const NEW = 'n'.repeat(43);
  const template = (objects: readonly K8sObject[]) =>
    (objects.find((o) => o.kind === 'Deployment')!.spec as { template: { metadata: { annotations: object } } }).template
      .metadata.annotations as Record<string, string>;
  const secretData = (objects: readonly K8sObject[]) =>
    objects.find((o) => o.kind === 'Secret') as K8sObject & { data: Record<string, string> };
  const decoded = (data: Record<string, string>) =>
    Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

  it('stamps a fingerprint of the token on the pod template, never the token', () => {
    const r = render();
    expect(template(r.objects)[TOKEN_FINGERPRINT_ANNOTATION]).toBe(tokenFingerprint(TOKEN));
    expect(tokenFingerprint(TOKEN)).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(withoutSecrets(r.objects))).not.toContain(TOKEN);
    // Same token, same template: a deploy that keeps the token does not restart pods for it.
    expect(template(render().objects)).toEqual(template(r.objects));
    expect(template(render({ apiToken: NEW }).objects)[TOKEN_FINGERPRINT_ANNOTATION]).not.toBe(tokenFingerprint(TOKEN));
  });

  it('withToken: the deployed objects with the new fingerprint and a Secret holding both tokens and the rotation', () => {
    const deployed = withoutSecrets(render().objects);
    const rotated = withToken(deployed, local, { token: NEW, previous: TOKEN, rotation: 'local-r1' });
    expect(rotated.map((o) => o.kind)).toEqual([
      'Namespace',
      'Secret',
      'ServiceAccount',
      'RoleBinding',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
    ]);
    expect(template(rotated)[TOKEN_FINGERPRINT_ANNOTATION]).toBe(tokenFingerprint(NEW));
    const secret = secretData(rotated);
    expect(decoded(secret.data)).toEqual({ 'api-token': NEW, 'previous-api-token': TOKEN });
    expect(secret.metadata.annotations).toEqual({ 'elb-control/token-rotation': 'local-r1' });
    // Nothing else changes, and the input is left as it was.
    expect(withoutSecrets(rotated).filter((o) => o.kind !== 'Deployment')).toEqual(
      deployed.filter((o) => o.kind !== 'Deployment'),
    );
    expect(template(deployed)[TOKEN_FINGERPRINT_ANNOTATION]).toBe(tokenFingerprint(TOKEN));
  });

  it('withToken with the token alone: the Secret as a deploy renders it (server-side apply drops the rest)', () => {
    const r = render();
    const settled = withToken(withoutSecrets(r.objects), local, { token: TOKEN });
    expect(secretData(settled)).toEqual(secretData(r.objects));
    expect(settled).toEqual(r.objects.slice().sort((a, b) => order(a) - order(b)));
  });
  const order = (o: K8sObject) => ['Namespace', 'Secret'].indexOf(o.kind) + 1 || 3;

  it('withToken refuses a short token or a manifest without a Deployment', () => {
    const deployed = withoutSecrets(render().objects);
    expect(() => withToken(deployed, local, { token: 'short' })).toThrow(/at least 32/);
    expect(() =>
      withToken(
        deployed.filter((o) => o.kind !== 'Deployment'),
        local,
        { token: NEW },
      ),
    ).toThrow(/no Deployment/);
  });
});
