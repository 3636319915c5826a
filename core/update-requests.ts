// What arrives at the approval and policy routes (docs/api.md "Update policy and approvals"), checked with the
// contract's schemas: a decision carries only an optional comment (who decides comes from the sign-in, what is decided
// from the route), a policy is a whole UpdatePolicy. Every failure is a 400 with a code naming the field.
import type * as z from 'zod/mini';
import { UpdatePolicy } from './contract/policy';
import { CheckedUpdatePolicy } from './contract/settings';
import { DecisionBody } from './contract/update';
import { DomainError } from './errors';
import { validate, type Issue } from './validate';

const fieldCode = (issue: Issue) =>
  issue.code === 'unrecognized_keys'
    ? 'unknown_field'
    : issue.path.length === 0
      ? 'invalid_body'
      : `invalid_${String(issue.path[0])}`;

function jsonBody(rawBody: string, emptyIs: unknown): unknown {
  if (rawBody.trim() === '') return emptyIs;
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new DomainError('invalid_json', 'the request body is not valid JSON', 400);
  }
}

/** `{comment?}`; an empty body or an empty comment is no comment. */
export function parseDecisionRequest(rawBody: string): { comment: string | null } {
  const body = validate(DecisionBody, jsonBody(rawBody, {}), fieldCode);
  const comment = body.comment?.trim() ?? '';
  return { comment: comment === '' ? null : comment };
}

/** A whole policy; fields left out take their defaults (docs/policies.md "Update policy"). A body is required. */
export function parsePolicyRequest(rawBody: string): z.output<typeof UpdatePolicy> {
  const body = jsonBody(rawBody, undefined);
  if (body === undefined) throw new DomainError('invalid_body', 'the request body must be an update policy', 400);
  return validate(CheckedUpdatePolicy, body, fieldCode);
}
