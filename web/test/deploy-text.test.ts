import { describe, expect, it } from 'vitest';
import { parseActivity, parseActivityList, parseSummary } from '../src/api/parse.js';
import {
  autoUpdateHeadline,
  blockedReason,
  briefText,
  clusterStateText,
  distinctDetail,
  failedDigestText,
  fillNamespace,
  formatClock,
  partOfCode,
  readableMessage,
} from '../src/core/deploy-text.js';
import { MAX_DISMISSED, parseDismissed, withDismissed } from '../src/core/dismissals.js';
import { withPhaseLabels } from '../src/core/phases.js';
import { ACTIVITY_POLL, nextActivityDelay, nextPollDelay } from '../src/core/polling.js';
import { parseRoute } from '../src/core/routes.js';
import { targetState } from '../src/core/target-row.js';
import {
  activity,
  dependency,
  deployBrief,
  DIGEST_BROKEN,
  DIGEST_NEW,
  DIGEST_OLD,
  failedDigest,
  summary,
} from './fixtures.js';

const NOW = Date.parse('2026-05-15T12:10:00Z');

describe('phase labels in messages', () => {
  it('replaces raw phase names, with underscores or spaces, by their labels', () => {
    expect(withPhaseLabels('cancelled on request during waiting for external ip')).toBe(
      'cancelled on request during waiting for LoadBalancer address',
    );
    expect(withPhaseLabels('waiting_for_rollout timed out')).toBe('Waiting for pods to roll out timed out');
    expect(withPhaseLabels('nothing to replace here')).toBe('nothing to replace here');
  });

  it('shortens digests and fills the namespace into commands', () => {
    expect(readableMessage(`restored to repo@${DIGEST_OLD} after resolving_image`)).toBe(
      'restored to repo@sha256:111111111111 after resolving image digest',
    );
    expect(fillNamespace('kubectl logs deploy/elb-openapi -n <namespace> --previous', 'elb-openapi')).toBe(
      'kubectl logs deploy/elb-openapi -n elb-openapi --previous',
    );
    expect(fillNamespace('-n <namespace>', null)).toBe('-n <namespace>');
  });
});

describe('deploy sentences', () => {
  it('formats a time as HH:MM UTC today and with the date on another day', () => {
    expect(formatClock('2026-05-15T12:03:59Z', NOW)).toBe('12:03 UTC');
    expect(formatClock('2026-05-14T23:59:00Z', NOW)).toBe('2026-05-14 23:59 UTC');
    expect(formatClock(null, NOW)).toBe('—');
  });

  it("says an automatic update's result in the issue's words, with the cause", () => {
    const brief = deployBrief({ deploy_id: 'a', reason: 'auto', finished_at: '2026-05-15T12:03:00Z' });
    expect(autoUpdateHeadline(brief, 'succeeded', NOW)).toBe(
      'Updated automatically to 3.4 (sha256:222222222222) at 12:03 UTC',
    );
    const broken = { ...brief, digest: DIGEST_BROKEN, error: { code: 'crash_loop', message: 'crash loop' } };
    expect(autoUpdateHeadline(broken, 'rolled_back', NOW)).toBe(
      'An automatic update to sha256:960f00000000 failed and was rolled back: crash loop',
    );
    expect(autoUpdateHeadline(broken, 'failed', NOW)).toBe(
      'An automatic update to sha256:960f00000000 failed: crash loop',
    );
    expect(autoUpdateHeadline({ ...brief, reason: 'update' }, 'succeeded', NOW)).toBeNull();
    expect(autoUpdateHeadline(brief, 'running', NOW)).toBeNull();
  });

  it('says a failed digest and a brief in one sentence', () => {
    expect(failedDigestText(failedDigest(), NOW)).toBe(
      'sha256:960f00000000 failed on 12:03 UTC: crash loop; rolled back',
    );
    expect(failedDigestText(failedDigest({ outcome: 'failed' }), NOW)).toMatch(/; not rolled back$/);
    expect(
      briefText(
        deployBrief({
          deploy_id: 'x',
          status: 'cancelled',
          requester: 'alice',
          error: { code: 'cancelled', message: 'cancelled on request during waiting_for_rollout' },
        }),
        NOW,
      ),
    ).toEqual({ text: 'Cancelled (update by alice) at 12:03 UTC', tone: 'warn' });
    expect(
      briefText(deployBrief({ deploy_id: 'y', status: 'failed', error: { code: 'e', message: 'x failed' } }), NOW),
    ).toEqual({ text: 'Failed (update by local-dev) at 12:03 UTC: x failed', tone: 'danger' });
  });

  it("drops a step detail that only repeats the deploy's error", () => {
    const error = { code: 'crash_loop', message: 'crash loop' };
    expect(distinctDetail('crash_loop: crash loop', error)).toBeNull();
    expect(distinctDetail('crash loop', error)).toBeNull();
    expect(distinctDetail('cancelled', null)).toBeNull();
    expect(distinctDetail('', error)).toBeNull();
    expect(distinctDetail('pod elb-openapi-6d9f: ImagePullBackOff', error)).toBe(
      'pod elb-openapi-6d9f: ImagePullBackOff',
    );
  });

  it('tells the cluster state as a sentence and names the parts that block a deploy', () => {
    expect(clusterStateText(`restored to repo@${DIGEST_OLD}`)).toBe('Restored to repo@sha256:111111111111');
    expect(clusterStateText('unchanged: nothing was applied')).toBe('Unchanged: nothing was applied');
    const dep = (part: 'exec' | 'cluster') => dependency(part);
    expect(blockedReason([])).toBeNull();
    expect(blockedReason([dep('exec')])).toBe(
      'Deploying is unavailable until the exec server answers again (see above).',
    );
    expect(blockedReason([dep('exec'), dep('cluster')])).toBe(
      'Deploying is unavailable until the exec server and the cluster API answer again (see above).',
    );
    expect(partOfCode('cluster_unavailable')).toBe('cluster');
  });
});

