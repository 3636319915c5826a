// The sim's Azure Resource Manager endpoint: the subset of Microsoft.ContainerRegistry (registries get, ACR Tasks
// scheduleRun and runs) and Microsoft.ContainerService (managedClusters get/start/stop/listClusterUserCredential)
// that @azure/arm-containerregistry and @azure/arm-containerservice call, plus the managed-identity token endpoint.
// Every ARM route needs a bearer token from that endpoint. docs/sim.md, "The management plane".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody } from '../../devhost/http-guard';
import { ArmError, notFound, sendArm, sendArmError } from './errors';
import { Operations } from './operations';
import { runResource, type BuildRuns } from './builds';
import type { ManagedCluster } from './cluster';
import type { TokenIssuer } from './tokens';
import type { FaultRegistry } from '../faults';

export const IDENTITY_PATH = '/msi/token';
const MAX_BODY_BYTES = 64 * 1024;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

export interface ArmDeps {
  baseUrl: () => string;
  tokens: TokenIssuer;
  /** Token resources ARM accepts (normalized). */
  audiences: () => string[];
  operations: Operations;
  location: string;
  registry: { id: string; loginServer: () => string; sku: string };
  builds: BuildRuns;
  cluster: { id: string; mc: ManagedCluster; kubeconfig: () => string; kubernetesVersion: string };
  faults: FaultRegistry;
  log?: ((line: string) => void) | undefined;
}

export function createArmHandler(
  deps: ArmDeps,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    const started = Date.now();
    // Method and path only: tokens travel in a header, never in the path.
    res.on('finish', () => deps.log?.(`${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`));
    if (url.pathname === IDENTITY_PATH) return deps.tokens.serve(req, res, url);
    try {
      if (deps.faults.of('arm_errors').length > 0) {
        throw new ArmError(503, 'ServiceUnavailable', 'The service is temporarily unavailable (injected fault).');
      }
      await route(deps, req, res, url);
    } catch (err) {
      if (err instanceof ArmError) return sendArmError(res, err);
      if (err instanceof HttpError) {
        if (err.status === 413) res.setHeader('Connection', 'close');
        return sendArmError(res, new ArmError(err.status, err.code, err.message));
      }
      deps.log?.(`failed: ${err instanceof Error ? err.message : String(err)}`);
      return sendArmError(res, new ArmError(500, 'InternalServerError', 'The sim failed to handle the request.'));
    }
  };
}

function authenticate(deps: ArmDeps, req: IncomingMessage): void {
  const check = deps.tokens.check(req.headers.authorization, deps.audiences());
  if (check === 'ok') return;
  const [code, message] =
    check === 'missing'
      ? ['AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."]
      : check === 'expired'
        ? ['ExpiredAuthenticationToken', 'The access token expiry has passed. Get a new token.']
        : check === 'wrong_audience'
          ? [
              'InvalidAuthenticationTokenAudience',
              'The access token has been obtained for the wrong audience or resource.',
            ]
          : ['InvalidAuthenticationToken', 'The access token is invalid.'];
  throw new ArmError(401, code, message, {
    'WWW-Authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${code}"`,
  });
}

function apiVersion(url: URL): string {
  const all = url.searchParams.getAll('api-version');
  if (all.length === 0)
    throw new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  if (!all.every((v) => API_VERSION.test(v) && v === all[0]))
    throw new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${all.join(',').slice(0, 60)}' is invalid.`,
    );
  return all[0]!;
}

/** The path after `id` when `path` is that resource or below it (ARM ids are case-insensitive), else undefined. */
function under(path: string, id: string): string | undefined {
  const p = path.toLowerCase();
  const i = id.toLowerCase();
  if (p === i) return '';
  return p.startsWith(`${i}/`) ? path.slice(id.length) : undefined;
}

async function route(deps: ArmDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  authenticate(deps, req);
  const version = apiVersion(url);
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  const allow = (m: string): void => {
    if (method !== m)
      throw new ArmError(405, 'MethodNotAllowed', `The method '${method}' is not allowed here; use ${m}.`, {
        Allow: m,
      });
  };

  const op = path.match(
    /^\/subscriptions\/[^/]+\/providers\/([^/]+)\/locations\/[^/]+\/(operations|operationresults)\/([^/]+)$/i,
  );
  if (op) {
    allow('GET');
    const o = deps.operations.get(op[1]!, op[3]!);
    if (op[2]!.toLowerCase() === 'operations') return sendArm(res, 200, Operations.body(o));
    if (o.status === 'InProgress')
      return sendArm(res, 202, undefined, { Location: deps.operations.url(o, 'operationresults', version) });
    if (o.status === 'Failed')
      return sendArmError(
        res,
        new ArmError(500, o.error?.code ?? 'OperationFailed', o.error?.message ?? 'The operation failed.'),
      );
    return sendArm(res, 204, undefined);
  }

  const reg = under(path, deps.registry.id);
  if (reg !== undefined) return registryRoute(deps, req, res, reg, version, url, allow);
  const mc = under(path, deps.cluster.id);
  if (mc !== undefined) return clusterRoute(deps, res, mc, version, allow);
  throw notFound(path.split('/providers/')[1] ?? path);
}

