// Whether the browser showing the page can open the service's Swagger UI itself, decided from the summary's
// `service.exposure` / `address_range` and the page's own host (docs/dashboard.md "Is the service reachable from
// the browser"). A page cannot probe a private address without tripping the browser's private-network checks, so
// the rule is about where the page is served from, not a request.
import { addressRange } from '../../../core/service-exposure.js';
import type { ServiceState } from '../api/types.js';

export type SwaggerAccess =
  /** No address (not installed, no LoadBalancer address yet, or the cluster could not be read). */
  | { kind: 'no_address' }
  /** The browser can open the Swagger UI at `url`. */
  | { kind: 'link'; url: string }
  /** The service listens on the loopback of the machine running the sim; this page is served from elsewhere. */
  | { kind: 'loopback_elsewhere' }
  /** The service has a private (internal LB) address; this page is not served from a private network. */
  | { kind: 'private' };

/**
 * - public exposure: the link (http or https; the scheme chip says which).
 * - loopback: the link only when the page itself is served from loopback (the local stack).
 * - internal: the link only when the page itself is served from a private address, i.e. the browser is inside a
 *   private network already. A page on a public name or on loopback is not: the address is shown to copy (from
 *   a VPN it may work), but the page does not offer a link it cannot stand behind.
 */
export function swaggerAccess(service: ServiceState, pageHost: string): SwaggerAccess {
  const url = service.swagger_url;
  if (!url || !service.external_ip) return { kind: 'no_address' };
  const page = addressRange(pageHost);
  switch (service.exposure) {
    case 'public':
      return { kind: 'link', url };
    case 'loopback':
      return page === 'loopback' ? { kind: 'link', url } : { kind: 'loopback_elsewhere' };
    default:
      // Internal — or not known, which the server never says of a Service with an address: no link on a guess.
      return page === 'private' ? { kind: 'link', url } : { kind: 'private' };
  }
}

/** The exposure chip's words. */
export function exposureLabel(exposure: ServiceState['exposure']): string | null {
  switch (exposure) {
    case 'internal':
      return 'Internal LB';
    case 'public':
      return 'Public LB';
    case 'loopback':
      return 'Local (loopback)';
    default:
      return null;
  }
}

/** The version pill: `v3.4.0 · image 3.4` (the live spec's version first, the recorded one otherwise). */
export function versionPill(apiVersion: string | null, imageTag: string | null): string | null {
  const parts = [
    apiVersion ? (/^\d/.test(apiVersion) ? `v${apiVersion}` : apiVersion) : null,
    imageTag ? `image ${imageTag}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(' · ') : null;
}
