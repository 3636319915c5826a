// The exec server's routes, decided from the request-target and method alone. Pure: anything that is not one of
// these four is 404 not_found; a known path with another method is 405 with Allow.
export type Route =
  | { kind: 'healthz' }
  | { kind: 'exec'; streaming: boolean }
  | { kind: 'cancel'; id: string }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: string };

export function routeOf(target: string | undefined, method: string | undefined): Route {
  // Only origin-form targets name a route; `*`, absolute-form and anything odd fall through to 404.
  const pathname = (target ?? '').split('?')[0] as string;
  const only = (allow: string[], route: Route): Route =>
    allow.includes(method ?? '') ? route : { kind: 'method_not_allowed', allow: allow.join(', ') };
  if (pathname === '/healthz') return only(['GET', 'HEAD'], { kind: 'healthz' });
  if (pathname === '/exec' || pathname === '/exec/stream') {
    return only(['POST'], { kind: 'exec', streaming: pathname === '/exec/stream' });
  }
  const cancel = /^\/exec\/([^/]+)$/.exec(pathname);
  if (cancel) return only(['DELETE'], { kind: 'cancel', id: decodeSafe(cancel[1] as string) });
  return { kind: 'not_found' };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // not a valid escape: no request can have that id, so the lookup answers 404
  }
}
