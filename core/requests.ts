// Validation of what arrives over HTTP: bodies, route parameters and queries. Every failure is a 400 with a code.
import { DEPLOY_REASONS, DeployReason } from './deploy-model';
import { DomainError } from './errors';
import { isValidDigest, isValidTag } from './image';
import { isValidTargetName } from './targets';

export interface DeployRequest {
  target: string | null;
  tag: string | null;
  digest: string | null;
  /** install | update | rollback; null → decided from what is deployed. */
  reason: Exclude<DeployReason, 'auto'> | null;
}

const DEPLOY_KEYS = new Set(['target', 'tag', 'digest', 'reason']);
const MANUAL_REASONS = DEPLOY_REASONS.filter((r) => r !== 'auto');
const ID = /^[a-z0-9][a-z0-9-]{0,119}$/;

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
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    bad('invalid_body', 'the request body must be a JSON object');
  const o = body as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !DEPLOY_KEYS.has(k));
  if (unknown.length > 0) bad('unknown_field', `unknown field(s): ${unknown.join(', ')}`);

  const opt = (key: string): string | null => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') bad(`invalid_${key}`, `"${key}" must be a string`);
    return v;
  };
  let target = opt('target');
  if (target !== null && !isValidTargetName(target)) bad('invalid_target', 'target must be a lowercase DNS label');
  if (routeTarget !== null) {
    if (target !== null && target !== routeTarget)
      bad('target_mismatch', 'the body names a different target than the URL');
    target = routeTarget;
  }
  const tag = opt('tag');
  if (tag !== null && !isValidTag(tag)) bad('invalid_tag', 'tag must be a valid image tag');
  const digest = opt('digest');
  if (digest !== null && !isValidDigest(digest)) bad('invalid_digest', 'digest must be sha256:<64 lowercase hex>');
  const reason = opt('reason');
  if (reason !== null && !(MANUAL_REASONS as readonly string[]).includes(reason)) {
    bad('invalid_reason', `reason must be one of: ${MANUAL_REASONS.join(', ')}`);
  }
  return { target, tag, digest, reason: reason as DeployRequest['reason'] };
}

export function parseDeployId(id: string | undefined): string {
  if (!id || !ID.test(id)) bad('invalid_deploy_id', 'the deploy id has an invalid format');
  return id;
}

export function parseTargetParam(name: string | undefined | null): string {
  if (!name || !isValidTargetName(name)) bad('invalid_target', 'target must be a lowercase DNS label');
  return name;
}

export function optionalTargetQuery(value: string | null): string | null {
  if (value === null || value === '') return null;
  return parseTargetParam(value);
}

export function parseServiceName(value: string | null): string {
  if (value === null || value === '') bad('service_name_required', 'service_name is required');
  if (value !== 'elb-openapi') bad('unknown_service', 'only service_name=elb-openapi is managed here');
  return value;
}

export function parseLimit(value: string | null, dflt: number, max: number): number {
  if (value === null || value === '') return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) bad('invalid_limit', `limit must be an integer between 1 and ${max}`);
  return n;
}

export function parseCancelMode(value: string | null): 'cancel' | 'terminate' {
  if (value === null || value === '' || value === 'cancel') return 'cancel';
  if (value === 'terminate') return 'terminate';
  return bad('invalid_mode', 'mode must be "cancel" or "terminate"');
}
