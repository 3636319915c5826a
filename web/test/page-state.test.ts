import { describe, expect, it } from 'vitest';
import { parseDependencyProblem, parseDeployStatus, parseSummary } from '../src/api/parse.js';
import type { DeployStatus, TargetSummary } from '../src/api/types.js';
import {
  deriveDocsState,
  nextTrackedId,
  PENDING_WARN_MS,
  STATUS_ERRORS_BEFORE_WARNING,
  type DocsInputs,
  type TrackedDeploy,
} from '../src/core/page-state.js';
import {
  activeDeploy,
  cancelledStatus,
  dependency,
  deployBrief,
  DIGEST_BROKEN,
  DIGEST_NEW,
  DIGEST_OLD,
  failedDigest,
  rolledBackStatus,
  runningStatus,
  status,
  summary,
  timeline,
} from './fixtures.js';

const NOW = Date.parse('2026-05-15T10:10:00Z');

const ok = <T>(value: T) => ({ value, error: null, consecutiveErrors: 0 });

function tracked(
  instanceId: string,
  statusValue: DeployStatus | null,
  extra: Partial<TrackedDeploy> = {},
): TrackedDeploy {
  return { instanceId, reason: 'update', status: ok(statusValue), notFound: false, cancel: 'none', ...extra };
}

function inputs(s: TargetSummary | null, t: TrackedDeploy | null = null, extra: Partial<DocsInputs> = {}): DocsInputs {
  return {
    summary: s ? ok(s) : { value: null, error: null, consecutiveErrors: 0 },
    tracked: t,
    startError: null,
    startDependency: null,
    starting: false,
    now: NOW,
    ...extra,
  };
}

