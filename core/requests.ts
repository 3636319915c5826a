// Validation of what arrives over HTTP: bodies, route parameters and queries, with the contract's schemas
// (core/contract/requests.ts). Every failure is a 400 with a code.
import {
  CancelQuery,
  ClusterStartBody,
  DeployId,
  DeployRequestBody,
  RebuildRequestBody,
  HistoryQuery,
  ServiceIpQuery,
  TargetName,
  TokenRotateBody,
} from './contract';
import type { DeployReason } from './deploy-model';
import { DomainError } from './errors';
import { clusterRef, type ClusterRef } from './seed-compat';
import { validate, type Issue } from './validate';
import type * as z from 'zod/mini';

export interface DeployRequest {
  target: string | null;
  tag: string | null;
  digest: string | null;
  /** install | update | rollback; null → decided from what is deployed. */
  reason: Exclude<DeployReason, 'auto'> | null;
  /** The cluster an old client names (`cluster_name`, `resource_group`, `subscription_id`); core/seed-compat.ts. */
  cluster: ClusterRef | null;
  /** The registry an old client names; checked against the configured registry. */
  acrName: string | null;
  acrResourceGroup: string | null;
  /** Old fields accepted but without effect here, named in the answer (docs/api.md "Seed-compatible calls"). */
  ignoredFields: string[];
  /** Why this deploy may run outside the target's maintenance window; null when none was given. */
  overrideWindow: string | null;
}

/** Old deploy fields that have no effect here; docs/api.md says why for each. */
const IGNORED_DEPLOY_FIELDS = ['storage_account', 'storage_resource_group', 'confirm_recreate'] as const;

const fieldCode = (issue: Issue) =>
  issue.code === 'unrecognized_keys'
    ? 'unknown_field'
    : issue.path.length === 0
      ? 'invalid_body'
      : `invalid_${String(issue.path[0])}`;

function bad(code: string, message: string): never {
  throw new DomainError(code, message, 400);
}

/** A JSON body, or `{}` when there is none. */
function jsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') return {};
  if (rawBody.length > 16_384) bad('body_too_large', 'the request body is larger than 16 KiB');
  try {
    return JSON.parse(rawBody);
  } catch {
    bad('invalid_json', 'the request body is not valid JSON');
  }
}

/** The body of a token rotation: empty or `{}` (there is nothing to choose). */
export function parseTokenRotateRequest(rawBody: string): void {
  validate(TokenRotateBody, jsonBody(rawBody), (issue) =>
    issue.code === 'unrecognized_keys' ? 'unknown_field' : 'invalid_body',
  );
}

/** Start cluster's body: empty or `{}` (docs/api.md). */
export function parseClusterStartRequest(rawBody: string): void {
  validate(ClusterStartBody, jsonBody(rawBody), (issue) =>
    issue.code === 'unrecognized_keys' ? 'unknown_field' : 'invalid_body',
  );
}

/** A deploy's or a rebuild's JSON body, checked: `''` means "not given" (docs/api.md). */
function operationBody<S extends z.core.$ZodType>(schema: S, rawBody: string): z.output<S> {
  let body = jsonBody(rawBody);
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== ''));
  return validate(schema, body, fieldCode);
}

/** The target a body names, unless a resource route's URL names it (which wins, and must agree). */
function bodyTarget(target: string | null | undefined, routeTarget: string | null): string | null {
  if (routeTarget === null) return target || null;
  if (target && target !== routeTarget) bad('target_mismatch', 'the body names a different target than the URL');
  return routeTarget;
}

export interface RebuildRequest extends Omit<DeployRequest, 'tag' | 'digest' | 'reason' | 'overrideWindow'> {
  dryRun: boolean;
}

/** Parses a rebuild body (docs/deploy.md#rebuild--deploy). An empty body is `{}`. */
export function parseRebuildRequest(rawBody: string, routeTarget: string | null = null): RebuildRequest {
  const o = operationBody(RebuildRequestBody, rawBody);
  return {
    target: bodyTarget(o.target, routeTarget),
    cluster: clusterRef(o),
    acrName: o.acr_name ?? null,
    acrResourceGroup: o.acr_resource_group ?? null,
    ignoredFields: IGNORED_DEPLOY_FIELDS.filter((f) => o[f] !== undefined),
    dryRun: o.dry_run === true,
  };
}

/** Parses a deploy body. An empty body is `{}`. `routeTarget` (resource-style routes) wins over the body. */
export function parseDeployRequest(rawBody: string, routeTarget: string | null = null): DeployRequest {
  const o = operationBody(DeployRequestBody, rawBody);
  return {
    target: bodyTarget(o.target, routeTarget),
    tag: o.tag || null,
    digest: o.digest || null,
    reason: o.reason || null,
    cluster: clusterRef(o),
    acrName: o.acr_name ?? null,
    acrResourceGroup: o.acr_resource_group ?? null,
    ignoredFields: IGNORED_DEPLOY_FIELDS.filter((f) => o[f] !== undefined),
    overrideWindow: o.override_window?.reason.trim() ?? null,
  };
}

/**
 * The fields of a query schema read from a query string: '' counts as absent (as in a body), a field given twice
 * with different values is 400 `invalid_<field>`, other parameters are left alone.
 */
export function parseQuery<S extends z.ZodMiniObject>(schema: S, query: URLSearchParams): z.output<S> {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const values = [...new Set(query.getAll(key).filter((v) => v !== ''))];
    if (values.length > 1) bad(`invalid_${key}`, `${key}: given more than once with different values`);
    if (values.length === 1) picked[key] = values[0]!;
  }
  return validate(schema, picked, fieldCode);
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

export function parseCancelMode(query: URLSearchParams): 'cancel' | 'terminate' {
  // Read like every query field (parseQuery): `mode=cancel&mode=terminate` is ambiguous, so 400, not the first.
  return parseQuery(CancelQuery, query).mode ?? 'cancel';
}
