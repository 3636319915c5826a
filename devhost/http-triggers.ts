import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionsLib, Invoker } from './invoke.js';
import { methodNotAllowed } from './http-guard.js';
import { flatHeaders, readBody, sendJson } from './http-util.js';
import { type HostKeys, type KeyLevel, requireKey } from './keys.js';
import type { RegisteredFunction, Registry } from './registry.js';
import { compareRoutes, compileRoute, type CompiledRoute, matchRoute } from './routes.js';

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  /** Upper-case methods; undefined means any method. */
  methods?: Set<string>;
}

interface ResponseLike {
  status: number;
  headers: Headers;
  cookies?: CookieLike[];
  arrayBuffer(): Promise<ArrayBuffer>;
}

interface CookieLike {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  expires?: Date | number;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: string;
  maxAge?: number;
}

/** HTTP triggers under /<routePrefix>/<route>, with route templates, constraints, optional parameters and methods. */
export class HttpTriggers {
  readonly routes: HttpRoute[];

  constructor(
    registry: Registry,
    private readonly routePrefix: string,
    private readonly invoker: Invoker,
    private readonly lib: FunctionsLib,
  ) {
    this.routes = registry
      .byTriggerType('httpTrigger')
      .map((fn) => {
        const methods = fn.trigger.methods as string[] | undefined;
        const route: HttpRoute = {
          fn,
          route: compileRoute(typeof fn.trigger.route === 'string' ? fn.trigger.route : fn.name),
        };
        if (methods && methods.length > 0) route.methods = new Set(methods.map((m) => m.toUpperCase()));
        return route;
      })
      .sort((a, b) => compareRoutes(a.route, b.route));
  }

  /** The public path of a route, for the startup listing. */
  describe(route: HttpRoute): string {
    return `/${[this.routePrefix, route.route.template.replace(/^\/+/, '')].filter(Boolean).join('/')}`;
  }

  /**
   * Serves the request if a trigger matches it; returns false when no route matches the path. A path some route
   * matches for other methods only is a 405 with Allow; a function's authLevel is checked before its body is read.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, keys: HostKeys): Promise<boolean> {
    const prefix = this.routePrefix === '' ? '' : `/${this.routePrefix}`;
    const path = url.pathname;
    if (
      prefix !== '' &&
      path.toLowerCase() !== prefix.toLowerCase() &&
      !path.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)
    )
      return false;
    const rest = path.slice(prefix.length).replace(/^\/+/, '');
    let segments: string[];
    try {
      segments = rest === '' ? [] : rest.split('/').map((s) => decodeURIComponent(s));
    } catch {
      return false;
    }
    if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
    const method = (req.method ?? 'GET').toUpperCase();
    const allowed = new Set<string>();
    for (const candidate of this.routes) {
      const params = matchRoute(candidate.route, segments);
      if (!params) continue;
      if (candidate.methods && !candidate.methods.has(method)) {
        for (const m of candidate.methods) allowed.add(m);
        continue;
      }
      requireKey(keys, authLevelOf(candidate.fn), req, url);
      await this.invoke(candidate.fn, req, res, url, params);
      return true;
    }
    if (allowed.size > 0) throw methodNotAllowed(allowed);
    return false;
  }

  private async invoke(
    fn: RegisteredFunction,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    params: Record<string, string>,
  ): Promise<void> {
    const body = await readBody(req);
    const request = new this.lib.HttpRequest({
      method: req.method ?? 'GET',
      url: url.href,
      headers: flatHeaders(req),
      params,
      body: { bytes: body },
    });
    const outcome = await this.invoker.invoke(fn, request, {
      params,
      headers: flatHeaders(req),
      query: Object.fromEntries(url.searchParams),
    });
    if (outcome.error !== undefined) {
      // Azure answers a bare 500; here it carries a code, and the details stay in the invocation log line.
      sendJson(res, 500, { code: 'internal_error', message: `The function '${fn.name}' failed; see the devhost log.` });
      return;
    }
    const response = (
      outcome.result instanceof (this.lib.HttpResponse as unknown as new () => object)
        ? outcome.result
        : new this.lib.HttpResponse((outcome.result ?? {}) as Record<string, unknown>)
    ) as ResponseLike;
    const headers: Record<string, string | string[]> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const cookies = (response.cookies ?? []).map(serializeCookie);
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    const bytes = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(bytes.length);
    res.writeHead(response.status, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }
}

/** A function's authLevel as the host reads it: anonymous, function or admin (admin needs the master key). */
function authLevelOf(fn: RegisteredFunction): KeyLevel {
  const level = String(fn.trigger.authLevel ?? 'anonymous').toLowerCase();
  if (level === 'anonymous') return 'anonymous';
  if (level === 'admin' || level === 'system') return 'admin';
  return 'function';
}

function serializeCookie(cookie: CookieLike): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}