describe('deriveDocsState', () => {
  it('is loading before the first summary and unreachable when the first read failed', () => {
    expect(deriveDocsState(inputs(null)).kind).toBe('loading');
    const failed = deriveDocsState({
      ...inputs(null),
      summary: { value: null, error: { code: 'network_error', message: 'down' }, consecutiveErrors: 1 },
    });
    expect(failed).toEqual({ kind: 'unreachable', error: { code: 'network_error', message: 'down' } });
  });

  it('offers the Deploy card when the service is not installed and nothing runs', () => {
    const state = deriveDocsState(inputs(parseSummary(summary({ installed: false }))));
    expect(state.kind).toBe('not_installed');
    if (state.kind === 'not_installed') expect(state.lastDeploy).toBeNull();
  });

  it('shows install progress from the summary alone before the status has been read (recovered after reload)', () => {
    const s = parseSummary(
      summary({
        installed: false,
        active: { instance_id: 'd1', runtime_status: 'Running', phase: 'applying_manifests', reason: 'install' },
      }),
    );
    const t = tracked(nextTrackedId(null, s)!, null, { reason: null });
    const state = deriveDocsState(inputs(s, t));
    expect(state.kind).toBe('installing');
    if (state.kind !== 'installing') return;
    expect(state.deploy.instanceId).toBe('d1');
    expect(state.deploy.reason).toBe('install');
    expect(state.deploy.phaseLabel).toBe('Applying manifests');
    expect(state.deploy.steps.map((s) => s.status)).toEqual([
      'done',
      'done',
      'running',
      'pending',
      'pending',
      'pending',
    ]);
    expect(state.deploy.canCancel).toBe(true);
  });

  it('shows an update in progress with elapsed time per phase from the server timeline', () => {
    const created = NOW - 20_000;
    const st = parseDeployStatus(runningStatus('waiting_for_rollout', created));
    const s = parseSummary(summary({ registryDigest: DIGEST_NEW, active: activeDeploy('waiting_for_rollout') }));
    const state = deriveDocsState(inputs(s, tracked('deploy-local-1', st)));
    expect(state.kind).toBe('updating');
    if (state.kind !== 'updating') return;
    const rollout = state.deploy.steps.find((step) => step.name === 'waiting_for_rollout')!;
    expect(rollout.status).toBe('running');
    expect(rollout.elapsedMs).toBe(20_000 - 9_000); // started 9 s after creation, still running at NOW
    expect(state.deploy.steps[0]!.elapsedMs).toBe(3_000);
    expect(state.deploy.steps[1]!.status).toBe('skipped');
    expect(state.deploy.ageMs).toBe(20_000);
    expect(state.update.updateAvailable).toBe(true);
  });

  it('warns when a deploy stays Pending too long, measured from the server creation time, and keeps it', () => {
    const justQueued = parseDeployStatus(
      status({ runtime: 'Pending', phase: 'queued', createdMs: NOW - (PENDING_WARN_MS - 1) }),
    );
    const longQueued = parseDeployStatus(
      status({ runtime: 'Pending', phase: 'queued', createdMs: NOW - PENDING_WARN_MS }),
    );
    const s = parseSummary(summary({ installed: false, active: activeDeploy('queued', 'Pending', 'install') }));
    const early = deriveDocsState(inputs(s, tracked('deploy-local-1', justQueued)));
    const late = deriveDocsState(inputs(s, tracked('deploy-local-1', longQueued)));
    expect(early.kind === 'installing' && early.deploy.pendingTooLong).toBe(false);
    expect(late.kind).toBe('installing');
    if (late.kind !== 'installing') return;
    expect(late.deploy.pendingTooLong).toBe(true);
    expect(late.deploy.outcome).toBe('queued');
    expect(late.deploy.canCancel).toBe(true);
  });

  it('tolerates transient status-read errors: keeps the last status, warns only after repeated failures', () => {
    const st = parseDeployStatus(runningStatus('applying_manifests', NOW - 10_000));
    const s = parseSummary(summary({ installed: false }));
    const withErrors = (n: number) =>
      deriveDocsState(
        inputs(
          s,
          tracked('deploy-local-1', null, {
            status: { value: st, error: { code: 'network_error', message: 'offline' }, consecutiveErrors: n },
          }),
        ),
      );
    const once = withErrors(1);
    const often = withErrors(STATUS_ERRORS_BEFORE_WARNING);
    expect(once.kind).toBe('installing');
    expect(once.kind === 'installing' && once.deploy.statusTrouble).toBeNull();
    expect(often.kind).toBe('installing');
    expect(often.kind === 'installing' && often.deploy.statusTrouble).toMatch(/offline/);
    expect(often.kind === 'installing' && often.deploy.phase).toBe('applying_manifests');
  });

  it('shows a rolled-back update as installed with the failure, its diagnostics and the rollback result', () => {
    const st = parseDeployStatus(rolledBackStatus(NOW - 60_000));
    const state = deriveDocsState(
      inputs(parseSummary(summary({ registryDigest: DIGEST_NEW })), tracked('deploy-local-1', st)),
    );
    expect(state.kind).toBe('installed');
    if (state.kind !== 'installed') return;
    expect(state.lastDeploy?.outcome).toBe('rolled_back');
    expect(state.lastDeploy?.terminal).toBe(true);
    expect(state.lastDeploy?.canCancel).toBe(false);
    expect(state.lastDeploy?.error?.code).toBe('image_pull_failed');
    expect(state.lastDeploy?.rollback).toEqual({
      status: 'succeeded',
      image: `127.0.0.1:5001/elb-openapi@${DIGEST_OLD}`,
    });
    expect(state.lastDeploy?.clusterState).toMatch(/previous image/);
  });

  it('treats a finished status as authoritative even while the summary still lists the deploy as active', () => {
    const st = parseDeployStatus(
      status({ runtime: 'Completed', phase: 'completed', output: { status: 'succeeded' }, createdMs: NOW - 30_000 }),
    );
    const s = parseSummary(summary({ active: activeDeploy('verifying_service') }));
    const state = deriveDocsState(inputs(s, tracked('deploy-local-1', st)));
    expect(state.kind).toBe('installed');
    expect(state.kind === 'installed' && state.lastDeploy?.outcome).toBe('succeeded');
  });

  it('ends tracking of an unknown deploy with a clear error instead of spinning', () => {
    const state = deriveDocsState(inputs(parseSummary(summary()), tracked('gone', null, { notFound: true })));
    expect(state.kind).toBe('installed');
    if (state.kind !== 'installed') return;
    expect(state.lastDeploy?.terminal).toBe(true);
    expect(state.lastDeploy?.error?.code).toBe('deploy_not_found');
  });

  it('marks cancel as requested when the server recorded it, and offers no second cancel', () => {
    const st = parseDeployStatus(
      status({ runtime: 'Running', phase: 'applying_manifests', createdMs: NOW - 5_000, cancelRequested: true }),
    );
    const state = deriveDocsState(inputs(parseSummary(summary()), tracked('deploy-local-1', st)));
    expect(state.kind).toBe('updating');
    if (state.kind !== 'updating') return;
    expect(state.deploy.cancel).toBe('requested');
    expect(state.deploy.canCancel).toBe(false);
  });

  it("shows a cancel another tab asked for from the summary's active deploy, before the status is read", () => {
    const s = parseSummary(summary({ active: { ...activeDeploy('waiting_for_rollout'), cancel_requested: true } }));
    const state = deriveDocsState(inputs(s, tracked('deploy-local-1', null)));
    expect(state.kind === 'updating' && state.deploy.cancel).toBe('requested');
  });

  it('never offers cancel during a rollback', () => {
    const st = parseDeployStatus(status({ runtime: 'Running', phase: 'rolling_back', createdMs: NOW - 5_000 }));
    const state = deriveDocsState(inputs(parseSummary(summary()), tracked('deploy-local-1', st)));
    expect(state.kind === 'updating' && state.deploy.outcome).toBe('rolling_back');
    expect(state.kind === 'updating' && state.deploy.canCancel).toBe(false);
  });

  it('reports a cancelled deploy as finished', () => {
    const st = parseDeployStatus(
      status({ runtime: 'Completed', phase: 'cancelled', output: { status: 'cancelled' }, createdMs: NOW - 5_000 }),
    );
    const state = deriveDocsState(inputs(parseSummary(summary({ installed: false })), tracked('deploy-local-1', st)));
    expect(state.kind).toBe('not_installed');
    expect(state.kind === 'not_installed' && state.lastDeploy?.outcome).toBe('cancelled');
  });

  it('keeps showing the last summary with a warning when a refresh fails', () => {
    const state = deriveDocsState({
      ...inputs(parseSummary(summary())),
      summary: {
        value: parseSummary(summary()),
        error: { code: 'http_502', message: 'bad gateway' },
        consecutiveErrors: 1,
      },
    });
    expect(state.kind).toBe('installed');
    expect(state.kind === 'installed' && state.staleWarning).toMatch(/bad gateway/);
  });
});

