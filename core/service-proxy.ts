// The rules of Try it (docs/api.md#try-it), without I/O: which requests may reach the live service (only paths and
// methods its own openapi.json declares, a role per method), what is sent, and what of the answer comes back.
import type * as z from 'zod/mini';
import type { Role } from './auth';
import { PROXY_REQUEST_HEADERS, ProxyRequestBody } from './contract/proxy';
import { DomainError } from './errors';
import { validate } from './validate';

/** The header the elb-openapi service reads its API token from. */
export const API_TOKEN_HEADER = 'x-elb-api-token';

/** What a Try it request may send and get back, and how long it may take (docs/decisions/0001 "Time limits"). */
export const PROXY_LIMITS = {
  requestBytes: 64 * 1024,
  responseBytes: 1024 * 1024,
  upstreamTimeoutMs: 10_000,
  specTimeoutMs: 5_000,
  queryParams: 32,
} as const;

export type ProxyRequest = z.output<typeof ProxyRequestBody>;

/** What the server sends upstream: a path checked against the spec, the query, the headers and the body text. */
export interface UpstreamRequest {
  method: ProxyRequest['method'];
  /** Path and query, starting with a single `/`. */
  target: string;
  /** The spec's path template the path matched. */
  template: string;
  headers: Record<string, string>;
  body: string | null;
}

function bad(code: string, message: string, status = 400): never {
  throw new DomainError(code, message, status);
}

/** Reads need `reader`; any other method may change the service, so it needs `deployer`. */
export function roleForMethod(method: string): Role {
  return method === 'GET' || method === 'HEAD' ? 'reader' : 'deployer';
}

/** The proxy route itself asks only for `reader`; this is the check of the proxied method's own role. */
export function requireMethodRole(method: string, callerRoles: readonly Role[]): void {
  const need = roleForMethod(method);
  if (!callerRoles.includes(need))
    throw new DomainError('forbidden', `the ${need} role is required to send ${method} to the service`, 403);
}

const HTTP_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;

/** The path templates of an OpenAPI document and the methods each declares (upper-case). */
export function specOperations(spec: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const paths = (spec as { paths?: unknown } | null)?.paths;
  if (typeof paths !== 'object' || paths === null) return out;
  for (const [template, item] of Object.entries(paths)) {
    if (!template.startsWith('/') || typeof item !== 'object' || item === null) continue;
    const methods = new Set(HTTP_METHODS.filter((m) => m in item).map((m) => m.toUpperCase()));
    if (methods.size > 0) out.set(template, methods);
  }
  return out;
}

