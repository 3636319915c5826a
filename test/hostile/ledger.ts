// The hostile suite's record of every request it sent and what came back, with the checks every answer must pass:
// an answer at all, no 5xx, an error body that
// is JSON with a `code`, no secret in it — plus each case's own expectation. Failures are grouped so one broken rule
// reads as one line with a reproduction, not as a thousand.
import { rawExchange, type RawOutcome, type RawResponse } from '../support/raw-socket';

/** The part of the stack a case is aimed at. */
export type Part = 'devhost' | 'api' | 'durable' | 'eventgrid' | 'exec-local' | 'exec-production' | 'sim' | 'web';

export interface Expectation {
  /** Says what is expected, for failure lines. */
  describe: string;
  /** A problem with this response, or undefined when it is as expected. */
  check(res: RawResponse, body: unknown): string | undefined;
}

export interface Case {
  part: Part;
  /** What was tried, e.g. "cross-site start" — failures are grouped by it. */
  kind: string;
  /** The variant within the kind (which key, which command), shown with the reproduction. */
  detail?: string;
  port: number;
  bytes: Buffer;
  /** A HEAD request: its answer has no body to check. */
  head?: boolean;
  expect?: Expectation;
  /**
   * What an error body must be: `code` (JSON with a string code), `sim` (also the Kubernetes `Status` and registry
   * `errors[]` shapes), `any` (a server not ours, e.g. Vite: only crashes, 5xx and leaks are checked).
   */
  errorShape?: 'code' | 'sim' | 'any';
  timeoutMs?: number;
  /**
   * A read that reaches the cluster or the registry may truthfully answer 502/503 with one of these codes when that
   * dependency is slow (a busy machine); any other 5xx still fails.
   */
  dependencyCodes?: string[];
  /** An oversize body: the server may refuse it by cutting the connection while it is still being sent. */
  cutOffOk?: boolean;
  later?: Array<{ afterMs: number; bytes: Buffer }>;
}

export interface Result {
  c: Case;
  outcome: RawOutcome;
  problems: string[];
}