describe('server-side signals', () => {
  it('does not offer Deploy when the cluster could not be read (unknown is not absent)', () => {
    const s = parseSummary({
      ...summary({ installed: false }),
      service: { ...summary({ installed: false }).service, error: 'kubectl: connection refused' },
    });
    const state = deriveDocsState(inputs(s));
    expect(state.kind).toBe('service_unknown');
    expect(state.kind === 'service_unknown' && state.error).toMatch(/connection refused/);
  });

  it("warns about a queued deploy the server flags as stuck, even before the page's own threshold", () => {
    const st = parseDeployStatus({
      ...status({ runtime: 'Pending', phase: 'queued', createdMs: NOW - 1_000 }),
      stuck: true,
    });
    const state = deriveDocsState(inputs(parseSummary(summary({ installed: false })), tracked('deploy-local-1', st)));
    expect(state.kind === 'installing' && state.deploy.pendingTooLong).toBe(true);
  });

  it('reports drift (the cluster runs another image, since when), the last reconcile and the registry error', () => {
    const base = summary({ registryDigest: null });
    const s = parseSummary({
      ...base,
      drift: { detected: true, live_image: 'elsewhere/elb-openapi:dev', since: '2026-01-01T11:58:00.000Z' },
      registry: { tag: '3.4', digest: null, tags: [], error: 'registry unreachable' },
      last_reconcile: {
        target: 'local',
        at: '2026-01-01T12:00:00.000Z',
        skipped: null,
        update: {
          tag: null,
          digest: null,
          action: 'none',
          reason: 'registry_unavailable',
          outcome: null,
          deploy_id: null,
        },
        drift: {
          state: 'detected',
          live_image: 'elsewhere/elb-openapi:dev',
          deployed_image: base.deployed?.image ?? null,
          action: 'known',
          deploy_id: null,
          error: null,
        },
        message: 'could not read the registry',
        error: null,
      },
    });
    const state = deriveDocsState(inputs(s));
    expect(state.kind === 'installed' && state.update.drift).toMatch(
      /^Drift: the cluster runs elsewhere\/elb-openapi:dev, elb-control deployed \S+@sha256:[0-9a-f]{12} \(since (2026-01-01 )?11:58 UTC\)$/,
    );
    expect(state.kind === 'installed' && state.update.reconcile).toMatch(
      /^Last reconcile (2026-01-01 )?12:00 UTC: could not read the registry$/,
    );
    expect(state.kind === 'installed' && state.update.registryError).toBe('registry unreachable');
    expect(state.kind === 'installed' && state.update.registryUnknown).toBe(true);
  });
});

