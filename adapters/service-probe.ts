// Talks to the deployed elb-openapi service over its LoadBalancer address: /healthz and /openapi.json.
import { DomainError } from '../core/errors';
import { API_TOKEN_HEADER } from '../core/service-proxy';

export interface ProbeResult {
  healthy: boolean;
  detail: string;
  apiVersion: string | null;
}

const MAX_SPEC_BYTES = 5 * 1024 * 1024;

export function serviceBaseUrl(externalIp: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  const host = externalIp.includes(':') ? `[${externalIp}]` : externalIp;
  const defaultPort = scheme === 'https' ? 443 : 80;
  return port === defaultPort ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
}

/** One probe of /healthz and /openapi.json; never throws. */
export async function probeService(baseUrl: string, timeoutMs = 5000): Promise<ProbeResult> {
  try {
    const health = await get(`${baseUrl}/healthz`, timeoutMs);
    await health.arrayBuffer();
    if (!health.ok) return { healthy: false, detail: `/healthz answered ${health.status}`, apiVersion: null };
    const spec = await get(`${baseUrl}/openapi.json`, timeoutMs);
    if (!spec.ok) {
      await spec.arrayBuffer();
      return { healthy: false, detail: `/openapi.json answered ${spec.status}`, apiVersion: null };
    }
    const doc = (await spec.json()) as { openapi?: string; info?: { version?: string } };
    if (typeof doc.openapi !== 'string')
      return { healthy: false, detail: '/openapi.json is not an OpenAPI document', apiVersion: null };
    const version = typeof doc.info?.version === 'string' ? doc.info.version.slice(0, 64) : null;
    return { healthy: true, detail: `healthz ok, API ${version ?? 'version unknown'}`, apiVersion: version };
  } catch (err) {
    const code = (err as { cause?: { code?: string } })?.cause?.code ?? (err as { name?: string })?.name ?? 'error';
    return { healthy: false, detail: `unreachable (${code})`, apiVersion: null };
  }
}

/**
 * The status the service answers a GET of `path` carrying `token` in its token header (the body is discarded);
 * throws when the service does not answer. The token goes in the header only, never in the URL.
 */
export async function statusWithToken(baseUrl: string, path: string, token: string, timeoutMs = 5000): Promise<number> {
  const res = await fetch(`${baseUrl}${path}`, {
    headers: { [API_TOKEN_HEADER]: token },
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

/** The live service's OpenAPI document, for the dashboard's proxied spec route. */
export async function fetchSpec(baseUrl: string, timeoutMs = 10_000): Promise<unknown> {
  let res: Response;
  try {
    res = await get(`${baseUrl}/openapi.json`, timeoutMs);
  } catch {
    throw new DomainError('service_unreachable', 'the elb-openapi service does not answer', 502);
  }
  if (!res.ok) throw new DomainError('service_unreachable', `the elb-openapi service answered ${res.status}`, 502);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_SPEC_BYTES) throw new DomainError('spec_too_large', 'the OpenAPI document is too large', 502);
  const text = await res.text();
  if (text.length > MAX_SPEC_BYTES) throw new DomainError('spec_too_large', 'the OpenAPI document is too large', 502);
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('service_unreachable', 'the elb-openapi service returned an invalid OpenAPI document', 502);
  }
}