/** JSON body of a response, or undefined when it is not JSON. */
export function jsonBody(res: RawResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function hasErrorCode(body: unknown, shape: 'code' | 'sim' | 'any'): boolean {
  if (shape === 'any') return true;
  if (typeof body !== 'object' || body === null) return false;
  const b = body as { code?: unknown; errors?: Array<{ code?: unknown }> };
  if (typeof b.code === 'string' && b.code !== '') return true;
  if (shape === 'sim') return typeof b.code === 'number' || typeof b.errors?.[0]?.code === 'string';
  return false;
}

/** The checks every answer must pass, then the case's own expectation. */
export function check(c: Case, outcome: RawOutcome, secrets: string[]): string[] {
  const res = outcome.response;
  if (!res) {
    if (c.cutOffOk && (outcome.error === 'EPIPE' || outcome.error === 'ECONNRESET')) return [];
    return [`no answer (${outcome.error ?? 'none'} after ${outcome.ms} ms)`];
  }
  const problems: string[] = [];
  const body = jsonBody(res);
  if (res.status === 0) problems.push('the answer is not HTTP');
  const code = (body as { code?: unknown } | undefined)?.code;
  const dependency = (res.status === 502 || res.status === 503) && c.dependencyCodes?.includes(String(code));
  if (res.status >= 500 && !dependency) problems.push(`5xx (${res.status})`);
  if (res.status >= 400 && !c.head && !hasErrorCode(body, c.errorShape ?? 'code'))
    problems.push(
      res.body.length === 0 ? `error ${res.status} with an empty body` : `error ${res.status} without a JSON code`,
    );
  const text = `${JSON.stringify(res.headers)}\n${res.body.toString('latin1')}`;
  if (secrets.some((s) => s.length >= 8 && text.includes(s))) problems.push('a secret appears in the answer');
  if (c.expect && res.status > 0) {
    const p = c.expect.check(res, body);
    if (p) problems.push(`expected ${c.expect.describe}: ${p}`);
  }
  return problems;
}

/** Sends every case (at most `concurrency` at once) and checks each answer. */
export async function runCases(cases: Case[], secrets: string[], concurrency = 4): Promise<Result[]> {
  const results: Result[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      const outcome = await rawExchange(c.port, c.bytes, {
        timeoutMs: c.timeoutMs ?? 10_000,
        head: c.head,
        later: c.later,
      });
      results[i] = { c, outcome, problems: check(c, outcome, secrets) };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** Printable excerpt of bytes: control and non-ASCII bytes escaped, long text cut in the middle. */
export function printable(data: Buffer, max = 400): string {
  let s = '';
  for (const b of data) {
    if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b < 0x20 || b >= 0x7f) s += `\\x${b.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(b);
  }
  return s.length <= max ? s : `${s.slice(0, max - 60)} …(${s.length} chars)… ${s.slice(-40)}`;
}

export function describeResponse(outcome: RawOutcome): string {
  const res = outcome.response;
  if (!res) return `no answer: ${outcome.error} after ${outcome.ms} ms`;
  const ct = res.headers['content-type'] ? ` content-type=${res.headers['content-type']}` : '';
  return `${res.status}${ct} body=${printable(res.body, 240) || '(empty)'} (${outcome.ms} ms)`;
}

/**
 * One line per (part, kind, problem) with its count and the first reproduction, or '' when nothing failed.
 * Secrets are masked in the reproductions.
 */
export function report(results: Result[], secrets: string[] = []): string {
  const groups = new Map<string, { count: number; first: Result }>();
  for (const r of results) {
    for (const p of r.problems) {
      const key = `[${r.c.part}] ${r.c.kind}: ${p.replace(/after \d+ ms/g, 'after N ms').slice(0, 160)}`;
      const g = groups.get(key);
      if (g) g.count++;
      else groups.set(key, { count: 1, first: r });
    }
  }
  if (groups.size === 0) return '';
  const mask = (s: string) =>
    secrets.reduce((acc, sec) => (sec.length >= 8 ? acc.split(sec).join('<secret>') : acc), s);
  const failed = results.filter((r) => r.problems.length > 0).length;
  const lines = [`${failed} of ${results.length} requests failed a check:`];
  for (const [key, g] of groups) {
    lines.push(`- ${key} ×${g.count}${g.first.c.detail ? ` (first: ${g.first.c.detail})` : ''}`);
    lines.push(`    request:  ${mask(printable(g.first.c.bytes))}`);
    lines.push(`    response: ${mask(describeResponse(g.first.outcome))}`);
  }
  return lines.join('\n');
}

// Expectations the case generators share.

export function statusIn(...statuses: number[]): Expectation {
  return {
    describe: `status ${statuses.join('|')}`,
    check: (res) => (statuses.includes(res.status) ? undefined : `got ${res.status}`),
  };
}

export function refusedWith(status: number, code: string): Expectation {
  return {
    describe: `${status} ${code}`,
    check: (res, body) => {
      const got = (body as { code?: unknown } | undefined)?.code;
      return res.status === status && got === code ? undefined : `got ${res.status} ${String(got)}`;
    },
  };
}

/** Any refusal: a 4xx (not a 2xx/3xx that might have acted, not a 5xx). */
export const refused: Expectation = {
  describe: 'a 4xx refusal',
  check: (res) => (res.status >= 400 && res.status < 500 ? undefined : `got ${res.status}`),
};

/** Refused for want of a key: 401 or 403. */
export const keyRequired: Expectation = {
  describe: '401/403 (key required)',
  check: (res) => (res.status === 401 || res.status === 403 ? undefined : `got ${res.status}`),
};

export const methodNotAllowed: Expectation = {
  describe: '405 method_not_allowed with Allow',
  check: (res, body) => {
    const code = (body as { code?: unknown } | undefined)?.code;
    if (res.status !== 405 || code !== 'method_not_allowed') return `got ${res.status} ${String(code)}`;
    return res.headers.allow ? undefined : 'no Allow header';
  },
};
