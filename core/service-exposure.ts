// How the elb-openapi Service is exposed, derived from what the cluster says about it: the load balancer's
// annotations, the address it was given and the port's declared protocol. The rules are in docs/api.md
// ("Service exposure"); the dashboard reuses `addressRange` for the page's own host (docs/dashboard.md).
// No imports: the dashboard bundles this file.

/** The annotation that makes an Azure load balancer internal (a private frontend address in the cluster's VNet). */
export const INTERNAL_LB_ANNOTATION = 'service.beta.kubernetes.io/azure-load-balancer-internal';

/** Where an address lies: this machine, a private network (RFC 1918 and kin), the internet, or a DNS name. */
export type AddressRange = 'loopback' | 'private' | 'public' | 'name';
/** How the Service is reached: from this machine only (the local sim), inside a private network, or publicly. */
export type Exposure = 'loopback' | 'internal' | 'public';
export type Scheme = 'http' | 'https';

function ipv4(address: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function ipv4Range(octets: readonly number[]): AddressRange {
  const [a = 0, b = 0] = octets;
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private'; // RFC 1918
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // RFC 6598 shared (carrier-grade NAT) space
  if (a === 169 && b === 254) return 'private'; // link-local
  if (a === 0) return 'private'; // "this network": never a routable destination
  return 'public';
}

function ipv6Range(address: string): AddressRange | null {
  if (!address.includes(':') || !/^[0-9a-f:.]+$/.test(address)) return null;
  if (address === '::1') return 'loopback';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) {
    const v4 = ipv4(mapped[1]!);
    return v4 ? ipv4Range(v4) : null;
  }
  const first = parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return 'private'; // fe80::/10 link-local
  if (address === '::') return 'private';
  return 'public';
}

/**
 * The range of a load balancer address or a page's host name (brackets and case ignored). `localhost` names are
 * loopback; any other name is `name`: where it resolves to is not known here.
 */
export function addressRange(address: string): AddressRange {
  const host = address
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  const v4 = ipv4(host);
  if (v4) return ipv4Range(v4);
  const v6 = ipv6Range(host);
  if (v6) return v6;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'name';
}

/**
 * How the Service is exposed. A loopback address is the local sim. Otherwise the internal-LB annotation decides
 * (it is the cloud's instruction; an internal LB never gets a public address), and without it the address range
 * does: a private address is internal whatever made it so. null while a Service without the annotation has no
 * address yet (nothing says which it will be), or when there is no Service.
 */
export function serviceExposure(service: {
  annotations: Record<string, string>;
  address: string | null;
}): Exposure | null {
  const range = service.address ? addressRange(service.address) : null;
  if (range === 'loopback') return 'loopback';
  if (service.annotations[INTERNAL_LB_ANNOTATION]?.trim().toLowerCase() === 'true') return 'internal';
  if (range === 'private') return 'internal';
  if (range === 'public' || range === 'name') return 'public';
  return null;
}

/**
 * The scheme the Service's first port speaks, as the Service declares it: `https` when its `appProtocol` or its
 * name says so (Kubernetes' own convention), else `http`. A port number alone (443) proves nothing: elb-control
 * itself names its port `http` whatever number it has.
 */
export function serviceScheme(port: { name?: string | null; appProtocol?: string | null } | null): Scheme {
  const declared = (port?.appProtocol ?? port?.name ?? '').toLowerCase();
  return declared === 'https' || declared.startsWith('https-') ? 'https' : 'http';
}
