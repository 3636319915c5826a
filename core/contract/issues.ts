// Turns a schema's failures into one clear sentence that names the field ("targets[0].rbac.scope: must be one of
// namespace, cluster"). The server puts it in its `{code, message}` errors; the dashboard in `bad_response`. zod's
// own English messages are not loaded (zod/mini leaves them out to stay small), so every sentence is made here.
import type * as z from 'zod/mini';

type Issue = z.core.$ZodIssue;

/** `a.b[0].c` for a path; '' for the root. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

const GENERIC = 'Invalid input';

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * The issue to report: for a union that no option matched, the problem of the option that got furthest (its path
 * appended), so `rbac.scope: must be one of …` is said rather than "matches none of the allowed shapes".
 */
export function innermost(issue: Issue): Issue {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const firsts = issue.errors.map((e) => e[0]).filter((e): e is Issue => e !== undefined);
    const best = firsts.reduce((a, b) => (b.path.length > a.path.length ? b : a));
    if (best.path.length > 0) return innermost({ ...best, path: [...issue.path, ...best.path] });
  }
  // A record key that fails: zod reports it at the key's path, what is wrong in the inner issue.
  if (issue.code === 'invalid_key' && issue.issues[0]) return { ...issue.issues[0], path: issue.path };
  return issue;
}

/** What is wrong, without the path. A message the schema set itself wins. */
export function issueText(issue: Issue): string {
  if (issue.message && issue.message !== GENERIC) return issue.message;
  // Parsed with `reportInput`, an issue carries the value it refused: none at all means the field is absent.
  const missing = 'input' in issue && issue.input === undefined;
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return 'is missing';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(issue.expected)}`;
    case 'unrecognized_keys':
      return `has unknown field(s): ${issue.keys.slice(0, 10).join(', ')}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'set'
        ? `must have at most ${String(issue.maximum)} items`
        : issue.origin === 'string'
          ? `must be at most ${String(issue.maximum)} characters`
          : `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'set'
        ? `must have at least ${String(issue.minimum)} item(s)`
        : issue.origin === 'string'
          ? `must not be empty`
          : `must be at least ${String(issue.minimum)}`;
    case 'invalid_format':
      return `has an invalid value`;
    case 'invalid_union':
      return 'matches none of the allowed shapes';
    default:
      return 'has an invalid value';
  }
}

/**
 * The issue as `path: what is wrong`. `prefix` names the document (`targets` → `targets[0].name: …`); an issue of
 * the whole value reads `<prefix> <what is wrong>`, e.g. "the request body must be an object".
 */
export function describeIssue(reported: Issue, prefix = 'the value'): string {
  const issue = innermost(reported);
  const path = pathText(issue.path);
  if (!path) return `${prefix} ${issueText(issue)}`;
  return `${path.startsWith('[') ? prefix : `${prefix}.`}${path}: ${issueText(issue)}`;
}
