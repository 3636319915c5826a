// The summary's issue-12 parts as pure functions: the most recent deploy, the activity view, the change token and
// the dependency problems (with local hints only on a local run).
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { loadConfig } from '../config';
import * as contract from '../contract';
import { queuedDeploymentRecord } from '../deployment-record';
import { activityView, buildSummary, changeToken, deployBrief, dependencyProblem } from '../summary';
import { emptyTargetState, withFailedDigest } from '../target-state';

const D = 'sha256:' + 'd'.repeat(64);
const queued = queuedDeploymentRecord({
  deployId: 'local-1',
  target: 'local',
  reason: 'auto',
  requester: 'event-grid',
  requestedAt: '2026-01-01T12:00:00.000Z',
  tag: '3.4',
  digest: null,
});
const leased = {
  ...emptyTargetState('local'),
  activeInstanceId: 'local-1',
  activeReason: 'auto',
  activeSince: '2026-01-01T12:00:00.000Z',
};

describe('activity view', () => {
  it('shows the lease holder with its requester while it runs', () => {
    const v = activityView(leased, { ...queued, status: 'running' });
    expect(v.active_deploy).toEqual({
      instance_id: 'local-1',
      reason: 'auto',
      requester: 'event-grid',
      started_at: '2026-01-01T12:00:00.000Z',
    });
    expect(v.last_deploy).toMatchObject({
      deploy_id: 'local-1',
      status: 'running',
      finished_at: null,
      cluster_state: null,
    });
  });
  it('a holder whose record says it finished is only handing over: not active', () => {
    const done = { ...queued, status: 'rolled_back' as const, finished_at: '2026-01-01T12:00:09.000Z' };
    expect(activityView(leased, done).active_deploy).toBeNull();
  });
  it('the change token moves with the lease, the last status, the deployed digest and a new failed digest', () => {
    const base = changeToken(leased, queued);
    expect(changeToken(leased, queued)).toBe(base);
    expect(changeToken({ ...leased, activeInstanceId: null }, queued)).not.toBe(base);
    expect(changeToken(leased, { ...queued, status: 'running' })).not.toBe(base);
    expect(changeToken({ ...leased, deployedDigest: D }, queued)).not.toBe(base);
    const marked = withFailedDigest(leased, {
      digest: D,
      tag: '3.4',
      deploy_id: 'local-0',
      failed_at: '2026-01-01T11:00:00.000Z',
      outcome: 'failed',
      code: 'crash_loop',
      message: 'x',
    });
    expect(changeToken(marked, queued)).not.toBe(base);
  });
});

describe('deploy brief', () => {
  it('keeps the error to one line and takes cluster_state and cancel_requested from the output once finished', () => {
    const finished = {
      ...queued,
      status: 'cancelled' as const,
      finished_at: '2026-01-01T12:00:05.000Z',
      error: { code: 'cancelled', message: 'cancelled on request during the rollout\nmore' },
      output: { cancel_requested: true, cluster_state: 'restored to x' } as never,
    };
    expect(deployBrief(finished)).toMatchObject({
      status: 'cancelled',
      cancel_requested: true,
      error: { code: 'cancelled', message: 'cancelled on request during the rollout' },
      cluster_state: 'restored to x',
      started_at: '2026-01-01T12:00:00.000Z',
    });
    expect(deployBrief({ ...queued, status: 'running' }, true).cancel_requested).toBe(true);
  });
});

describe('dependency problems', () => {
  it('name the local start command only on a local run (ELB_LOCAL_DIR)', () => {
    const local = loadConfig({ ELB_AUTH_MODE: 'none', ELB_LOCAL_DIR: '/tmp/x' });
    expect(dependencyProblem(local, 'exec', 'the exec server does not answer (ECONNREFUSED)\nsecond')).toEqual({
      part: 'exec',
      code: 'exec_unavailable',
      message: 'the exec server does not answer (ECONNREFUSED)',
      hint: 'scripts/dev/local-run.sh terminal-exec',
    });
    expect(dependencyProblem(local, 'cluster', 'x').hint).toBe('scripts/dev/local-run.sh sim');
    expect(dependencyProblem(local, 'storage', 'x')).toMatchObject({
      code: 'storage_unavailable',
      hint: 'scripts/dev/local-run.sh azurite',
    });
    expect(dependencyProblem(loadConfig({ ELB_AUTH_MODE: 'none' }), 'exec', 'x').hint).toBeNull();
  });
});

describe('the summary against its contract (core/contract/summary.ts)', () => {
  it('what buildSummary and activityView produce is what the dashboard parses, through JSON', () => {
    const config = loadConfig({ ELB_AUTH_MODE: 'none' });
    const deployed = {
      ...leased,
      deployedTag: '3.4',
      deployedDigest: D,
      deployedImage: `127.0.0.1:5001/elb-openapi@${D}`,
      deployedAt: '2026-01-01T11:00:00.000Z',
    };
    const summary = buildSummary(
      config,
      config.targets[0]!,
      deployed,
      { tag: '3.4', digest: D, tags: ['3.3', '3.4'] },
      {
        installed: true,
        external_ip: '127.0.0.2',
        base_url: null,
        swagger_url: null,
        api_version: null,
        exposure: 'loopback',
        address_range: 'loopback',
        scheme: 'http',
      },
      { instance_id: 'local-1', runtime_status: 'Running', phase: 'applying_manifests', reason: 'auto' },
      { ...queued, status: 'running' },
      [dependencyProblem(config, 'exec', 'down')],
    );
    const wire: unknown = JSON.parse(JSON.stringify(summary));
    const parsed = z.parse(contract.TargetSummary, wire);
    // Fields the server leaves out read as null or false, never undefined.
    expect(parsed.service.error).toBeNull();
    expect(parsed.registry.error).toBeNull();
    expect(parsed.active_deploy?.stuck).toBe(false);
    expect(parsed.last_deploy?.deploy_id).toBe('local-1');
    expect(z.parse(contract.TargetActivity, JSON.parse(JSON.stringify(activityView(deployed, queued))))).toMatchObject({
      target: 'local',
      active_deploy: { instance_id: 'local-1' },
    });
  });
});
