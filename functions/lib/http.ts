// Thin HTTP plumbing shared by the route files: authorization, JSON answers, and errors as `{code, message}`
// (never a stack trace).
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { ROUTES, type Method, type RouteName } from '../../core/contract/routes';
import { assertPlatformAuthEnabled, assertSameSiteWrite, authorize, Caller, Role } from '../../core/auth';
import { DomainError, errorBody, isDomainError } from '../../core/errors';
import { parseTargetParam } from '../../core/requests';
import { selectTarget, type Target } from '../../core/targets';
import { adapters } from '../../services/composition';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store', ...headers } };
}

export function errorResponse(err: unknown, context: InvocationContext): HttpResponseInit {
  if (isDomainError(err)) return json(err.status, errorBody(err));
  // Unexpected: log the first line only (no stack, no request data), answer generically.
  const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
  context.error(`unexpected error: ${first?.slice(0, 300)}`);
  return json(500, { code: 'internal_error', message: 'an unexpected error occurred' });
}

export type RouteHandler = (
  req: HttpRequest,
  caller: Caller,
  client: DurableClient,
  ctx: InvocationContext,
) => Promise<HttpResponseInit>;

/**
 * Wraps a handler: checks that the platform vouches for the caller, that a write is not cross-site, and the role
 * first; maps every failure onto a coded JSON error.
 */
function guarded(role: Role, handler: RouteHandler) {
  return async (req: HttpRequest, client: DurableClient, ctx: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const config = adapters().config;
      assertPlatformAuthEnabled(config.authMode, process.env);
      const caller = authorize(config.authMode, role, req.url, req.headers.get('x-ms-client-principal'), [
        req.headers.get('host'),
        req.headers.get('x-forwarded-host'),
      ]);
      assertSameSiteWrite(
        config.authMode,
        {
          method: req.method,
          contentType: req.headers.get('content-type'),
          origin: req.headers.get('origin'),
          secFetchSite: req.headers.get('sec-fetch-site'),
          ownOrigin: new URL(req.url).origin,
        },
        config.dashboardOrigins,
      );
      return await handler(req, caller, client, ctx);
    } catch (err) {
      return errorResponse(err, ctx);
    }
  };
}

/** One handler per method the route table declares for the route, no more, no fewer. */
export type RouteHandlers<N extends RouteName> = { [M in keyof (typeof ROUTES)[N]['operations']]: RouteHandler };

/**
 * Registers a route of the table in core/contract/routes.ts: its path, its methods and, per method, the role the
 * table names, so the role is declared once and the OpenAPI document (generated from the same table) says the
 * same thing the app does.
 */
export function httpRoute<N extends RouteName>(name: N, handlers: RouteHandlers<N>): void {
  const spec = ROUTES[name];
  const operations = spec.operations as Partial<Record<Method, { role: Role }>>;
  const methods = Object.keys(operations) as Method[];
  const byMethod = new Map(
    methods.map((m) => [m, guarded(operations[m]!.role, (handlers as Record<Method, RouteHandler>)[m])]),
  );
  df.app.client.http(name, {
    route: spec.route,
    methods,
    authLevel: 'anonymous',
    // The host routes only the declared methods here, so a handler always exists.
    handler: (req, client, ctx) => byMethod.get(req.method as Method)!(req, client, ctx),
  });
}

export async function readBody(req: HttpRequest, maxBytes = 16_384): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > maxBytes)
    throw new DomainError('body_too_large', `the request body is larger than ${maxBytes} bytes`, 413);
  const text = await req.text();
  if (text.length > maxBytes)
    throw new DomainError('body_too_large', `the request body is larger than ${maxBytes} bytes`, 413);
  return text;
}

/** The configured target a resource route names (`{target}`): 400 for a malformed name, 404 for an unknown one. */
export function targetFromRoute(raw: string | undefined): Target {
  return selectTarget(adapters().config.targets, parseTargetParam(raw));
}
