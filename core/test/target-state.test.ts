// The target's single-flight lease, the auto-update decisions for a registry push, and the failed digests.
import { describe, expect, it } from 'vitest';
import type { DeployOutput } from '../deploy-model';
import {
  decidePush,
  emptyTargetState,
  failedDigestEntry,
  failedDigestsOf,
  leaseIsHeld,
  MAX_FAILED_DIGESTS,
  needsFollowUp,
  withFailedDigest,
  withoutFailedDigest,
} from '../target-state';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

describe('single-flight lease', () => {
  const s = { ...emptyTargetState('local'), activeInstanceId: 'x', activeSince: '2026-01-01T00:00:00.000Z' };
  it('is held by a running instance, released by a finished one', () => {
    expect(leaseIsHeld(s, 'running', Date.parse('2026-01-02T00:00:00Z'))).toBe(true);
    expect(leaseIsHeld(s, 'finished', Date.parse('2026-01-01T00:00:01Z'))).toBe(false);
    expect(leaseIsHeld(emptyTargetState('local'), 'running', 0)).toBe(false);
  });
  it('counts an instance Durable does not know yet only within the start grace period', () => {
    expect(leaseIsHeld(s, 'unknown', Date.parse('2026-01-01T00:00:30Z'))).toBe(true);
    expect(leaseIsHeld(s, 'unknown', Date.parse('2026-01-01T00:05:00Z'))).toBe(false);
  });
});

describe('decidePush', () => {
  const base = { ...emptyTargetState('local'), deployedDigest: D1 };
  const push = { repository: 'elb-openapi', tag: '3.4', digest: D2 };
  it('starts an auto deploy for a new digest of the desired tag', () => {
    expect(decidePush(base, true, push, false)).toEqual({ action: 'start' });
  });
  it('queues behind a running deploy', () => {
    expect(decidePush(base, true, push, true)).toEqual({ action: 'queue' });
  });
  it('ignores other tags, the deployed digest, and a digest already handled (redelivery)', () => {
    expect(decidePush(base, false, { ...push, tag: '3.3' }, false)).toMatchObject({ reason: 'tag_not_desired' });
    expect(decidePush(base, true, { ...push, digest: D1 }, false)).toMatchObject({ reason: 'already_deployed' });
    expect(decidePush({ ...base, lastAutoDigest: D2 }, true, push, false)).toMatchObject({ reason: 'duplicate' });
  });
  it('follows up only when the queued digest is not what got deployed', () => {
    expect(needsFollowUp({ ...base, pendingPushDigest: D2 })).toBe(true);
    expect(needsFollowUp({ ...base, pendingPushDigest: D1 })).toBe(false);
    expect(needsFollowUp(base)).toBe(false);
  });
});

describe('failed digests', () => {
  const entry = (digest: string, at = '2026-01-01T12:03:00.000Z') => ({
    digest,
    tag: '3.4',
    deploy_id: `local-${digest.slice(7, 11)}`,
    failed_at: at,
    outcome: 'rolled_back' as const,
    code: 'crash_loop',
    message: 'pod elb-openapi-x: CrashLoopBackOff\nsecond line',
  });
  const output = (patch: Partial<DeployOutput>): DeployOutput =>
    ({
      status: 'rolled_back',
      deploy_id: 'local-1',
      finished_at: '2026-01-01T12:03:00.000Z',
      openapi_deploy: { digest: D2, tag: '3.4' },
      error: { code: 'crash_loop', message: 'crashing' },
      cluster_state: 'restored to x',
      ...patch,
    }) as DeployOutput;

  it('an auto push of a digest that failed is ignored, a new digest for the tag starts', () => {
    const s = withFailedDigest({ ...emptyTargetState('local'), deployedDigest: D1 }, entry(D2));
    const push = { repository: 'elb-openapi', tag: '3.4', digest: D2 };
    expect(decidePush(s, true, push, false)).toEqual({ action: 'ignore', reason: 'failed_before' });
    const D3 = 'sha256:' + '3'.repeat(64);
    expect(decidePush(s, true, { ...push, digest: D3 }, false)).toEqual({ action: 'start' });
  });
  it('a queued push of a failed digest gets no follow-up deploy', () => {
    const s = withFailedDigest({ ...emptyTargetState('local'), deployedDigest: D1, pendingPushDigest: D2 }, entry(D2));
    expect(needsFollowUp(s)).toBe(false);
  });
  it('keeps one line per digest, newest first, at most ten; a success clears the mark', () => {
    let s = emptyTargetState('local');
    for (let i = 0; i < 12; i++) s = withFailedDigest(s, entry('sha256:' + String(i % 10).repeat(64)));
    s = withFailedDigest(s, entry(D2, '2026-01-02T00:00:00.000Z'));
    const list = failedDigestsOf(s);
    expect(list).toHaveLength(MAX_FAILED_DIGESTS);
    expect(list[0]).toMatchObject({ digest: D2, message: 'pod elb-openapi-x: CrashLoopBackOff' });
    expect(new Set(list.map((e) => e.digest)).size).toBe(list.length);
    const cleared = withoutFailedDigest(s, D2);
    expect(failedDigestsOf(cleared).some((e) => e.digest === D2)).toBe(false);
    expect(withoutFailedDigest(emptyTargetState('local'), D2).failedDigests).toBeNull();
  });
  it('a broken stored list reads as empty rather than failing the summary', () => {
    expect(failedDigestsOf({ ...emptyTargetState('local'), failedDigests: '{not json' })).toEqual([]);
  });
  it('marks a failure or rollback that reached the cluster, not a cancel, a dependency outage or an untouched cluster', () => {
    expect(failedDigestEntry(output({}))).toMatchObject({ digest: D2, outcome: 'rolled_back', code: 'crash_loop' });
    expect(failedDigestEntry(output({ status: 'failed', cluster_state: 'left as applied (x)' }))).not.toBeNull();
    expect(failedDigestEntry(output({ status: 'cancelled' }))).toBeNull();
    expect(failedDigestEntry(output({ status: 'succeeded', error: null }))).toBeNull();
    expect(failedDigestEntry(output({ error: { code: 'exec_unavailable', message: 'down' } }))).toBeNull();
    expect(failedDigestEntry(output({ error: { code: 'cluster_unavailable', message: 'down' } }))).toBeNull();
    expect(failedDigestEntry(output({ status: 'failed', cluster_state: 'unchanged: nothing was applied' }))).toBeNull();
  });
});
