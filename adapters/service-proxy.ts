// Sends one Try it request to the live elb-openapi service (core/service-proxy.ts decides what may be sent): the
// token in its header, no redirects followed, the whole exchange cut at a deadline and the answer at a size.
import { DomainError } from '../core/errors';
import { API_TOKEN_HEADER, PROXY_LIMITS, UpstreamRequest } from '../core/service-proxy';

export interface UpstreamAnswer {
  status: number;
  headers: [string, string][];
  text: string;
  durationMs: number;
}

/** Reads at most `max` bytes of the body; past that the request is aborted and the answer refused. */
async function boundedText(res: Response, max: number, abort: () => void): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  const tooLarge = () =>
    new DomainError('response_too_large', `the service's answer is larger than ${max / 1024} KiB`, 502);
  if (declared > max) {
    abort();
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      abort();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

export async function sendToService(
  baseUrl: string,
  req: UpstreamRequest,
  token: string | null,
  limits: { timeoutMs: number; responseBytes: number } = {
    timeoutMs: PROXY_LIMITS.upstreamTimeoutMs,
    responseBytes: PROXY_LIMITS.responseBytes,
  },
): Promise<UpstreamAnswer> {
  const url = new URL(req.target, `${baseUrl}/`);
  // checkPath already makes this impossible; kept so a future change to it cannot turn the proxy into an open one.
  if (url.origin !== new URL(baseUrl).origin) throw new DomainError('invalid_path', 'the path leaves the service', 400);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), limits.timeoutMs);
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: req.method,
      headers: { ...req.headers, ...(token ? { [API_TOKEN_HEADER]: token } : {}) },
      body: req.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await boundedText(res, limits.responseBytes, () => controller.abort());
    return {
      status: res.status,
      headers: [...res.headers.entries()],
      text,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    if (err instanceof DomainError) throw err;
    if (controller.signal.aborted)
      throw new DomainError('upstream_timeout', `the service did not answer within ${limits.timeoutMs / 1000} s`, 504);
    throw new DomainError('service_unreachable', 'the elb-openapi service does not answer', 502);
  } finally {
    clearTimeout(timer);
  }
}
