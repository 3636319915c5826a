// The dashboard's only door to the server: same-origin `/api` calls (the platform or Vite proxies them), each
// answer checked by `parse.ts`. Failures become `ApiError` with the server's machine-readable `code`.
import {
  parseActivity,
  parseActivityList,
  parseDeploymentList,
  parseDeployStatus,
  parseOpenApiOperations,
  parseProxyAnswer,
  parseStartDeploy,
  parseSummary,
  parseSummaryList,
  parseTokenReveal,
  parseWaves,
} from './parse.js';
import type { WaveView } from '../../../core/contract/waves.js';
import type { TryRequest } from '../core/try-it.js';
import type {
  DeploymentRecord,
  DeployStatus,
  StartDeployAnswer,
  TargetActivity,
  TargetSummary,
  TokenReveal,
} from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const path = (...parts: string[]): string => '/api/' + parts.map(encodeURIComponent).join('/');

async function request(url: string, init: RequestInit & { signal?: AbortSignal | undefined }): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The dashboard could not reach the elb-control API.');
  }
  const text = await response.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const obj = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const code = typeof obj['code'] === 'string' ? obj['code'] : `http_${response.status}`;
    const message =
      typeof obj['message'] === 'string'
        ? obj['message']
        : `The API answered ${response.status} ${response.statusText}.`.trim();
    throw new ApiError(response.status, code, message, obj);
  }
  if (body === null)
    throw new ApiError(response.status, 'bad_response', 'The API answered with something that is not JSON.');
  return body;
}

const get = (url: string, signal?: AbortSignal) => request(url, { method: 'GET', signal });
const post = (url: string, payload: unknown, signal?: AbortSignal) =>
  request(url, {
    method: 'POST',
    body: JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
    signal,
  });

export const api = {
  /** The running waves first, then the most recent (docs/policies.md "Waves"). */
  async waves(signal?: AbortSignal): Promise<WaveView[]> {
    return parseWaves(await get(path('waves'), signal));
  },
  async cancelWave(waveId: string): Promise<void> {
    await post(path('waves', waveId, 'cancel'), {});
  },
  async targets(signal?: AbortSignal): Promise<TargetSummary[]> {
    return parseSummaryList(await get(path('targets'), signal));
  },
  async summary(target: string, signal?: AbortSignal): Promise<TargetSummary> {
    return parseSummary(await get(path('targets', target, 'openapi'), signal));
  },
  /** The cheap change feed of one target (state tables only): polled every second while the page is visible. */
  async activity(target: string, signal?: AbortSignal): Promise<TargetActivity> {
    return parseActivity(await get(path('targets', target, 'openapi', 'activity'), signal));
  },
  /** The change feed of every target, for the Overview. */
  async allActivity(signal?: AbortSignal): Promise<TargetActivity[]> {
    return parseActivityList(await get(path('activity'), signal));
  },
  async deployStatus(target: string, instanceId: string, signal?: AbortSignal): Promise<DeployStatus> {
    return parseDeployStatus(await get(path('targets', target, 'openapi', 'deployments', instanceId), signal));
  },
  async deployments(target: string, signal?: AbortSignal): Promise<DeploymentRecord[]> {
    return parseDeploymentList(await get(path('targets', target, 'openapi', 'deployments'), signal));
  },
  async startDeploy(target: string, body: { tag?: string; reason: 'install' | 'update' }): Promise<StartDeployAnswer> {
    return parseStartDeploy(await post(path('targets', target, 'openapi', 'deployments'), body));
  },
  async cancelDeploy(target: string, instanceId: string): Promise<void> {
    await post(path('targets', target, 'openapi', 'deployments', instanceId, 'cancel'), {});
  },
  /** The service's API token: POST only, audited by the server; the caller keeps it in memory only, briefly. */
  async revealToken(target: string): Promise<TokenReveal> {
    return parseTokenReveal(await post(path('targets', target, 'openapi', 'token', 'reveal'), {}));
  },
  /** Rebuild & Deploy: an ACR Tasks build of the pinned tag, then a deploy of what it built. */
  async rebuild(target: string): Promise<StartDeployAnswer> {
    return parseStartDeploy(await post(path('targets', target, 'openapi', 'rebuild'), {}));
  },
  /** Starts a rotation of the service's API token; followed like a deploy (docs/security.md#rotation). */
  async rotateToken(target: string): Promise<StartDeployAnswer> {
    return parseStartDeploy(await post(path('targets', target, 'openapi', 'token', 'rotate'), {}));
  },
  /** Start cluster: starts the stopped AKS cluster, then deploys again; followed like a deploy (docs/api.md). */
  /** Approve or reject the update waiting for approval on `target` (docs/policies.md "Approvals"). */
  async decideUpdate(target: string, verb: 'approve' | 'reject', comment: string | null): Promise<void> {
    await post(path('targets', target, 'update', verb), comment ? { comment } : {});
  },
  async startCluster(target: string): Promise<StartDeployAnswer> {
    return parseStartDeploy(await post(path('targets', target, 'cluster', 'start'), {}));
  },
  async spec(target: string, signal?: AbortSignal) {
    const document = await get(path('targets', target, 'openapi', 'spec'), signal);
    // The document itself too: an endpoint row opens to its parameters, body schema and responses.
    return { ...parseOpenApiOperations(document), document };
  },
  /** Try it: one request to the live service through the server, which adds the token (docs/api.md#try-it). */
  async tryIt(target: string, request: TryRequest, signal?: AbortSignal) {
    return parseProxyAnswer(await post(path('targets', target, 'openapi', 'proxy'), request, signal));
  },
};

/** A short sentence for an error, safe to show: the server's message, or what the dashboard knows. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string')
    return { code: error.code, message: error.message };
  return { code: 'unexpected_error', message: 'Something went wrong in the dashboard. Reload the page to try again.' };
}
