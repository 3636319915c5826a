// Assembles the sim: the Kubernetes API server and its controllers, the registry, faults, stand-in services and
// persistence, listening on loopback.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObjectStore } from './k8s/store';
import { ClusterApi } from './k8s/api';
import { createK8sHandler } from './k8s/http';
import { RESOURCE } from './k8s/resources';
import type { Allocator } from './k8s/defaults';
import { FaultRegistry } from './faults';
import { RegistryStore } from './registry/store';
import { createRegistryHandler } from './registry/http';
import { ImageResolver } from './registry/resolve';
import { EventRecorder } from './controllers/events';
import { DeploymentController } from './controllers/deployment';
import { ReplicaSetController } from './controllers/replicaset';
import { KubeletController } from './controllers/kubelet';
import { LoadBalancerIps, ServiceController } from './controllers/service';
import { GarbageCollector } from './controllers/gc';
import { NamespaceDefaults } from './controllers/namespace';
import { ControllerRunner } from './controllers/runner';
import type { ControllerContext } from './controllers/context';
import { ContainerEnv } from './controllers/container-env';
import { StandInServers } from './standin/servers';
import { handleControl } from './control';
import { DebouncedSaver, loadState, objectsOf, saveState, type SimState } from './persistence';
import { writeKubeconfig } from './kubeconfig';
import { apiVersionOf } from './k8s/resources';
import { createGuardedServer } from '../devhost/http-guard';
import { startManagementPlane, type ManagementPlane } from './arm/plane';
import { pushImage } from './registry/http';
import { WebhookSink } from './hooks/sink';

export interface SimOptions {
  k8sPort: number;
  registryPort: number;
  stateDir: string;
  webhook?: string | undefined;
  /** File holding the key the webhook needs (the devhost's system key), read at each delivery; absent → no key. */
  webhookKeyFile?: string | undefined;
  readyDelayMs: number;
  lbDelayMs: number;
  /** Extra host name that means this registry in image references and ACR answers, e.g. elbacr01.azurecr.io. */
  registryHost?: string | undefined;
  lbIpStart: string;
  /** Event Grid `topic`: the registry's ARM resource id. */
  registryResourceId: string;
  /** Port of the ARM endpoint (HTTPS; 0 or absent picks a free one). */
  armPort?: number | undefined;
  /** Port of the AKS cluster's API server (HTTPS; closed while the cluster is stopped; 0 or absent: a free one). */
  aksPort?: number | undefined;
  /** ARM resource id of the sim cluster seen as an AKS managed cluster. */
  clusterResourceId?: string | undefined;
  /** How long a simulated ACR Tasks build takes. */
  buildDelayMs?: number | undefined;
  /** How long an AKS start or stop takes. */
  powerDelayMs?: number | undefined;
  /** Lifetime of managed-identity tokens. */
  tokenTtlMs?: number | undefined;
  /** Port of the webhook sink (docs/sim.md "Webhook sink"; 0 or absent picks a free one). */
  hooksPort?: number | undefined;
  /** Start from the preloaded state, ignoring what STATE_DIR holds. */
  fresh?: boolean;
  tickMs?: number;
  log?: (line: string) => void;
}

export const DEFAULTS = {
  k8sPort: 8001,
  registryPort: 5001,
  stateDir: '.local/sim',
  webhook: 'http://127.0.0.1:7071/runtime/webhooks/EventGrid?functionName=acrImagePushed',
  readyDelayMs: 1500,
  lbDelayMs: 1000,
  lbIpStart: '127.0.0.2',
  registryResourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerRegistry/registries/elbsim',
  armPort: 0,
  aksPort: 0,
  hooksPort: 0,
  clusterResourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerService/managedClusters/aks-elb-sim',
  buildDelayMs: 5000,
  powerDelayMs: 2000,
  tokenTtlMs: 3_600_000,
};

