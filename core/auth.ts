// Who may call the API. In Azure the platform (Static Web Apps / App Service auth) puts the signed-in principal in
// `x-ms-client-principal`; mutating routes need `deployer`, reads need `reader` (deployer includes reader). The
// explicit local mode `none` skips roles and serves loopback callers only.
import { AuthMode } from './config';
import { DomainError } from './errors';
import { isLoopbackHostname } from './loopback';

export type Role = 'reader' | 'deployer';

export interface Caller {
  name: string;
  roles: Role[];
}

export function parseClientPrincipal(header: string | null): { name: string; roles: string[] } | null {
  if (!header) return null;
  try {
    const json = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
      userDetails?: unknown;
      userId?: unknown;
      userRoles?: unknown;
      claims?: { typ?: unknown; val?: unknown }[];
    };
    let roles = Array.isArray(json.userRoles) ? json.userRoles.filter((r): r is string => typeof r === 'string') : [];
    // App Service auth lists app roles as `roles` claims instead of userRoles.
    for (const c of json.claims ?? []) if (c.typ === 'roles' && typeof c.val === 'string') roles = [...roles, c.val];
    const name =
      typeof json.userDetails === 'string'
        ? json.userDetails
        : typeof json.userId === 'string'
          ? json.userId
          : 'unknown';
    return { name: name.slice(0, 200), roles };
  } catch {
    return null;
  }
}

/** Whether a request's URL (parsed, so any spelling of the address counts) names this machine. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHostname(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Whether a Host / X-Forwarded-Host value (`name[:port]`) names this machine. */
export function isLoopbackHost(hostHeader: string): boolean {
  return !/[/@?#\s]/.test(hostHeader) && isLoopbackUrl(`http://${hostHeader}/`);
}

/**
 * `hostHeaders` are the request's Host and X-Forwarded-Host values (null when absent). In the no-auth mode each
 * present one must be loopback too: a host that builds the request URL from its own address would otherwise let
 * a browser page on another name (DNS rebinding) or a forwarding proxy through.
 */
export function authorize(
  mode: AuthMode,
  need: Role,
  requestUrl: string,
  principalHeader: string | null,
  hostHeaders: readonly (string | null)[] = [],
): Caller {
  if (mode === 'none') {
    if (!isLoopbackUrl(requestUrl) || hostHeaders.some((h) => h !== null && !isLoopbackHost(h))) {
      throw new DomainError('auth_required', 'ELB_AUTH_MODE=none serves loopback requests only', 403);
    }
    return { name: 'local', roles: ['reader', 'deployer'] };
  }
  const principal = parseClientPrincipal(principalHeader);
  if (!principal) throw new DomainError('unauthenticated', 'sign in first', 401);
  const roles: Role[] = [];
  if (principal.roles.includes('deployer')) roles.push('deployer', 'reader');
  else if (principal.roles.includes('reader')) roles.push('reader');
  if (!roles.includes(need)) throw new DomainError('forbidden', `the ${need} role is required`, 403);
  return { name: principal.name, roles };
}

/** Refuses the no-auth mode where it could be reached from outside (running in Azure App Service / Functions). */
export function assertAuthModeAllowed(mode: AuthMode, env: Readonly<Record<string, string | undefined>>): void {
  if (mode === 'none' && (env.WEBSITE_INSTANCE_ID || env.CONTAINER_APP_NAME)) {
    throw new DomainError(
      'invalid_settings',
      'ELB_AUTH_MODE=none is for local runs only; it refuses to start in Azure',
      500,
    );
  }
  assertPlatformAuthEnabled(mode, env);
}

/**
 * In platform mode the roles come from `x-ms-client-principal`, which only the platform's authentication layer can
 * vouch for (it strips client-sent copies). Without that layer anyone could send the header, so the app refuses to
 * serve unless the platform reports it on (docs/api.md#who-may-call).
 */
export function assertPlatformAuthEnabled(mode: AuthMode, env: Readonly<Record<string, string | undefined>>): void {
  if (mode === 'platform' && (env.WEBSITE_AUTH_ENABLED ?? '').toLowerCase() !== 'true') {
    throw new DomainError(
      'platform_auth_disabled',
      'ELB_AUTH_MODE=platform needs the platform authentication in front of the app (WEBSITE_AUTH_ENABLED is not true)',
      503,
    );
  }
}

export interface WriteRequestHeaders {
  method: string;
  contentType: string | null;
  origin: string | null;
  secFetchSite: string | null;
  /** The origin the request was addressed to (scheme://host[:port] of its URL). */
  ownOrigin: string;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site writes (docs/api.md#cross-site-requests). Every mutating request must be JSON: a browser can send
 * `text/plain` or a form to any site without asking, but `application/json` from another origin needs a CORS
 * preflight this API never approves. In the no-auth mode, where no sign-in cookie stands between a web page and
 * the API, a browser's `Origin` must also be the dashboard's or the API's own.
 */
export function assertSameSiteWrite(
  mode: AuthMode,
  req: WriteRequestHeaders,
  dashboardOrigins: readonly string[],
): void {
  if (!WRITE_METHODS.has(req.method.toUpperCase())) return;
  const type = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new DomainError('unsupported_media_type', 'mutating requests must send Content-Type: application/json', 415);
  }
  if (mode !== 'none') return;
  if (req.secFetchSite?.toLowerCase() === 'cross-site') {
    throw new DomainError('cross_origin', 'cross-site requests are refused', 403);
  }
  if (req.origin === null) return;
  const allowed = new Set([req.ownOrigin, ...dashboardOrigins].map((o) => o.toLowerCase()));
  if (!allowed.has(req.origin.toLowerCase())) {
    throw new DomainError('cross_origin', 'requests from another origin are refused', 403);
  }
}
