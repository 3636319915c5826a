// Building blocks every contract file uses: the formats of names, tags, digests and ids, so each is written once.
import * as z from 'zod/mini';

export const TARGET_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
export const DEPLOY_ID = /^[a-z0-9][a-z0-9-]{0,119}$/;

export const TargetName = z.string().check(z.regex(TARGET_NAME, 'must be a lowercase DNS label'));
export const Tag = z.string().check(z.regex(TAG, 'must be a valid image tag'));
export const Digest = z.string().check(z.regex(DIGEST, 'must be sha256:<64 lowercase hex>'));
export const DeployId = z.string().check(z.regex(DEPLOY_ID, 'has an invalid format'));

/**
 * A field an older server (or one path of this one) leaves out: absent reads as null. The server may omit it;
 * the dashboard always sees `T | null`.
 */
export function omittable<T extends z.core.SomeType>(schema: T) {
  return z._default(z.nullable(schema), null);
}

/**
 * Why an operation on a target's service runs: a deploy's reasons, `rotate_token` (docs/security.md#rotation), and the
 * deploys that start with a step of their own: `rebuild` (an ACR Tasks build first) and `start_cluster` (the stopped
 * cluster started first) — docs/deploy.md#operations; `drift`: the reconcile puts the deployed digest back on a cluster
 * changed outside elb-control (docs/policies.md "Reconcile and drift").
 */
export const DEPLOY_REASONS = [
  'install',
  'update',
  'auto',
  'rollback',
  'rotate_token',
  'rebuild',
  'start_cluster',
  'drift',
] as const;
export const DeployReason = z.enum(DEPLOY_REASONS);
/** What a caller may ask for; `auto` is the registry's. */
export const ManualReason = z.enum(['install', 'update', 'rollback']);
