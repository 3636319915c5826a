// Managed-identity tokens for the sim, served the way App Service serves them (IDENTITY_ENDPOINT +
// IDENTITY_HEADER, api-version 2019-08-01), which @azure/identity's ManagedIdentityCredential (through MSAL) and
// DefaultAzureCredential pick up from the environment. Tokens are random and opaque (not JWTs): only this sim
// can check them. They expire after `ttlMs`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendArm } from './errors';

/** The Entra application of every AKS API server (the scope the app asks for when it talks to AKS). */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** Names ARM answers to: the public cloud's resource ids, plus the sim's own URL (added by the caller). */
export const ARM_RESOURCES = ['https://management.azure.com', 'https://management.core.windows.net'];

interface Issued {
  resource: string;
  expiresAt: number;
}

export type TokenCheck = 'ok' | 'missing' | 'unknown' | 'expired' | 'wrong_audience';

export class TokenIssuer {
  /** By SHA-256 of the token: the tokens themselves are not kept. */
  private readonly issued = new Map<string, Issued>();
  constructor(
    private readonly ttlMs: number,
    /** Resources tokens may be issued for (normalized: no trailing `/`). */
    private readonly resources: () => string[],
    /** The secret App Service calls IDENTITY_HEADER: only holders of it get tokens. */
    readonly identityHeader: string = randomBytes(24).toString('base64url'),
  ) {}

  issue(resource: string, now = Date.now()): { token: string; expiresAt: number; resource: string } {
    this.prune(now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.ttlMs;
    this.issued.set(hash(token), { resource, expiresAt });
    return { token, expiresAt, resource };
  }

  /** Whether `authorization` (the whole header) carries a live token for one of `audiences`. */
  check(authorization: string | undefined, audiences: string[], now = Date.now()): TokenCheck {
    const m = authorization?.match(/^Bearer ([A-Za-z0-9_-]{1,200})$/);
    if (!authorization) return 'missing';
    if (!m) return 'unknown';
    const t = this.issued.get(hash(m[1]!));
    if (!t) return 'unknown';
    if (t.expiresAt <= now) return 'expired';
    return audiences.includes(t.resource) ? 'ok' : 'wrong_audience';
  }

  /** GET IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R with header X-IDENTITY-HEADER. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const fail = (status: number, error: string, description: string): void =>
      sendArm(res, status, { error, error_description: description });
    if (req.method !== 'GET') return fail(405, 'invalid_request', 'use GET');
    const header = req.headers['x-identity-header'];
    if (typeof header !== 'string' || !sameSecret(header, this.identityHeader))
      return fail(401, 'unauthorized_client', 'the X-IDENTITY-HEADER header is missing or wrong');
    if (url.searchParams.get('api-version') !== '2019-08-01')
      return fail(400, 'invalid_request', 'api-version must be 2019-08-01');
    const resource = normalizeResource(url.searchParams.get('resource') ?? '');
    if (!this.resources().includes(resource))
      return fail(400, 'invalid_resource', `no token is issued here for resource '${resource.slice(0, 200)}'`);
    const issued = this.issue(resource);
    sendArm(res, 200, {
      access_token: issued.token,
      expires_on: String(Math.floor(issued.expiresAt / 1000)),
      resource,
      token_type: 'Bearer',
      client_id: url.searchParams.get('client_id') ?? '00000000-0000-0000-0000-0000000e1b51',
    });
  }

  private prune(now: number): void {
    for (const [k, t] of this.issued) if (t.expiresAt <= now) this.issued.delete(k);
  }
}

/** `https://x/.default` and `https://x/` both name resource `https://x`. */
export function normalizeResource(r: string): string {
  return r.replace(/\/\.default$/, '').replace(/\/+$/, '');
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
