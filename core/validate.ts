// Validation at the server's boundary with the contract's schemas (core/contract): the first problem becomes a
// DomainError whose code the caller picks from the issue, and whose message names the field.
import * as z from 'zod/mini';
import { describeIssue, innermost, issueText, pathText } from './contract/issues';
import { DomainError } from './errors';

export type Issue = z.core.$ZodIssue;

/**
 * Parses `value` with `schema`; on failure throws `DomainError(code(issue), "path: what is wrong", status)` for the
 * first issue (an unknown field first, so a typo is named rather than a consequence of it).
 */
export function validate<S extends z.core.$ZodType>(
  schema: S,
  value: unknown,
  code: (issue: Issue) => string,
  /** `prefix` names the value in messages (`targets` → "targets[0].name: …"); none for a request body's fields. */
  options: { status?: number; prefix?: string } = {},
): z.output<S> {
  // reportInput: so a wrong type ("must be a string") is told from a missing field ("is missing").
  const result = z.safeParse(schema, value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = innermost(issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!);
  const message = options.prefix
    ? describeIssue(first, options.prefix)
    : first.path.length === 0
      ? describeIssue(first, 'the request body')
      : `${pathText(first.path)}: ${issueText(first)}`;
  throw new DomainError(code(first), message, options.status ?? 400);
}
