// Try it: one request to the live elb-openapi service, sent by the server with the service's API token
// (docs/api.md#try-it). The browser names a method, a path of the live spec, a query, a few headers and a JSON
// body; it gets back the service's status, its headers without secrets, and its body.
import * as z from 'zod/mini';

export const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const ProxyMethod = z.enum(PROXY_METHODS);

/** The request headers a caller may set; everything else (Authorization, Cookie, Host, the token …) is refused. */
export const PROXY_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'if-match',
  'if-none-match',
] as const;

/** A header or query value: printable, one line (no CR/LF, so nothing can be smuggled into the upstream request). */
const OneLine = z.string().check(z.maxLength(1024), z.regex(/^[\x20-\x7e]*$/, 'must be printable ASCII on one line'));

export const ProxyRequestBody = z.strictObject({
  method: ProxyMethod,
  /** A path of the live spec with its parameters filled in, e.g. `/v1/jobs/42`; never a URL. */
  path: z.string().check(z.minLength(1), z.maxLength(2048)),
  query: z.optional(
    z.record(z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[\x21-\x7e]+$/, 'is not a name')), OneLine),
  ),
  headers: z.optional(z.record(z.string().check(z.maxLength(64)), OneLine)),
  /** Any JSON value, sent as `application/json`; only with a method that carries a body. */
  body: z.optional(z.unknown()),
});

export const ProxyAnswer = z.object({
  status: z.number(),
  /** The service's headers, lower-case, minus cookies, credentials, the token and hop-by-hop headers. */
  headers: z.record(z.string(), z.string()),
  /** `json`: `body` is the parsed value; `text`: `body` is the text; `empty`: no body. */
  body_kind: z.enum(['json', 'text', 'empty']),
  body: z.unknown(),
  duration_ms: z.number(),
});