// A path segment may hold unreserved characters, sub-delims, ':' and '@', and percent-escapes of anything but the
// characters that would change how the path splits ('/', '\', '.') once a server decodes it.
const SEGMENT = /^(?:[A-Za-z0-9\-_~!$&'()*+,;=:@.]|%(?![2][eEfF]|[5][cC])[0-9A-Fa-f]{2})+$/;

/**
 * The path, checked: one leading `/`, no empty, `.` or `..` segments (plain or escaped), no query or fragment, and
 * no character outside a path segment's alphabet. Anything else is `invalid_path` — before the spec is consulted,
 * so an absolute URL, `//host` or `/v1/../admin` never reaches the allowlist, let alone the network.
 */
export function checkPath(path: string): string[] {
  if (!path.startsWith('/') || path.startsWith('//')) bad('invalid_path', 'the path must start with a single "/"');
  const segments = path.slice(1).split('/');
  for (const s of segments) {
    if (s === '' && segments.length > 1) bad('invalid_path', 'the path has an empty segment');
    if (s === '.' || s === '..') bad('invalid_path', 'the path may not contain "." or ".." segments');
    if (s !== '' && !SEGMENT.test(s)) bad('invalid_path', 'the path has a character a path segment may not hold');
  }
  return segments;
}

/** The spec's template that `path` fills in, or null. A literal segment wins over a `{parameter}` one. */
export function matchTemplate(templates: Iterable<string>, path: string): string | null {
  const segments = checkPath(path);
  let best: { template: string; literals: number } | null = null;
  for (const template of templates) {
    const parts = template.slice(1).split('/');
    if (parts.length !== segments.length) continue;
    let literals = 0;
    const fits = parts.every((p, i) => {
      if (/^\{[^{}/]+\}$/.test(p)) return segments[i] !== '';
      if (p !== segments[i]) return false;
      literals += 1;
      return true;
    });
    if (fits && (!best || literals > best.literals)) best = { template, literals };
  }
  return best?.template ?? null;
}

/** Parses the proxy body (raw JSON text) with the contract's schema; every failure is a 400 with a code. */
export function parseProxyRequest(raw: string): ProxyRequest {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    bad('invalid_json', 'the request body is not valid JSON');
  }
  return validate(ProxyRequestBody, value, (issue) =>
    issue.code === 'unrecognized_keys'
      ? 'unknown_field'
      : issue.path.length === 0
        ? 'invalid_body'
        : `invalid_${String(issue.path[0])}`,
  );
}

/** What may be sent upstream for `req`, given the live spec's operations: a path and method it declares. */
export function upstreamRequest(req: ProxyRequest, operations: Map<string, Set<string>>): UpstreamRequest {
  const template = matchTemplate(operations.keys(), req.path);
  if (template === null) bad('path_not_in_spec', 'the live service declares no such path', 404);
  if (!operations.get(template)!.has(req.method))
    bad('method_not_in_spec', `the live service declares no ${req.method} on ${template}`, 405);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!(PROXY_REQUEST_HEADERS as readonly string[]).includes(lower))
      bad('header_not_allowed', `the header "${name.slice(0, 64)}" may not be set`);
    headers[lower] = value;
  }
  const query = Object.entries(req.query ?? {});
  if (query.length > PROXY_LIMITS.queryParams)
    bad('invalid_query', `at most ${PROXY_LIMITS.queryParams} query parameters`);
  const search = new URLSearchParams(query).toString();

  let body: string | null = null;
  if (req.body !== undefined) {
    if (req.method === 'GET' || req.method === 'HEAD') bad('body_not_allowed', `a ${req.method} request has no body`);
    body = JSON.stringify(req.body);
    if (new TextEncoder().encode(body).length > PROXY_LIMITS.requestBytes)
      bad('body_too_large', `the request body is larger than ${PROXY_LIMITS.requestBytes / 1024} KiB`, 413);
    headers['content-type'] = 'application/json';
  }
  return { method: req.method, target: search ? `${req.path}?${search}` : req.path, template, headers, body };
}

// Hop-by-hop headers and those that describe the upstream's framing rather than the answer the caller reads.
const DROPPED_HEADERS = new Set([
  'set-cookie',
  'set-cookie2',
  'authorization',
  'proxy-authorization',
  'proxy-authenticate',
  'cookie',
  API_TOKEN_HEADER,
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'te',
  'content-length',
  'content-encoding',
]);

/** The service's answer headers the caller may see: no cookies, credentials or token, and none that echo it. */
export function visibleHeaders(headers: Iterable<[string, string]>, token: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower)) continue;
    if (token && (value.includes(token) || lower.includes(token.toLowerCase()))) continue;
    out[lower] = value;
  }
  return out;
}

/** The answer's body for the caller: JSON when it says so and parses, else text; the token never in either. */
export function visibleBody(
  text: string,
  contentType: string | null,
  token: string | null,
): { body_kind: 'json' | 'text' | 'empty'; body: unknown } {
  if (text === '') return { body_kind: 'empty', body: null };
  const safe = token ? text.split(token).join('[redacted]') : text;
  if (/^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '')) {
    try {
      return { body_kind: 'json', body: JSON.parse(safe) };
    } catch {
      // A service that says JSON and sends something else: show what it sent.
    }
  }
  return { body_kind: 'text', body: safe };
}