async function registryRoute(
  deps: ArmDeps,
  req: IncomingMessage,
  res: ServerResponse,
  sub: string,
  version: string,
  url: URL,
  allow: (m: string) => void,
): Promise<void> {
  const id = deps.registry.id;
  const lower = sub.toLowerCase();
  if (sub === '') {
    allow('GET');
    return sendArm(res, 200, registryResource(deps));
  }
  if (lower === '/schedulerun') {
    allow('POST');
    const run = deps.builds.schedule(await readJson(req));
    // Scheduling is done once the run is queued: 200 with the queued run, as the REST spec's example answers, so a
    // caller never polls an operation URL (above the registry, where elb-control's role does not reach:
    // docs/decisions/0003-management-plane-roles.md). The build itself is followed with runs.get.
    return sendArm(res, 200, runResource(id, run));
  }
  if (lower === '/runs') {
    allow('GET');
    const topText = url.searchParams.get('$top');
    if (topText !== null && !/^\d{1,4}$/.test(topText))
      throw new ArmError(400, 'InvalidTop', '$top must be a whole number from 1 to 1000');
    const top = topText === null ? null : Number(topText);
    if (top !== null && (top < 1 || top > 1000))
      throw new ArmError(400, 'InvalidTop', '$top must be a whole number from 1 to 1000');
    return sendArm(res, 200, {
      value: deps.builds.list(url.searchParams.get('$filter'), top).map((r) => runResource(id, r)),
    });
  }
  const m = sub.match(/^\/runs\/([A-Za-z0-9-]{1,50})(\/cancel|\/listLogSasUrl)?$/i);
  if (m) {
    const run = deps.builds.get(m[1]!);
    if (!run) throw notFound(`Microsoft.ContainerRegistry/registries/runs/${m[1]}`);
    const action = m[2]?.toLowerCase();
    if (action === undefined) {
      allow('GET');
      return sendArm(res, 200, runResource(id, run));
    }
    allow('POST');
    if (action === '/listlogsasurl')
      throw new ArmError(
        400,
        'OperationNotSupported',
        'The sim keeps no run logs: a log SAS URL would be a secret it does not hand out.',
      );
    deps.builds.cancel(run.runId);
    const o = deps.operations.start('Microsoft.ContainerRegistry');
    deps.operations.finish(o, 'Succeeded');
    return sendArm(res, 202, undefined, deps.operations.headers(o, version));
  }
  throw notFound(`Microsoft.ContainerRegistry/registries${sub}`);
}

function clusterRoute(
  deps: ArmDeps,
  res: ServerResponse,
  sub: string,
  version: string,
  allow: (m: string) => void,
): void {
  const { mc } = deps.cluster;
  const lower = sub.toLowerCase();
  if (sub === '') {
    allow('GET');
    return sendArm(res, 200, clusterResource(deps));
  }
  if (lower === '/start' || lower === '/stop') {
    allow('POST');
    const o = deps.operations.start('Microsoft.ContainerService');
    try {
      mc.change(lower === '/start' ? 'start' : 'stop', (err) =>
        err
          ? deps.operations.finish(o, 'Failed', { code: err.code, message: err.message })
          : deps.operations.finish(o, 'Succeeded'),
      );
    } catch (err) {
      deps.operations.finish(o, 'Failed');
      throw err;
    }
    return sendArm(
      res,
      202,
      undefined,
      deps.operations.headers(o, version, deps.operations.url(o, 'operationresults', version)),
    );
  }
  if (lower === '/listclusterusercredential') {
    allow('POST');
    const value = Buffer.from(deps.cluster.kubeconfig()).toString('base64');
    return sendArm(res, 200, { kubeconfigs: [{ name: 'clusterUser', value }] });
  }
  throw notFound(`Microsoft.ContainerService/managedClusters${sub}`);
}

function nameOf(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

function registryResource(deps: ArmDeps): Record<string, unknown> {
  return {
    id: deps.registry.id,
    name: nameOf(deps.registry.id),
    type: 'Microsoft.ContainerRegistry/registries',
    location: deps.location,
    tags: {},
    sku: { name: deps.registry.sku, tier: deps.registry.sku },
    properties: {
      loginServer: deps.registry.loginServer(),
      creationDate: '2025-01-15T09:00:00.000Z',
      provisioningState: 'Succeeded',
      adminUserEnabled: false,
      publicNetworkAccess: 'Enabled',
      networkRuleBypassOptions: 'AzureServices',
      zoneRedundancy: 'Disabled',
      anonymousPullEnabled: true,
      dataEndpointEnabled: false,
    },
  };
}

function clusterResource(deps: ArmDeps): Record<string, unknown> {
  const { id, mc, kubernetesVersion } = deps.cluster;
  const name = nameOf(id);
  const rg = id.match(/\/resourceGroups\/([^/]+)/i)?.[1] ?? 'elb-sim';
  return {
    id,
    name,
    type: 'Microsoft.ContainerService/ManagedClusters',
    location: deps.location,
    sku: { name: 'Base', tier: 'Free' },
    properties: {
      provisioningState: mc.provisioning,
      powerState: { code: mc.power },
      kubernetesVersion,
      currentKubernetesVersion: kubernetesVersion,
      dnsPrefix: name,
      fqdn: 'localhost',
      agentPoolProfiles: [
        {
          name: 'nodepool1',
          count: 1,
          vmSize: 'Standard_D4s_v5',
          mode: 'System',
          osType: 'Linux',
          provisioningState: mc.provisioning,
          powerState: { code: mc.power },
        },
      ],
      nodeResourceGroup: `MC_${rg}_${name}_${deps.location}`,
      enableRBAC: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized as JSON.',
    );
  }
}
