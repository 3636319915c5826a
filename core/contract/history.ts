// A deploy's history record, as the `deployments` table keeps it and the history route lists it.
import * as z from 'zod/mini';
import { DeployOutput, TimelineEntry } from './deploy';
import { omittable } from './primitives';
import { UpdateDecision, WindowOverride } from './update';

export const RECORD_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
  'terminated',
  // An update that never deployed (docs/policies.md "Approvals"): a deployer said no, nobody decided in time, or a
  // newer image took its place.
  'rejected',
  'expired',
  'superseded',
] as const;
export const RecordStatus = z.enum(RECORD_STATUSES);

/** One-line error of a record: the output keeps the full one. */
export const ShortError = z.object({ code: z.string(), message: z.string() });

const recordFields = {
  deploy_id: z.string(),
  target: z.string(),
  /** install | update | auto | rollback. */
  reason: z.string(),
  /** Who asked for it (a user, `event-grid` for a registry push). */
  requester: z.string(),
  status: RecordStatus,
  requested_at: z.string(),
  finished_at: z.nullable(z.string()),
  tag: z.nullable(z.string()),
  digest: z.nullable(z.string()),
  image: z.nullable(z.string()),
  previous_image: z.nullable(z.string()),
  elapsed_seconds: z.nullable(z.number()),
  /** Seconds per phase; records written before `timeline` was stored carry only this. */
  phase_seconds: z.record(z.string(), z.number()),
  /** The deploy's phases: the final ones once it ends, the live ones while it runs, `[]` before it starts. */
  timeline: z.array(TimelineEntry),
  error: z.nullable(ShortError),
  rollback_status: z.nullable(z.string()),
  /** The deployer's decision an update waited for (approve or reject, who, when, comment); null for other deploys. */
  approval: omittable(UpdateDecision),
  /** A manual deploy outside the target's maintenance window: the reason given, and by whom. */
  window_override: omittable(WindowOverride),
};

/** A row of the history table; `output` is the full orchestration output once finished. */
export const DeploymentRecord = z.object({ ...recordFields, output: z.nullable(DeployOutput) });

/** A row of `GET …/deployments`: the record without its output (that stays on the per-deploy route). */
export const DeploymentListItem = z.object(recordFields);
export const DeploymentList = z.array(DeploymentListItem);
