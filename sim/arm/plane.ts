// Assembles the management plane: the local CA, the ARM endpoint (HTTPS, with the token endpoint), ACR Tasks
// builds and the AKS view of the sim cluster with its own HTTPS API server door.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createGuardedServer } from '../../devhost/http-guard';
import type { FaultRegistry } from '../faults';
import { aksKubeconfigText } from '../kubeconfig';
import { BuildRuns, type BuildsSnapshot } from './builds';
import { ensureCerts } from './certs';
import { ManagedCluster, type ClusterSnapshot } from './cluster';
import { createArmHandler, IDENTITY_PATH } from './http';
import { Operations } from './operations';
import { AKS_SERVER_APP_ID, ARM_RESOURCES, TokenIssuer } from './tokens';
import { TlsDoor } from './tls-door';

export interface ManagementPlaneOptions {
  armPort: number;
  aksPort: number;
  stateDir: string;
  registryResourceId: string;
  clusterResourceId: string;
  registrySku: string;
  kubernetesVersion: string;
  buildDelayMs: number;
  powerDelayMs: number;
  tokenTtlMs: number;
  loginServer: () => string;
  push: (repository: string, tag: string) => string;
  faults: FaultRegistry;
  /** The guarded Kubernetes API server the AKS door fronts. */
  /** The sim's Kubernetes API handler, which the AKS cluster's API server serves behind its TLS door. */
  k8sHandler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
  k8sMaxBodyBytes: number;
  saved?: { builds?: BuildsSnapshot | undefined; cluster?: ClusterSnapshot | undefined } | undefined;
  log: (line: string) => void;
}

export interface ArmSnapshot {
  builds: BuildsSnapshot;
  cluster: ClusterSnapshot;
}

export interface ManagementPlane {
  armUrl: string;
  /** The value for IDENTITY_ENDPOINT. */
  identityEndpoint: string;
  /** The value for IDENTITY_HEADER (a secret: written to STATE_DIR/arm/identity-header, never logged). */
  identityHeader: string;
  identityHeaderPath: string;
  caPath: string;
  aksApiUrl: string;
  aksKubeconfigPath: string;
  builds: BuildRuns;
  cluster: ManagedCluster;
  snapshot(): ArmSnapshot;
  onChange(fn: () => void): void;
  close(): Promise<void>;
}

const LOCATION = 'eastus';
const ARM_MAX_BODY_BYTES = 64 * 1024;

export async function startManagementPlane(o: ManagementPlaneOptions): Promise<ManagementPlane> {
  const certs = await ensureCerts(o.stateDir);
  const creds = { key: certs.keyPem, cert: certs.certPem };
  let armUrl = '';
  const audiences = (): string[] => [...ARM_RESOURCES, armUrl];
  // The identity header is kept across restarts, like the certificates: an app started with it keeps getting tokens
  // from a sim its supervisor restarted.
  const identityHeaderPath = join(o.stateDir, 'identity-header');
  const tokens = new TokenIssuer(
    o.tokenTtlMs,
    () => [...audiences(), AKS_SERVER_APP_ID],
    keptIdentityHeader(identityHeaderPath),
  );
  const subscription =
    o.registryResourceId.match(/^\/subscriptions\/([^/]+)/i)?.[1] ?? '00000000-0000-0000-0000-000000000000';
  const operations = new Operations(() => armUrl, subscription, LOCATION);
  const builds = new BuildRuns({
    faults: o.faults,
    buildDelayMs: o.buildDelayMs,
    push: o.push,
    loginServer: o.loginServer,
    log: (l) => o.log(l),
  });
  builds.restore(o.saved?.builds);
  // The AKS API server lets in the cluster user's client certificate (kubectl with the listClusterUserCredential
  // kubeconfig) or a bearer token issued for the AKS server application (the app's Entra-token path), as an
  // AKS cluster with local accounts and Entra integration does. Anything else is 401 Unauthorized.
  const aksServer = createGuardedServer(
    async (req, res, url) => {
      const certOk = (req.socket as TLSSocket).authorized === true;
      if (!certOk && tokens.check(req.headers.authorization, [AKS_SERVER_APP_ID]) !== 'ok') return unauthorized(res);
      if (url.pathname.startsWith('/_sim/')) return unauthorized(res);
      await o.k8sHandler(req, res, url);
    },
    { maxBodyBytes: o.k8sMaxBodyBytes, log: (line) => o.log(`aks api port: ${line}`) },
  );
  const aksDoor = new TlsDoor(aksServer, creds, certs.caPem);
  const cluster = new ManagedCluster(aksDoor, o.powerDelayMs, (l) => o.log(l));
  const clusterName = o.clusterResourceId.slice(o.clusterResourceId.lastIndexOf('/') + 1);
  const rg = o.clusterResourceId.match(/\/resourceGroups\/([^/]+)/i)?.[1] ?? 'elb-sim';
  let aksApiUrl = '';
  const kubeconfig = (): string =>
    aksKubeconfigText(clusterName, aksApiUrl, certs.caPem, {
      name: `clusterUser_${rg}_${clusterName}`,
      certPem: certs.clientCertPem,
      keyPem: certs.clientKeyPem,
    });

  const armServer = createGuardedServer(
    createArmHandler({
      baseUrl: () => armUrl,
      tokens,
      audiences,
      operations,
      location: LOCATION,
      registry: { id: o.registryResourceId, loginServer: o.loginServer, sku: o.registrySku },
      builds,
      cluster: { id: o.clusterResourceId, mc: cluster, kubeconfig, kubernetesVersion: o.kubernetesVersion },
      faults: o.faults,
      log: (l) => o.log(`arm ${l}`),
    }),
    { maxBodyBytes: ARM_MAX_BODY_BYTES, log: (line) => o.log(`arm port: ${line}`) },
  );
  const armDoor = new TlsDoor(armServer, creds);
  const armPort = await armDoor.open(o.armPort);
  armUrl = `https://127.0.0.1:${armPort}`;
  let aksPort: number;
  try {
    aksPort = await cluster.boot(o.aksPort, o.saved?.cluster);
  } catch (err) {
    await armDoor.close();
    throw err;
  }
  aksApiUrl = `https://127.0.0.1:${aksPort}`;
  const aksKubeconfigPath = join(o.stateDir, 'aks-kubeconfig');
  writeFileSync(aksKubeconfigPath, kubeconfig(), { mode: 0o600 });
  writeFileSync(identityHeaderPath, tokens.identityHeader, { mode: 0o600 });

  return {
    armUrl,
    identityEndpoint: `${armUrl}${IDENTITY_PATH}`,
    identityHeader: tokens.identityHeader,
    identityHeaderPath,
    caPath: certs.caPath,
    aksApiUrl,
    aksKubeconfigPath,
    builds,
    cluster,
    snapshot: () => ({ builds: builds.snapshot(), cluster: cluster.snapshot() }),
    onChange: (fn) => {
      builds.onChange(fn);
      cluster.onChange(fn);
    },
    close: async () => {
      builds.close();
      await Promise.all([cluster.close(), armDoor.close()]);
      armServer.closeAllConnections();
      aksServer.closeAllConnections();
    },
  };
}

/** The Kubernetes API's own answer to a request without valid credentials. */
function unauthorized(res: ServerResponse): void {
  const text = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  });
  res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The identity header a previous start wrote, when it is one this sim would make; undefined → a new one. */
function keptIdentityHeader(path: string): string | undefined {
  try {
    const kept = readFileSync(path, 'utf8').trim();
    return /^[A-Za-z0-9_-]{32}$/.test(kept) ? kept : undefined;
  } catch {
    return undefined;
  }
}
