// Which addresses name this machine. Plain http and the no-auth mode are allowed only there (the local sim,
// Azurite, the devhost, the exec server's default bind), so every such check goes through these two functions.
// No imports: exec/Dockerfile copies this one file into the exec image's build.

const IPV4_LOOPBACK = String.raw`127\.\d{1,3}\.\d{1,3}\.\d{1,3}`;
const LOOPBACK_HOSTNAME = new RegExp(`^(?:${IPV4_LOOPBACK}|localhost|::1)$`);
const LOOPBACK_HTTP = String.raw`^http://(?:${IPV4_LOOPBACK}|localhost|\[::1\])(?::\d+)?`;
const LOOPBACK_HTTP_ORIGIN = new RegExp(`${LOOPBACK_HTTP}$`);
const LOOPBACK_HTTP_URL = new RegExp(`${LOOPBACK_HTTP}(?:/|$)`);

/** A host name or address on this machine: `127.x.y.z`, `localhost` or `::1` (brackets and case ignored). */
export function isLoopbackHostname(host: string): boolean {
  return LOOPBACK_HOSTNAME.test(host.replace(/^\[|\]$/g, '').toLowerCase());
}

/**
 * A plain-http URL on this machine, as written (a setting, not a parsed request): `http://<loopback host>[:port]`
 * followed by a path or nothing — nothing at all when `originOnly`. User info or any other spelling is refused.
 */
export function isLoopbackHttpUrl(url: string, { originOnly = false } = {}): boolean {
  return (originOnly ? LOOPBACK_HTTP_ORIGIN : LOOPBACK_HTTP_URL).test(url);
}
