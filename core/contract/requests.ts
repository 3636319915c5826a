// What a caller sends: the deploy body, the route parameters and the queries. Unknown body fields are refused
// (`unknown_field`): a typo such as `tagg` must not silently deploy the pin.
import * as z from 'zod/mini';
import { DeployId, Digest, ManualReason, Tag, TargetName } from './primitives';
import { SEED_CLUSTER_FIELDS, SEED_DEPLOY_FIELDS } from './seed';
import { WindowOverrideBody } from './update';

const orEmpty = <T extends z.core.SomeType>(schema: T) => z.optional(z.nullable(schema));

/** `''` is read as "not given" (a form that sends every field), before the body is checked. */
export const DeployRequestBody = z.strictObject({
  /** Optional when exactly one target is configured; the URL's target wins on resource routes. */
  target: orEmpty(TargetName),
  /** Tag to deploy; default: the target's desired tag (the pin). */
  tag: orEmpty(Tag),
  /** Exact digest to deploy (a rollback to a known image). */
  digest: orEmpty(Digest),
  /** Default: `update` when something is deployed, else `install`. */
  reason: orEmpty(ManualReason),
  /** Deploy outside the target's maintenance window; the reason is kept in the history record (docs/policies.md). */
  override_window: z.optional(WindowOverrideBody),
  /** The older system's fields (core/contract/seed.ts, docs/api.md "Seed-compatible calls"). */
  ...SEED_DEPLOY_FIELDS,
});

/** `POST …/rebuild` and the older `POST /aks/openapi/rebuild-deploy`: no tag or digest — the build decides them. */
export const RebuildRequestBody = z.strictObject({
  target: orEmpty(TargetName),
  ...SEED_DEPLOY_FIELDS,
  /** The older system's preview: true answers what would be built and deployed, and starts nothing. */
  dry_run: z.optional(z.boolean()),
});

export const TargetParams = z.object({ target: TargetName });
export const DeployParams = z.object({ id: DeployId });
export const TargetDeployParams = z.object({ target: TargetName, id: DeployId });

export const ServiceIpQuery = z.object({
  service_name: z.literal('elb-openapi'),
  target: z.optional(TargetName),
  ...SEED_CLUSTER_FIELDS,
});
export const CancelQuery = z.object({
  /**
   * `cancel` is honoured after every step and at once inside waits (and restores the previous image when something
   * was applied); `terminate` stops at once and leaves the cluster as it is.
   */
  mode: z.optional(z.enum(['cancel', 'terminate'])),
});
export const HistoryQuery = z.object({
  /** At most ELB_HISTORY_LIMIT (the default). */
  limit: z.optional(z.string().check(z.regex(/^[1-9][0-9]{0,5}$/, 'must be a positive integer'))),
});

/** The body of `POST /targets/{target}/cluster/start`: nothing to choose; empty or `{}`. */
export const ClusterStartBody = z.strictObject({});
