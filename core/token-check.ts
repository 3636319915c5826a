// How a token rotation checks the live service (docs/security.md#rotation), without I/O: which route it asks, and
// what an answer says about the token it carried.
import { specOperations } from './service-proxy';

/**
 * The route the check asks: the first (in order) GET the live openapi.json declares under `/v1/` without path
 * parameters. The service guards every `/v1/` route with its token, so this one answers 401/403 to a wrong token.
 */
export function tokenCheckPath(spec: unknown): string | null {
  const paths = [...specOperations(spec)]
    .filter(([template, methods]) => methods.has('GET') && template.startsWith('/v1/') && !template.includes('{'))
    .map(([template]) => template)
    .sort();
  return paths[0] ?? null;
}

/**
 * What one answer says about the token it carried: 401/403 refused it; any other answer below 500 got past the
 * token check (a 404 or 422 is the route's own answer); a 5xx or a 429 says nothing about the token.
 */
export function tokenVerdict(status: number): 'accepted' | 'refused' | 'unclear' {
  if (status === 401 || status === 403) return 'refused';
  if (status >= 500 || status === 429 || status < 200) return 'unclear';
  return 'accepted';
}