describe('Overview target state', () => {
  it('ranks a running deploy, an unreachable cluster, a failed digest, an update and running', () => {
    const s = (options: Parameters<typeof summary>[0]) => targetState(parseSummary(summary(options)), NOW);
    expect(
      s({ active: { instance_id: 'a', runtime_status: 'Running', phase: 'applying_manifests', reason: 'auto' } }),
    ).toEqual({ label: 'Updating automatically', tone: 'accent', detail: 'Applying manifests' });
    expect(s({ installed: false, serviceError: { error: 'no route', error_code: 'cluster_unavailable' } }).label).toBe(
      'Cannot reach the cluster',
    );
    expect(s({ registryDigest: DIGEST_BROKEN, failedDigests: [failedDigest()] })).toEqual({
      label: 'Update failed before',
      tone: 'danger',
      detail: 'sha256:960f00000000 failed on 12:03 UTC: crash loop; rolled back',
    });
    expect(s({ registryDigest: DIGEST_NEW }).label).toBe('Update available');
    expect(s({ dependencies: [{ part: 'exec', code: 'exec_unavailable', message: 'down', hint: null }] })).toEqual({
      label: 'Running',
      tone: 'ok',
      detail: 'the exec server does not answer',
    });
  });

  it('says Drift (over an available update) with what runs and what was deployed, and Correcting drift', () => {
    const s = (options: Parameters<typeof summary>[0]) => targetState(parseSummary(summary(options)), NOW);
    const drift = { detected: true, live_image: '127.0.0.1:5001/elb-openapi:3.3', since: null };
    expect(s({ drift, registryDigest: DIGEST_NEW })).toEqual({
      label: 'Drift',
      tone: 'warn',
      detail:
        'Drift: the cluster runs 127.0.0.1:5001/elb-openapi:3.3, elb-control deployed 127.0.0.1:5001/elb-openapi@sha256:111111111111',
    });
    expect(
      s({
        drift,
        active: { instance_id: 'd', runtime_status: 'Running', phase: 'applying_manifests', reason: 'drift' },
      }),
    ).toEqual({ label: 'Correcting drift', tone: 'accent', detail: 'Applying manifests' });
  });
});

describe('change feed and dismissals', () => {
  it('reads the feed every second while visible, backs off on errors and pauses while hidden', () => {
    expect(nextActivityDelay({ consecutiveErrors: 0, hidden: false })).toBe(ACTIVITY_POLL.everyMs);
    expect(nextActivityDelay({ consecutiveErrors: 3, hidden: false })).toBe(8_000);
    expect(nextActivityDelay({ consecutiveErrors: 20, hidden: false })).toBe(ACTIVITY_POLL.maxErrorBackoffMs);
    expect(nextActivityDelay({ consecutiveErrors: 0, hidden: true })).toBeNull();
    // A part that is down makes the summary itself be read sooner (its recovery moves no change token).
    const idle = { deployActive: false, activeForMs: 0, consecutiveErrors: 0, hidden: false };
    expect(nextPollDelay({ ...idle, degraded: true })).toBeLessThan(nextPollDelay(idle)!);
  });

  it('parses the activity feed and rejects one without a change token', () => {
    const s = summary({
      active: { instance_id: 'auto-1', runtime_status: 'Running', phase: 'queued', reason: 'auto' },
      lastDeploy: deployBrief({ deploy_id: 'd0' }),
    });
    const parsed = parseActivity(activity(s));
    expect(parsed.change_token).toBe(s.change_token);
    expect(parsed.active_deploy).toMatchObject({ instance_id: 'auto-1', reason: 'auto', requester: 'event-grid' });
    expect(parsed.last_deploy?.deploy_id).toBe('d0');
    expect(parseActivityList({ targets: [activity(s)] })).toHaveLength(1);
    expect(() => parseActivity({ target: 'local' })).toThrow(/change_token/);
    expect(() => parseActivityList([])).toThrow(/activity list must be an object/);
  });

  it('remembers dismissed deploy ids without duplicates, capped, and survives garbage in storage', () => {
    let list: string[] = [];
    for (let i = 0; i < MAX_DISMISSED + 5; i++) list = withDismissed(list, `d${i}`);
    expect(list).toHaveLength(MAX_DISMISSED);
    expect(list.at(-1)).toBe(`d${MAX_DISMISSED + 4}`);
    expect(withDismissed(['a', 'b'], 'a')).toEqual(['b', 'a']);
    expect(parseDismissed('{"not":"a list"}')).toEqual([]);
    expect(parseDismissed('not json')).toEqual([]);
    expect(parseDismissed('["a", 3, "b"]')).toEqual(['a', 'b']);
  });

  it('routes unknown paths to the not-found view instead of Overview', () => {
    expect(parseRoute('/nope', '').page).toBe('not_found');
    expect(parseRoute('/docs/extra', '').page).toBe('not_found');
    expect(parseRoute('/', '').page).toBe('overview');
    expect(parseRoute('/history/', '?target=a')).toEqual({ page: 'history', target: 'a' });
  });
});