const HOST = '127.0.0.1';
/** Largest request bodies: the Kubernetes API server's own limit is 3 MiB; the registry takes only small pushes. */
const K8S_MAX_BODY_BYTES = 3 * 1024 * 1024;
const REGISTRY_MAX_BODY_BYTES = 64 * 1024;
/** A notification is a few KiB; the sink refuses what no Teams or Slack webhook would take either. */
const HOOKS_MAX_BODY_BYTES = 256 * 1024;
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface RunningSim {
  k8sUrl: string;
  registryUrl: string;
  /** The webhook sink: POST /hooks/<name>, GET|DELETE /_sim/notifications. */
  hooksUrl: string;
  hooks: WebhookSink;
  kubeconfigPath: string;
  /** The management plane: ARM URL, token endpoint, CA, the AKS cluster's API server (docs/sim.md). */
  arm: {
    url: string;
    /** For the app's NODE_EXTRA_CA_CERTS. */
    caPath: string;
    /** For the app's IDENTITY_ENDPOINT. */
    identityEndpoint: string;
    /** For the app's IDENTITY_HEADER: a secret, also in `identityHeaderPath` (mode 0600). */
    identityHeader: string;
    identityHeaderPath: string;
    registryResourceId: string;
    clusterResourceId: string;
    aksApiUrl: string;
    aksKubeconfigPath: string;
  };
  plane: ManagementPlane;
  api: ClusterApi;
  registry: RegistryStore;
  faults: FaultRegistry;
  standIns: StandInServers;
  /** Runs every controller once now (tests use it to avoid waiting for the tick). */
  reconcile(): void;
  close(): Promise<void>;
}

class ClusterAllocator implements Allocator {
  constructor(private readonly store: ObjectStore) {}

