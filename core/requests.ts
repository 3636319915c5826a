// Validation of what arrives over HTTP: bodies, route parameters and queries, with the contract's schemas
// (core/contract/requests.ts). Every failure is a 400 with a code.
import { CancelQuery, DeployId, DeployRequestBody, HistoryQuery, ServiceIpQuery, TargetName } from './contract';
import type { DeployReason } from './deploy-model';
import { DomainError } from './errors';
import { validate } from './validate';

export interface DeployRequest {
  target: string | null;
  tag: string | null;
  digest: string | null;
  /** install | update | rollback; null → decided from what is deployed. */
  reason: Exclude<DeployReason, 'auto'> | null;
}

function bad(code: string, message: string): never {
  throw new DomainError(code, message, 400);
}

/** Parses a deploy body. An empty body is `{}`. `routeTarget` (resource-style routes) wins over the body. */
export function parseDeployRequest(rawBody: string, routeTarget: string | null = null): DeployRequest {
  let body: unknown = {};
  if (rawBody.trim() !== '') {
    if (rawBody.length > 16_384) bad('body_too_large', 'the request body is larger than 16 KiB');
    try {
      body = JSON.parse(rawBody);
    } catch {
      bad('invalid_json', 'the request body is not valid JSON');
    }
  }
  // '' means "not given" (docs/api.md); anything else is checked as it is.
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== ''));
  const o = validate(DeployRequestBody, body, (issue) =>
    issue.code === 'unrecognized_keys'
      ? 'unknown_field'
      : issue.path.length === 0
        ? 'invalid_body'
        : `invalid_${String(issue.path[0])}`,
  );
  let target = o.target || null;
  if (routeTarget !== null) {
    if (target !== null && target !== routeTarget)
      bad('target_mismatch', 'the body names a different target than the URL');
    target = routeTarget;
  }
  return { target, tag: o.tag || null, digest: o.digest || null, reason: o.reason || null };
}

export function parseDeployId(id: string | undefined): string {
  return validate(DeployId, id ?? '', () => 'invalid_deploy_id', { prefix: 'the deploy id' });
}

export function parseTargetParam(name: string | undefined | null): string {
  return validate(TargetName, name ?? '', () => 'invalid_target', { prefix: 'the target' });
}

export function optionalTargetQuery(value: string | null): string | null {
  if (value === null || value === '') return null;
  return parseTargetParam(value);
}

export function parseServiceName(value: string | null): string {
  if (value === null || value === '') bad('service_name_required', 'service_name is required');
  return validate(ServiceIpQuery.shape.service_name, value, () => 'unknown_service', { prefix: 'service_name' });
}

export function parseLimit(value: string | null, dflt: number, max: number): number {
  if (value === null || value === '') return dflt;
  const limit = validate(HistoryQuery.shape.limit, value, () => 'invalid_limit', { prefix: 'limit' });
  const n = Number(limit);
  if (n > max) bad('invalid_limit', `limit must be an integer between 1 and ${max}`);
  return n;
}

export function parseCancelMode(value: string | null): 'cancel' | 'terminate' {
  if (value === null || value === '') return 'cancel';
  return validate(CancelQuery.shape.mode, value, () => 'invalid_mode', { prefix: 'mode' }) ?? 'cancel';
}
