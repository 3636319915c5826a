// Test helpers: an in-process sim on free ports with its own state dir and loopback range, the real kubectl
// against it, and polling with generous deadlines.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, DEFAULTS, type RunningSim, type SimOptions } from '../sim';

export interface TestSim extends RunningSim {
  stateDir: string;
  registryHostPort: string;
  kubectl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** A loopback /24 of its own per test file, so parallel test files never share stand-in addresses. */
export function randomLoopbackStart(): string {
  return `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.2`;
}

export async function startTestSim(overrides: Partial<SimOptions> = {}): Promise<TestSim> {
  const stateDir = overrides.stateDir ?? mkdtempSync(join(tmpdir(), 'elb-sim-test-'));
  const sim = await startSim({
    k8sPort: 0,
    registryPort: 0,
    stateDir,
    webhook: undefined,
    readyDelayMs: 300,
    lbDelayMs: 300,
    lbIpStart: randomLoopbackStart(),
    registryResourceId: DEFAULTS.registryResourceId,
    tickMs: 50,
    ...overrides,
  });
  return {
    ...sim,
    stateDir,
    registryHostPort: sim.registryUrl.replace('http://', ''),
    kubectl: (args, stdin) => kubectl(sim.kubeconfigPath, args, stdin),
    stop: async () => {
      await sim.close();
      if (!overrides.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export function kubectl(
  kubeconfig: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Parsed JSON of unknown shape; tests read fields freely and let assertions catch surprises. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only convenience for asserting on JSON
export type AnyJson = any;

export async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: AnyJson; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A manifest set in the shape a third party (a Helm chart, say) would write, for the given image. */
export function thirdPartyManifests(
  ns: string,
  image: string,
  opts: { replicas?: number; strategy?: string } = {},
): string {
  const strategy = opts.strategy ?? '{type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}';
  return `# Source: demo-chart/templates/all.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    app.kubernetes.io/part-of: demo
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: ${ns}
  labels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Secret
metadata:
  name: web-credentials
  namespace: ${ns}
type: Opaque
data:
  password: c2VjcmV0LXZhbHVl
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-settings
  namespace: ${ns}
data:
  settings.json: |
    {"workers": 2}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}
  annotations:
    example.com/owner: team-a
spec:
  replicas: ${opts.replicas ?? 3}
  revisionHistoryLimit: 5
  strategy: ${strategy}
  selector:
    matchLabels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}
  template:
    metadata:
      labels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}
      annotations:
        checksum/config: 0f1e2d3c
    spec:
      serviceAccountName: web
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
        - name: web
          image: ${image}
          imagePullPolicy: IfNotPresent
          args: ["--port", "8080"]
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: web-credentials, key: password}}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          volumeMounts:
            - {name: settings, mountPath: /etc/web}
      volumes:
        - name: settings
          configMap: {name: web-settings}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
  labels: {app.kubernetes.io/name: web}
spec:
  type: LoadBalancer
  selector: {app.kubernetes.io/name: web, app.kubernetes.io/instance: demo}
  ports:
    - name: http
      port: 8080
      targetPort: http
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: ${ns}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: web-reader
  namespace: ${ns}
rules:
  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: web-reader
  namespace: ${ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web-reader}
subjects:
  - {kind: ServiceAccount, name: web, namespace: ${ns}}
`;
}