  clusterIP(): string {
    const used = new Set(
      this.store
        .list(RESOURCE.services)
        .map((s) => String((s.spec as Record<string, unknown> | undefined)?.clusterIP ?? '')),
    );
    for (let i = 10; i < 65_000; i++) {
      const ip = `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
      if (!used.has(ip)) return ip;
    }
    throw new Error('service cluster IP range exhausted');
  }

  nodePort(): number {
    const used = new Set<number>();
    for (const s of this.store.list(RESOURCE.services)) {
      const ports = (s.spec as Record<string, unknown> | undefined)?.ports;
      if (Array.isArray(ports)) for (const p of ports) used.add(Number((p as Record<string, unknown>).nodePort));
    }
    for (let p = 30000; p <= 32767; p++) if (!used.has(p)) return p;
    throw new Error('node port range exhausted');
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startSim(opts: SimOptions): Promise<RunningSim> {
  const log = opts.log ?? (() => undefined);
  const saved = opts.fresh ? undefined : loadState(opts.stateDir);
  const store = new ObjectStore();
  const registry = new RegistryStore();
  const faults = new FaultRegistry();
  const ips = new LoadBalancerIps(opts.lbIpStart);
  if (saved) {
    store.restore(objectsOf(saved), saved.resourceVersion);
    registry.restore(saved.registry);
    ips.restore(saved.loadBalancerIps);
    faults.restore(saved.faults);
  } else registry.preload();

  const api = new ClusterApi(store, new ClusterAllocator(store));
  const clusterResourceId = opts.clusterResourceId ?? DEFAULTS.clusterResourceId;
  let registryPort = opts.registryPort;
  const registryHosts = (): string[] => {
    const hosts = [`127.0.0.1:${registryPort}`, `localhost:${registryPort}`];
    if (opts.registryHost) hosts.push(opts.registryHost.toLowerCase());
    return hosts;
  };
  const loginServer = (): string => opts.registryHost ?? `127.0.0.1:${registryPort}`;
  const images = new ImageResolver(registry, registryHosts);
  const ctx: ControllerContext = {
    api,
    events: new EventRecorder(api, 'elb-sim-node'),
    faults,
    images,
    env: new ContainerEnv(api),
    settings: {
      readyDelayMs: opts.readyDelayMs,
      lbDelayMs: opts.lbDelayMs,
      nodeName: 'elb-sim-node',
      lbIpStart: opts.lbIpStart,
    },
  };
  bootstrap(api);

  const standIns = new StandInServers(ctx);
  const runner = new ControllerRunner(
    [
      new NamespaceDefaults(ctx),
      new DeploymentController(ctx),
      new ReplicaSetController(ctx),
      new KubeletController(ctx),
      new ServiceController(ctx, ips),
      new GarbageCollector(ctx),
      standIns,
    ],
    opts.tickMs ?? 100,
    (name, err) => log(`controller ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  );

  // Started once the plain ports listen (below); state saved before then keeps what was loaded.
  let plane: ManagementPlane | undefined;
  const snapshot = (): SimState => ({
    version: 1,
    resourceVersion: store.resourceVersion,
    objects: store.all().map(({ resource, object }) => ({
      group: resource.group,
      version: resource.version,
      plural: resource.plural,
      object,
    })),
    registry: registry.snapshot(),
    loadBalancerIps: ips.snapshot(),
    faults: faults.list(),
    ...(plane ? { arm: plane.snapshot() } : saved?.arm ? { arm: saved.arm } : {}),
  });
  const saver = new DebouncedSaver(() => {
    try {
      saveState(opts.stateDir, snapshot());
    } catch (err) {
      log(`could not save state: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, 250);
  store.subscribe(() => {
    saver.changed();
    runner.trigger();
  });
  registry.onChange(() => {
    saver.changed();
    runner.trigger();
  });
  faults.onChange(() => {
    saver.changed();
    runner.trigger();
  });
  const expiry = setInterval(() => ctx.events.expire(Date.now()), 60_000);
  expiry.unref();

  let k8sPort = opts.k8sPort;
  const k8sHandler = createK8sHandler({
    api,
    faults,
    serverAddress: () => `${HOST}:${k8sPort}`,
    log: opts.log ? (l) => log(`k8s ${l}`) : undefined,
  });
  // Both ports go through the guard (devhost/http-guard.ts): no request-target, header or body can end the sim.
  const k8sServer = createGuardedServer(
    async (req, res, url) => {
      if (url.pathname.startsWith('/_sim/')) {
        const control = {
          faults,
          cluster: plane?.cluster,
          summary: () => ({
            resourceVersion: store.resourceVersion,
            registry_hosts: registryHosts(),
            stand_ins: standIns.serving(),
            faults: faults.list(),
            ...(plane
              ? {
                  cluster: {
                    power_state: plane.cluster.power,
                    provisioning_state: plane.cluster.provisioning,
                    api_server: plane.aksApiUrl,
                  },
                }
              : {}),
          }),
        };
        await handleControl(control, req, res, url);
        return;
      }
      await k8sHandler(req, res, url);
    },
    { maxBodyBytes: K8S_MAX_BODY_BYTES, log: (line) => log(`kubernetes port: ${line}`) },
  );
  const registryDeps = {
    store: registry,
    loginServer,
    webhook: opts.webhook,
    webhookKeyFile: opts.webhookKeyFile,
    topic: opts.registryResourceId,
    delivery: { attempts: 3, backoffMs: 500, timeoutMs: 10_000, subscriptionName: 'elb-sim-acr-push' },
    log: opts.log ? (l: string) => log(`registry ${l}`) : undefined,
  };
  const registryServer = createGuardedServer(createRegistryHandler(registryDeps), {
    maxBodyBytes: REGISTRY_MAX_BODY_BYTES,
    log: (line) => log(`registry port: ${line}`),
  });
  // In memory only: what was sent is for watching now, not for keeping across restarts.
  const hooks = new WebhookSink();
  const hooksServer = createGuardedServer(hooks.handler, {
    maxBodyBytes: HOOKS_MAX_BODY_BYTES,
    log: (line) => log(`hooks port: ${line}`),
  });
  let hooksPort = 0;
  try {
    k8sPort = await listen(k8sServer, opts.k8sPort);
    registryPort = await listen(registryServer, opts.registryPort);
    hooksPort = await listen(hooksServer, opts.hooksPort ?? DEFAULTS.hooksPort);
    plane = await startManagementPlane({
      armPort: opts.armPort ?? 0,
      aksPort: opts.aksPort ?? 0,
      stateDir: opts.stateDir,
      registryResourceId: opts.registryResourceId,
      clusterResourceId,
      registrySku: 'Standard',
      kubernetesVersion: '1.32.0',
      buildDelayMs: opts.buildDelayMs ?? DEFAULTS.buildDelayMs,
      powerDelayMs: opts.powerDelayMs ?? DEFAULTS.powerDelayMs,
      tokenTtlMs: opts.tokenTtlMs ?? DEFAULTS.tokenTtlMs,
      loginServer,
      push: (repository, tag) => {
        // pushImage stores the image before it first waits, so the tag names the new digest at once; the event
        // goes on in the background, as ACR sends it while the run finishes.
        pushImage(registryDeps, repository, tag).catch((err: unknown) =>
          log(`build push event failed: ${err instanceof Error ? err.message : String(err)}`),
        );
        return registry.resolve(repository, tag)!.digest;
      },
      faults,
      k8sHandler,
      k8sMaxBodyBytes: K8S_MAX_BODY_BYTES,
      saved: saved?.arm,
      log,
    });
  } catch (err) {
    k8sServer.close();
    registryServer.close();
    hooksServer.close();
    throw err;
  }
  const running = plane;
  running.onChange(() => saver.changed());
  const k8sUrl = `http://${HOST}:${k8sPort}`;
  const kubeconfigPath = writeKubeconfig(opts.stateDir, k8sUrl);
  runner.start();
  saver.changed();

  return {
    k8sUrl,
    registryUrl: `http://${HOST}:${registryPort}`,
    hooksUrl: `http://${HOST}:${hooksPort}`,
    hooks,
    kubeconfigPath,
    arm: {
      url: running.armUrl,
      caPath: running.caPath,
      identityEndpoint: running.identityEndpoint,
      identityHeader: running.identityHeader,
      identityHeaderPath: running.identityHeaderPath,
      registryResourceId: opts.registryResourceId,
      clusterResourceId,
      aksApiUrl: running.aksApiUrl,
      aksKubeconfigPath: running.aksKubeconfigPath,
    },
    plane: running,
    api,
    registry,
    faults,
    standIns,
    reconcile: () => runner.runOnce(),
    close: async () => {
      runner.stop();
      clearInterval(expiry);
      standIns.close();
      await running.close();
      k8sServer.closeAllConnections();
      registryServer.closeAllConnections();
      hooksServer.closeAllConnections();
      await Promise.all([
        new Promise((r) => k8sServer.close(r)),
        new Promise((r) => registryServer.close(r)),
        new Promise((r) => hooksServer.close(r)),
      ]);
      saver.flush();
    },
  };
}

/** What every cluster has from the start: system namespaces and the one node. */
function bootstrap(api: ClusterApi): void {
  for (const ns of SYSTEM_NAMESPACES) {
    if (!api.tryGet(RESOURCE.namespaces, undefined, ns))
      api.create(RESOURCE.namespaces, undefined, { metadata: { name: ns } }, { fieldManager: 'kube-apiserver' });
  }
  if (!api.tryGet(RESOURCE.nodes, undefined, 'elb-sim-node')) {
    const node = api.create(
      RESOURCE.nodes,
      undefined,
      {
        apiVersion: apiVersionOf(RESOURCE.nodes),
        kind: 'Node',
        metadata: {
          name: 'elb-sim-node',
          labels: {
            'kubernetes.io/hostname': 'elb-sim-node',
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
          },
        },
        spec: {},
      },
      { fieldManager: 'kubelet' },
    );
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    api.update(
      RESOURCE.nodes,
      undefined,
      node.metadata.name,
      {
        ...node,
        status: {
          capacity: { cpu: '4', memory: '16Gi', pods: '110' },
          allocatable: { cpu: '3860m', memory: '12Gi', pods: '110' },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: '10.224.0.4' },
            { type: 'Hostname', address: 'elb-sim-node' },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.32.0',
            containerRuntimeVersion: 'containerd://1.7.0',
            operatingSystem: 'linux',
            architecture: 'amd64',
            osImage: 'elb-sim',
          },
        },
      },
      { subresource: 'status', fieldManager: 'kubelet' },
    );
  }
}
