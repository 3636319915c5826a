// JSON requests to the app's HTTP API for the end-to-end tests. `apiUrl` is read at each request, so a file can
// make its helpers before `beforeAll` has started the stack.

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

export function jsonApi(apiUrl: () => string) {
  /** `path` under the API: the status and the parsed body, whatever the status. */
  async function request<T>(path: string, init?: RequestInit): Promise<JsonAnswer<T>> {
    const res = await fetch(`${apiUrl()}${path}`, init);
    return { status: res.status, body: (await res.json()) as T };
  }
  return {
    request,
    /** A JSON POST of `body` (`{}` unless given). */
    post: <T>(path: string, body: unknown = {}) =>
      request<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    /** The parsed body of a 2xx answer; anything else throws with the status and the text. */
    async ok<T>(path: string, init?: RequestInit): Promise<T> {
      const res = await fetch(`${apiUrl()}${path}`, init);
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}