describe('update advice', () => {
  it('makes Update primary only when the registry digest differs from the deployed one', () => {
    const same = deriveDocsState(inputs(parseSummary(summary({ registryDigest: DIGEST_OLD }))));
    const differs = deriveDocsState(inputs(parseSummary(summary({ registryDigest: DIGEST_NEW }))));
    expect(same.kind === 'installed' && same.update.updateAvailable).toBe(false);
    expect(differs.kind === 'installed' && differs.update.updateAvailable).toBe(true);
    expect(differs.kind === 'installed' && differs.update.registryDigest).toBe('sha256:222222222222');
  });

  it('says the registry is unknown rather than claiming up to date, and lists newer tags newest first', () => {
    const unknown = deriveDocsState(inputs(parseSummary(summary({ registryDigest: null }))));
    expect(unknown.kind === 'installed' && unknown.update.registryUnknown).toBe(true);
    const newer = deriveDocsState(inputs(parseSummary(summary({ tags: ['3.3', '3.4', '3.10', 'latest', '3.5'] }))));
    expect(newer.kind === 'installed' && newer.update.newerTags).toEqual(['3.10', '3.5']);
  });
});

describe('nextTrackedId', () => {
  it("follows the server's active deploy, even one started elsewhere, and otherwise keeps the current one", () => {
    const active = parseSummary(
      summary({ active: { instance_id: 'auto-7', runtime_status: 'Running', phase: 'queued', reason: 'auto' } }),
    );
    const mine = { instanceId: 'mine', terminal: false, createdMs: NOW };
    expect(nextTrackedId(null, active)).toBe('auto-7');
    expect(nextTrackedId(mine, active)).toBe('auto-7');
    expect(nextTrackedId(mine, parseSummary(summary()))).toBe('mine');
    expect(nextTrackedId({ ...mine, terminal: true }, parseSummary(summary()))).toBe('mine');
    expect(nextTrackedId(null, parseSummary(summary()))).toBeNull();
  });
});

