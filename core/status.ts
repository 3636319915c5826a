// The deploy status the API returns, shaped from the Durable status (or from the history record once Durable no
// longer knows the instance). A deploy still Pending after a while is flagged instead of looking merely slow.
import type * as z from 'zod/mini';
import type { DeployStatus } from './contract/deploy';
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
export type DeployStatusBody = z.input<typeof DeployStatus>;

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
  const custom = (
    s.customStatus && typeof s.customStatus === 'object' ? s.customStatus : null
  ) as DeployProgress | null;
  const progress: DeployProgress = custom ?? {
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
    // Written by our own orchestrator (core/contract/deploy.ts DeployOutput); Durable hands it back untyped.
    output: (s.output ?? null) as DeployStatusBody['output'],
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
