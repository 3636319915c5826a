// The deploy status the API returns, shaped from the Durable status (or from the history record once Durable no
// longer knows the instance). A deploy still Pending after a while is flagged instead of looking merely slow.
import * as z from 'zod/mini';
import * as contract from './contract/deploy';
import { DeployProgress, initialTimeline } from './timeline';

export interface DurableStatusLike {
  instanceId: string;
  runtimeStatus: string;
  customStatus?: unknown;
  output?: unknown;
  input?: unknown;
  createdTime: Date | string;
  lastUpdatedTime: Date | string;
}

/** What the status routes answer (core/contract/deploy.ts). */
export type DeployStatusBody = z.input<typeof contract.DeployStatus>;

/**
 * Whether `DurableClient.getStatus` failed because Durable does not know the instance (never started, or purged).
 * durable-functions reports that only as an Error whose message names the HTTP 404 its extension answered.
 */
export function isInstanceNotFound(err: unknown): boolean {
  return err instanceof Error && /\b404\b/.test(err.message);
}

function iso(t: Date | string): string {
  return t instanceof Date ? t.toISOString() : new Date(t).toISOString();
}

export function shapeStatus(s: DurableStatusLike, nowMs: number, pendingWarnSeconds: number): DeployStatusBody {
  const input = (s.input ?? {}) as { target?: string; reason?: string };
  // Both were written by our own orchestrator, but they come back through Durable's storage untyped: each is
  // checked against its schema. A custom status that is not one (none yet) reads as queued; an output that is not a
  // deploy output (Durable's failure text of an orchestration that crashed, a termination reason) reads as null.
  const custom = z.safeParse(contract.DeployProgress, s.customStatus);
  const output = z.safeParse(contract.DeployOutput, s.output);
  const progress: DeployProgress = custom.success
    ? custom.data
    : {
        phase: 'queued',
        target: input.target ?? '',
        image: null,
        reason: input.reason ?? '',
        cancel_requested: false,
        timeline: initialTimeline(),
      };
  const created = iso(s.createdTime);
  const body: DeployStatusBody = {
    instance_id: s.instanceId,
    runtime_status: s.runtimeStatus,
    custom_status: progress,
    output: output.success ? output.data : null,
    created_time: created,
    last_updated_time: iso(s.lastUpdatedTime),
    stuck: false,
  };
  const pendingFor = Math.floor((nowMs - Date.parse(created)) / 1000);
  if (s.runtimeStatus === 'Pending' && pendingFor >= pendingWarnSeconds) {
    body.stuck = true;
    body.stuck_reason = `the deploy has been Pending for ${pendingFor}s: the orchestration host may not be running`;
  }
  return body;
}

export const TERMINAL_RUNTIME = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
export const ACTIVE_RUNTIME = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
