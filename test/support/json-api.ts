// JSON requests to the app's HTTP API for the end-to-end tests. `apiUrl` is read at each request, so a file can
// make its helpers before `beforeAll` has started the stack. The typed helpers parse every answer with the
// contract's schema (core/contract), so each e2e run also checks the real server against the contract; `raw` is
// only for answers that are deliberately not a contract shape.
import * as z from 'zod/mini';
import { describeIssue } from '../../core/contract/issues';

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

type Schema = z.core.$ZodType;

function jsonPost(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** `body` checked against `schema`; a mismatch throws naming the route, the status, each issue and the body. */
function parseAnswer<S extends Schema>(route: string, status: number, schema: S, body: unknown): z.output<S> {
  const parsed = z.safeParse(schema, body, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => describeIssue(i, 'body'));
  throw new Error(
    `${route}: the HTTP ${status} answer does not match the contract: ${issues.join('; ')}` +
      ` — body ${JSON.stringify(body).slice(0, 2000)}`,
  );
}

export function jsonApi(apiUrl: () => string) {
  /** `path` under the API: the status and the JSON body, whatever the status, unchecked. */
  async function raw(path: string, init?: RequestInit): Promise<JsonAnswer<unknown>> {
    const res = await fetch(`${apiUrl()}${path}`, init);
    return { status: res.status, body: (await res.json()) as unknown };
  }
  /**
   * `path` under the API: the status and the body parsed with `schema`, whatever the status — the caller names the
   * answer it expects (a success schema, or the contract's `ErrorBody` for a refusal).
   */
  async function request<S extends Schema>(
    path: string,
    schema: S,
    init?: RequestInit,
  ): Promise<JsonAnswer<z.output<S>>> {
    const { status, body } = await raw(path, init);
    return { status, body: parseAnswer(`${init?.method ?? 'GET'} ${path}`, status, schema, body) };
  }
  return {
    raw,
    request,
    /** A JSON POST of `body` (`{}` unless given), its answer parsed with `schema`. */
    post: <S extends Schema>(path: string, schema: S, body: unknown = {}) => request(path, schema, jsonPost(body)),
    /** The body of a 2xx answer parsed with `schema`; anything else throws with the status and the text. */
    async ok<S extends Schema>(path: string, schema: S, init?: RequestInit): Promise<z.output<S>> {
      const res = await fetch(`${apiUrl()}${path}`, init);
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return parseAnswer(`${init?.method ?? 'GET'} ${path}`, res.status, schema, await res.json());
    },
  };
}
