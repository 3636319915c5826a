// A deploy's history record, and the record it starts with: queued, nothing resolved or timed yet. The HTTP/Event
// Grid start path writes it; tests and benchmarks that seed history build theirs the same way, so the two cannot
// drift apart.

import type * as z from 'zod/mini';
import type * as contract from './contract/history';

/** One row of the `deployments` history table (adapters/state-store.ts keeps them); core/contract/history.ts. */
export type DeploymentRecord = z.output<typeof contract.DeploymentRecord>;

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
  /** An update's approval (docs/policies.md "Approvals"); absent for other deploys. */
  approval?: DeploymentRecord['approval'];
  /** A deploy outside the maintenance window: the reason given, and by whom. */
  windowOverride?: DeploymentRecord['window_override'];
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
    approval: d.approval ?? null,
    window_override: d.windowOverride ?? null,
    output: null,
  };
}
