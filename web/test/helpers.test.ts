import { describe, expect, it } from 'vitest';
import { parseDeploymentList, parseOpenApiOperations } from '../src/api/parse.js';
import type { DeploymentRecord } from '../src/api/types.js';
import { groupEndpoints } from '../src/core/endpoints.js';
import { formatDuration, shortDigest } from '../src/core/format.js';
import { phaseChart } from '../src/core/history-chart.js';
import { phaseLabel, phaseSteps } from '../src/core/phases.js';
import { outcomeOf } from '../src/core/outcome.js';
import { parseRoute, routeHref } from '../src/core/routes.js';
import { parseDeployStatus } from '../src/api/parse.js';
import { historyRow, openApiSpec, rolledBackTimeline, status, timeline } from './fixtures.js';

describe('formatting', () => {
  it('shortens digests and durations', () => {
    expect(shortDigest('sha256:abcdef0123456789abcdef')).toBe('sha256:abcdef012345');
    expect(shortDigest(null)).toBeNull();
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
    expect(formatDuration(-1)).toBe('—');
  });

  it('labels every phase, humanising unknown ones instead of leaking raw names', () => {
    expect(phaseLabel('waiting_for_external_ip')).toBe('Waiting for LoadBalancer address');
    expect(phaseLabel('some_new_phase')).toBe('Some new phase');
    expect(phaseSteps([], null, 0).every((s) => s.status === 'pending')).toBe(true);
  });
});

describe('outcomes', () => {
  it('handles every terminal output status explicitly', () => {
    const of = (
      runtime: 'Completed' | 'Failed' | 'Terminated',
      out: 'succeeded' | 'failed' | 'rolled_back' | 'cancelled' | null,
    ) =>
      outcomeOf(
        parseDeployStatus(status({ runtime, phase: 'completed', output: out ? { status: out } : null, createdMs: 0 })),
      );
    expect(of('Completed', 'succeeded')).toBe('succeeded');
    expect(of('Completed', 'rolled_back')).toBe('rolled_back');
    expect(of('Completed', null)).toBe('unknown');
    expect(of('Failed', null)).toBe('failed');
    expect(of('Terminated', null)).toBe('terminated');
  });
});

describe('endpoint grouping', () => {
  const ops = parseOpenApiOperations(openApiSpec).operations;

  it('groups by tag in spec order with untagged operations last', () => {
    const groups = groupEndpoints(ops, '');
    expect(groups.map((g) => g.tag)).toEqual(['health', 'jobs', 'databases', 'Other']);
    expect(groups[1]!.operations).toHaveLength(4);
  });

  it('filters by method, path, summary or tag and drops empty groups', () => {
    expect(groupEndpoints(ops, 'delete').flatMap((g) => g.operations.map((o) => o.path))).toEqual(['/v1/jobs/{id}']);
    expect(groupEndpoints(ops, 'DATABASES').map((g) => g.tag)).toEqual(['databases']);
    expect(groupEndpoints(ops, 'no-such-thing')).toEqual([]);
  });
});

describe('phase chart', () => {
  const record = (id: string, phases: [string, number][]): DeploymentRecord => ({
    instance_id: id,
    reason: 'update',
    requester: 'local-dev',
    approval: null,
    window_override: null,
    status: 'succeeded',
    tag: '3.4',
    digest: null,
    started_at: '2026-05-15T12:00:00Z',
    ended_at: null,
    elapsed_seconds: null,
    error: null,
    rollback_status: null,
    failed_phase: null,
    phases: phases.map(([name, seconds]) => ({ name, durationMs: seconds * 1000, status: 'done' })),
  });

  it('lays phases end to end on the scale of the longest deploy', () => {
    const chart = phaseChart([
      record('a', [
        ['resolving_image', 1],
        ['applying_manifests', 9],
      ]),
      record('b', [['resolving_image', 20]]),
      record('c', []),
    ]);
    expect(chart.scaleMs).toBe(20_000);
    expect(chart.rows[0]!.totalMs).toBe(10_000);
    expect(chart.rows[0]!.segments[1]).toMatchObject({ start: 0.05, width: 0.45 });
    expect(chart.rows[2]!.segments).toEqual([]);
    expect(chart.phases).toEqual(['resolving_image', 'applying_manifests']);
  });
});

describe('History: the failed phase', () => {
  const START = Date.parse('2026-05-15T10:00:00Z');

  it("marks the phase a deploy failed in from the record's timeline, in the order the phases ran", () => {
    const [record] = parseDeploymentList([
      historyRow({ id: 'd3', status: 'rolled_back', startMs: START, timeline: rolledBackTimeline(START) }),
    ]);
    expect(record!.failed_phase).toBe('waiting_for_rollout');
    // setup_workload_identity was skipped and verifying_service never started: neither took time.
    expect(record!.phases.map((p) => [p.name, p.status, p.durationMs])).toEqual([
      ['resolving_image', 'done', 3_000],
      ['applying_manifests', 'done', 3_000],
      ['waiting_for_rollout', 'failed', 7_000],
      ['rolling_back', 'done', 8_000],
    ]);
    const failed = phaseChart([record!]).rows[0]!.segments.filter((s) => s.status === 'failed');
    expect(failed).toEqual([
      { name: 'waiting_for_rollout', status: 'failed', start: 6 / 21, width: 7 / 21, durationMs: 7_000 },
    ]);
  });

  it('keeps a failed phase without an end time as a zero-length mark, and marks nothing on records without a timeline', () => {
    const unfinished = timeline('resolving_image', 'failed', START).map((e) =>
      e.status === 'failed' ? { ...e, endedAt: null } : e,
    );
    const [cut, old] = parseDeploymentList([
      historyRow({ id: 'd2', status: 'failed', startMs: START, timeline: unfinished }),
      historyRow({ id: 'd1', status: 'failed', startMs: START, phaseSeconds: { resolving_image: 0.5 } }),
    ]);
    expect(cut!.failed_phase).toBe('resolving_image');
    expect(cut!.phases).toEqual([{ name: 'resolving_image', status: 'failed', durationMs: 0 }]);
    expect(old!.failed_phase).toBeNull();
    expect(old!.phases.every((p) => p.status === 'done')).toBe(true);
  });
});

describe('routes', () => {
  it('maps paths and the target query both ways', () => {
    expect(parseRoute('/docs', '?target=prod%201')).toEqual({ page: 'docs', target: 'prod 1' });
    expect(parseRoute('/history/', '')).toEqual({ page: 'history', target: null });
    expect(parseRoute('/', '?target=')).toEqual({ page: 'overview', target: null });
    expect(routeHref('docs', 'prod 1')).toBe('/docs?target=prod%201');
  });
});
