// The history record a deploy starts with: queued, nothing resolved or timed yet. The HTTP/Event Grid start path
// writes it; tests and benchmarks that seed history build theirs the same way, so the two cannot drift apart.
// (The record's type, DeploymentRecord, lives with its table in adapters/state-store.ts; the store's `create`
// checks this shape against it.)

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

export function queuedDeploymentRecord(d: QueuedDeployment) {
  return {
    deploy_id: d.deployId,
    target: d.target,
    reason: d.reason,
    requester: d.requester,
    status: 'queued' as const,
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
