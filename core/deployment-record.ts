// A deploy's history record, and the record it starts with: queued, nothing resolved or timed yet. The HTTP/Event
// Grid start path writes it; tests and benchmarks that seed history build theirs the same way, so the two cannot
// drift apart.

import { DeployOutput } from './deploy-model';
import { TimelineEntry } from './timeline';

/** One row of the `deployments` history table (adapters/state-store.ts keeps them). */
export interface DeploymentRecord {
  deploy_id: string;
  target: string;
  reason: string;
  requester: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'cancelled' | 'terminated';
  requested_at: string;
  finished_at: string | null;
  tag: string | null;
  digest: string | null;
  image: string | null;
  previous_image: string | null;
  elapsed_seconds: number | null;
  phase_seconds: Record<string, number>;
  /** The deploy's phases as `custom_status.timeline` reported them at the end ([] until it ends). */
  timeline: TimelineEntry[];
  error: { code: string; message: string } | null;
  rollback_status: string | null;
  /** The full orchestration output once finished (kept so history outlives Durable's own records). */
  output: DeployOutput | null;
}

export interface QueuedDeployment {
  deployId: string;
  target: string;
  /** Why the deploy runs (install, update, auto, …). */
  reason: string;
  requester: string;
  /** ISO time the deploy was asked for; the history's sort key. */
  requestedAt: string;
  tag: string | null;
  digest: string | null;
}

export function queuedDeploymentRecord(d: QueuedDeployment): DeploymentRecord {
  return {
    deploy_id: d.deployId,
    target: d.target,
    reason: d.reason,
    requester: d.requester,
    status: 'queued',
    requested_at: d.requestedAt,
    finished_at: null,
    tag: d.tag,
    digest: d.digest,
    image: null,
    previous_image: null,
    elapsed_seconds: null,
    phase_seconds: {},
    timeline: [],
    error: null,
    rollback_status: null,
    output: null,
  };
}