describe('issue 12: every deploy, failed digests, parts that are down', () => {
  const cancelled = (createdMs: number) => parseDeployStatus(cancelledStatus('waiting_for_external_ip', createdMs));

  it('follows the last deploy until it is dismissed, keeps a newer one of its own, and prefers the active one', () => {
    const last = parseSummary(summary({ lastDeploy: deployBrief({ deploy_id: 'auto-1', reason: 'auto' }) }));
    expect(nextTrackedId(null, last)).toBe('auto-1');
    expect(nextTrackedId(null, last, (id) => id === 'auto-1')).toBeNull();
    // An older finished deploy gives way to the newer last deploy.
    expect(nextTrackedId({ instanceId: 'old', terminal: true, createdMs: 0 }, last)).toBe('auto-1');
    // One the page started itself after it (the summary lags) is kept.
    expect(
      nextTrackedId({ instanceId: 'mine', terminal: true, createdMs: Date.parse('2026-05-15T12:05:00Z') }, last),
    ).toBe('mine');
    expect(nextTrackedId({ instanceId: 'mine', terminal: false, createdMs: null }, last)).toBe('mine');
  });

  it("shows an automatic update's result from the summary's record before (or without) a status read", () => {
    const s = parseSummary(
      summary({
        deployedDigest: DIGEST_NEW,
        registryDigest: DIGEST_NEW,
        lastDeploy: deployBrief({ deploy_id: 'auto-1', reason: 'auto', requester: 'event-grid' }),
      }),
    );
    for (const t of [
      tracked('auto-1', null, { reason: null }),
      tracked('auto-1', null, { reason: null, notFound: true }),
    ]) {
      const state = deriveDocsState(inputs(s, t));
      expect(state.kind).toBe('installed');
      if (state.kind !== 'installed') continue;
      expect(state.lastDeploy?.outcome).toBe('succeeded');
      expect(state.lastDeploy?.headline).toBe('Updated automatically to 3.4 (sha256:222222222222) at 12:03 UTC');
      expect(state.lastDeploy?.error).toBeNull();
      expect(state.lastDeploy?.requester).toBe('event-grid');
    }
  });

  it('says a failed automatic update once: the cause in the headline, not again as the message or step detail', () => {
    const brief = deployBrief({
      deploy_id: 'auto-2',
      reason: 'auto',
      status: 'rolled_back',
      digest: DIGEST_BROKEN,
      error: { code: 'crash_loop', message: 'crash loop' },
    });
    const st = parseDeployStatus(
      status({
        instanceId: 'auto-2',
        runtime: 'Completed',
        phase: 'rolled_back',
        timeline: timeline('waiting_for_rollout', 'failed', NOW - 60_000).map((e) =>
          e.status === 'failed' ? { ...e, detail: 'crash_loop: crash loop' } : e,
        ),
        output: { status: 'rolled_back', error: { code: 'crash_loop', message: 'crash loop' } },
        createdMs: NOW - 60_000,
      }),
    );
    const s = parseSummary(
      summary({ registryDigest: DIGEST_BROKEN, failedDigests: [failedDigest()], lastDeploy: brief }),
    );
    const state = deriveDocsState(inputs(s, tracked('auto-2', st, { reason: null })));
    expect(state.kind).toBe('installed');
    if (state.kind !== 'installed') return;
    expect(state.lastDeploy?.headline).toBe(
      'An automatic update to sha256:960f00000000 failed and was rolled back: crash loop',
    );
    expect(state.lastDeploy?.message).toBeNull();
    expect(state.lastDeploy?.stoppedAt).toEqual([{ label: 'Waiting for pods to roll out', detail: null }]);
    // The Update card: the failed digest is named, the update is available but not recommended.
    expect(state.update.updateAvailable).toBe(true);
    expect(state.update.recommended).toBe(false);
    expect(state.update.failedDigest).toBe('sha256:960f00000000 failed on 12:03 UTC: crash loop; rolled back');
  });

  it('tells a cancel as cancelled, in phase labels, with what the cluster runs now', () => {
    const s = parseSummary(summary({ registryDigest: DIGEST_NEW }));
    const state = deriveDocsState(inputs(s, tracked('deploy-local-1', cancelled(NOW - 30_000))));
    expect(state.kind).toBe('installed');
    if (state.kind !== 'installed') return;
    const view = state.lastDeploy!;
    expect(view.outcome).toBe('cancelled');
    expect(view.headline).toBe('Deploy cancelled on request during waiting for LoadBalancer address');
    expect(view.message).toBeNull();
    expect(view.errorCode).toBeNull();
    expect(view.stoppedAt).toEqual([]);
    expect(view.clusterState).toBe('Restored to 127.0.0.1:5001/elb-openapi@sha256:111111111111');
  });

  it('says when a deploy finished before the cancel took effect instead of a plain success', () => {
    const st = parseDeployStatus(
      status({
        runtime: 'Completed',
        phase: 'completed',
        output: { status: 'succeeded' },
        createdMs: NOW - 10_000,
        cancelRequested: true,
      }),
    );
    const state = deriveDocsState(inputs(parseSummary(summary()), tracked('deploy-local-1', st)));
    expect(state.kind === 'installed' && state.lastDeploy?.headline).toBe(
      'Deploy succeeded: it finished before the cancel took effect',
    );
  });

  it('lists the parts that are down once, merges a refused start, and blocks Deploy with the reason', () => {
    const exec = { part: 'exec' as const, code: 'exec_unavailable' as const, message: 'down', hint: 'run it' };
    const s = parseSummary(summary({ registryDigest: DIGEST_NEW, dependencies: [exec] }));
    const state = deriveDocsState(inputs(s, null, { startDependency: { ...exec, message: 'refused' } }));
    expect(state.kind).toBe('installed');
    if (state.kind !== 'installed') return;
    expect(state.dependencies).toHaveLength(1);
    expect(state.blocked).toMatch(/until the exec server answers/);
    const cluster = parseDependencyProblem(dependency('cluster', 'no route'));
    const merged = deriveDocsState(inputs(parseSummary(summary()), null, { startDependency: cluster }));
    expect(merged.kind === 'installed' && merged.dependencies.map((d) => d.code)).toEqual(['cluster_unavailable']);
    // A refused start alone does not block: the summary decides whether the part is still down.
    expect(merged.kind === 'installed' && merged.blocked).toBeNull();
  });

  it("tells a deploy's end from the change feed's record while the summary still says it runs", () => {
    const running = deployBrief({ deploy_id: 'auto-3', reason: 'auto', status: 'running' });
    const s = parseSummary(summary({ lastDeploy: running }));
    const feed = parseSummary(
      summary({ lastDeploy: deployBrief({ deploy_id: 'auto-3', reason: 'auto' }) }),
    ).last_deploy;
    const before = deriveDocsState(inputs(s, tracked('auto-3', null, { reason: null })));
    expect(before.kind).toBe('updating');
    const after = deriveDocsState(inputs(s, tracked('auto-3', null, { reason: null }), { feedLastDeploy: feed }));
    expect(after.kind === 'installed' && after.lastDeploy?.headline).toBe(
      'Updated automatically to 3.4 (sha256:222222222222) at 12:03 UTC',
    );
    // The feed's shape is enough to choose what to follow.
    expect(nextTrackedId(null, { active_deploy: null, last_deploy: feed })).toBe('auto-3');
  });

  it('turns a 404 for the named target into the unknown-target state', () => {
    const state = deriveDocsState({
      ...inputs(null),
      summary: { value: null, error: { code: 'unknown_target', message: 'no target named "x"' }, consecutiveErrors: 1 },
    });
    expect(state).toEqual({
      kind: 'unknown_target',
      error: { code: 'unknown_target', message: 'no target named "x"' },
    });
  });
});
