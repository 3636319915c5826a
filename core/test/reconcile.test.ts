// The reconcile pass's decision per target (core/reconcile.ts): inputs → what it offers, what it says about drift,
// whether it corrects it; and the schedule setting.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AppSettings } from '../contract/settings';
import { DEFAULT_POLICY, UpdatePolicy } from '../contract/policy';
import { ReconcileFinding } from '../contract/reconcile';
import {
  decideReconcile,
  DEFAULT_RECONCILE_SCHEDULE,
  failedFinding,
  findingMessage,
  parseReconcileRequest,
  ReconcileInputs,
  reconcileSchedule,
} from '../reconcile';
import { emptyTargetState, TargetState, withFailedDigest } from '../target-state';

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const IMG = (n: number) => `127.0.0.1:5001/elb-openapi@${D(n)}`;

function inputs(over: Partial<ReconcileInputs> & { s?: Partial<TargetState>; p?: Partial<UpdatePolicy> } = {}) {
  const { s, p, ...rest } = over;
  const state = { ...emptyTargetState('local'), deployedTag: '3.4', deployedDigest: D(1), ...s };
  return {
    policy: { ...DEFAULT_POLICY, ...p },
    state,
    pinnedTag: '3.4',
    registry: { digests: { '3.4': D(1), '3.3': D(3) } },
    live: { image: IMG(1) },
    deployedImage: state.deployedDigest ? IMG(Number(state.deployedDigest.slice(7, 8))) : null,
    clusterStopped: false,
    deployRunning: false,
    ...rest,
  } satisfies ReconcileInputs;
}

describe('decideReconcile: a newer image the target follows', () => {
  it('in sync: nothing to offer, no drift, nothing recorded', () => {
    const d = decideReconcile(inputs());
    expect(d).toMatchObject({ skipped: null, offer: null, correct: false, record: undefined });
    expect(d.update).toMatchObject({ tag: '3.4', digest: D(1), action: 'none', reason: 'up_to_date' });
    expect(d.drift).toMatchObject({ state: 'none', action: 'none', live_image: IMG(1), deployed_image: IMG(1) });
  });

  it('a push without an event: the tag moved and nobody offered the digest → offer it', () => {
    const d = decideReconcile(inputs({ registry: { digests: { '3.4': D(2) } } }));
    expect(d.offer).toEqual({ tag: '3.4', digest: D(2) });
    expect(d.update).toMatchObject({ action: 'offered', reason: null, tag: '3.4', digest: D(2) });
  });

  it('once per digest: an event (or an earlier pass) already offered it, or it waits queued', () => {
    const registry = { digests: { '3.4': D(2) } };
    for (const s of [{ lastAutoDigest: D(2) }, { pendingPushDigest: D(2) }]) {
      const d = decideReconcile(inputs({ registry, s }));
      expect(d.offer).toBeNull();
      expect(d.update.reason).toBe('offered_before');
    }
  });

  it('a digest that failed on the target is not retried', () => {
    const failed = withFailedDigest(
      { ...emptyTargetState('local'), deployedTag: '3.4', deployedDigest: D(1) },
      {
        digest: D(2),
        tag: '3.4',
        deploy_id: 'local-x',
        failed_at: '2026-01-01T00:00:00Z',
        outcome: 'rolled_back',
        code: 'crash_loop',
        message: 'm',
      },
    );
    const d = decideReconcile(inputs({ registry: { digests: { '3.4': D(2) } }, s: failed }));
    expect(d.offer).toBeNull();
    expect(d.update.reason).toBe('failed_before');
  });

  it('follows the desired tag (a manual choice), and says when it is not in the registry', () => {
    const chosen = decideReconcile(inputs({ s: { desiredTagOverride: '3.3' } }));
    expect(chosen.offer).toEqual({ tag: '3.3', digest: D(3) });
    const missing = decideReconcile(inputs({ s: { desiredTagOverride: '9.9' } }));
    expect(missing.update).toMatchObject({ action: 'none', reason: 'not_in_registry', tag: '9.9', digest: null });
  });

  it('a range follows the newest tag in it (semver order, not text order), and says when there is none', () => {
    const registry = { digests: { '3.4': D(1), '3.10': D(5), '3.9.1': D(6), '4.0': D(7), latest: D(8) } };
    const d = decideReconcile(inputs({ registry, p: { track: { range: '3.x' } } }));
    expect(d.offer).toEqual({ tag: '3.10', digest: D(5) });
    const none = decideReconcile(inputs({ registry, p: { track: { range: '~5.1' } } }));
    expect(none.update).toMatchObject({ action: 'none', reason: 'no_tag_in_range', tag: null });
  });

  it('a registry it could not read changes nothing and says so', () => {
    const d = decideReconcile(
      inputs({ registry: { error: 'registry_unavailable' }, live: { image: IMG(9) }, s: { driftImage: null } }),
    );
    expect(d.offer).toBeNull();
    expect(d.update).toMatchObject({ action: 'none', reason: 'registry_unavailable', tag: null });
    // Drift is judged from the cluster alone, so it is still reported.
    expect(d.drift.state).toBe('detected');
  });
});

describe('decideReconcile: drift', () => {
  const drifted = { live: { image: '127.0.0.1:5001/elb-openapi:3.3' } };

  it('notify: new drift is reported and recorded once, then known', () => {
    const first = decideReconcile(inputs(drifted));
    expect(first).toMatchObject({ correct: false, record: { image: drifted.live.image } });
    expect(first.drift).toMatchObject({ state: 'detected', action: 'reported', live_image: drifted.live.image });
    const again = decideReconcile(inputs({ ...drifted, s: { driftImage: drifted.live.image } }));
    expect(again).toMatchObject({ correct: false, record: undefined });
    expect(again.drift.action).toBe('known');
  });

  it('correct: new drift starts a correction; a different drifted image is a new episode', () => {
    const p = { drift: 'correct' as const };
    expect(decideReconcile(inputs({ ...drifted, p }))).toMatchObject({
      correct: true,
      drift: { action: 'corrected' },
    });
    expect(decideReconcile(inputs({ ...drifted, p, s: { driftImage: drifted.live.image } })).correct).toBe(false);
    expect(decideReconcile(inputs({ ...drifted, p, s: { driftImage: IMG(4) } })).correct).toBe(true);
  });

  it('gone drift clears the record; nothing is written when there was none', () => {
    expect(decideReconcile(inputs({ s: { driftImage: IMG(4) } })).record).toBeNull();
    expect(decideReconcile(inputs()).record).toBeUndefined();
  });

  it('no drift before the first deploy, or without a Deployment', () => {
    const fresh = decideReconcile(inputs({ s: { deployedDigest: null, deployedTag: null }, ...drifted }));
    expect(fresh.drift).toMatchObject({ state: 'none', deployed_image: null });
    expect(decideReconcile(inputs({ live: { image: null } })).drift.state).toBe('none');
  });

  it('a cluster it could not read: drift unknown, nothing recorded, the update still offered', () => {
    const d = decideReconcile(
      inputs({ live: { error: 'cluster_unavailable' }, registry: { digests: { '3.4': D(2) } } }),
    );
    expect(d.drift).toMatchObject({ state: 'unknown', error: 'cluster_unavailable', action: 'none' });
    expect(d.record).toBeUndefined();
    expect(d.offer).toEqual({ tag: '3.4', digest: D(2) });
  });

  it('a newer image on its way: the correction waits (unrecorded), so the next pass corrects if it did not land', () => {
    const d = decideReconcile(inputs({ ...drifted, p: { drift: 'correct' }, registry: { digests: { '3.4': D(2) } } }));
    expect(d).toMatchObject({ correct: false, record: undefined, offer: { digest: D(2) } });
    expect(d.drift).toMatchObject({ state: 'detected', action: 'none' });
    const next = decideReconcile(
      inputs({
        ...drifted,
        p: { drift: 'correct' },
        registry: { digests: { '3.4': D(2) } },
        s: { lastAutoDigest: D(2) },
      }),
    );
    expect(next).toMatchObject({ correct: true, offer: null, record: { image: drifted.live.image } });
  });
});

describe('decideReconcile: targets left alone', () => {
  it('a stopped cluster or a running deploy: no offer, no drift judged, nothing recorded', () => {
    for (const [over, why] of [
      [{ clusterStopped: true }, 'cluster_stopped'],
      [{ deployRunning: true }, 'deploy_running'],
    ] as const) {
      const d = decideReconcile(
        inputs({ ...over, registry: { digests: { '3.4': D(2) } }, live: { image: IMG(9) }, p: { drift: 'correct' } }),
      );
      expect(d).toMatchObject({ skipped: why, offer: null, correct: false, record: undefined });
      expect(d.update.action).toBe('none');
      expect(d.drift).toMatchObject({ state: 'unknown', action: 'none' });
    }
  });
});

describe('findings', () => {
  const finding = (over: Partial<ReconcileInputs> & { s?: Partial<TargetState>; p?: Partial<UpdatePolicy> }) => {
    const d = decideReconcile(inputs(over));
    const f = {
      target: 'local',
      at: '2026-01-01T00:00:00.000Z',
      skipped: d.skipped,
      update: d.update,
      drift: d.drift,
      error: null,
    };
    return z.parse(ReconcileFinding, { ...f, message: findingMessage(f) });
  };

  it('say in one line what was found and done, valid against the contract', () => {
    expect(finding({}).message).toBe('3.4 (111111111111) is deployed');
    expect(finding({ registry: { error: 'registry_unavailable' } }).message).toBe('could not read the registry');
    expect(finding({ live: { image: 'x/y:1' } }).message).toBe(
      `3.4 (111111111111) is deployed; drift: the cluster runs x/y:1, elb-control deployed ${IMG(1)}; reported`,
    );
    expect(finding({ clusterStopped: true }).message).toBe('skipped: the cluster is stopped');
    const offered = { ...finding({ registry: { digests: { '3.4': D(2) } } }) };
    expect(findingMessage({ ...offered, update: { ...offered.update, outcome: 'started' } })).toBe(
      'offered 3.4 (222222222222): started',
    );
  });

  it('a failed or unfinished target is a finding too', () => {
    expect(z.parse(ReconcileFinding, failedFinding('local', 't', 'storage_unavailable')).message).toBe(
      'the reconcile failed on this target (storage_unavailable)',
    );
    expect(failedFinding('local', 't', 'still_running').message).toMatch(/still running .*last_reconcile/);
  });
});

describe('schedule and request', () => {
  it('ELB_RECONCILE_SCHEDULE, else every 10 minutes; the setting is checked for its shape', () => {
    expect(reconcileSchedule({})).toBe(DEFAULT_RECONCILE_SCHEDULE);
    expect(reconcileSchedule({ ELB_RECONCILE_SCHEDULE: '  ' })).toBe('0 */10 * * * *');
    expect(reconcileSchedule({ ELB_RECONCILE_SCHEDULE: '*/2 * * * * *' })).toBe('*/2 * * * * *');
    for (const ok of ['0 */10 * * * *', '*/2 * * * * *', '0 0 2 * * Sat', '00:05:00', '1.00:00:00'])
      expect(z.safeParse(AppSettings, { ELB_RECONCILE_SCHEDULE: ok }).success, ok).toBe(true);
    for (const bad of ['*/10 * * * *', 'every 10 minutes', '0 * * * * * *', '5m', '0 $(id) * * * *'])
      expect(z.safeParse(AppSettings, { ELB_RECONCILE_SCHEDULE: bad }).success, bad).toBe(false);
  });

  it('POST /api/reconcile takes an empty body, {} or one target, and names what is wrong', () => {
    expect(parseReconcileRequest('')).toBeNull();
    expect(parseReconcileRequest('{}')).toBeNull();
    expect(parseReconcileRequest('{"target":"local"}')).toBe('local');
    expect(() => parseReconcileRequest('{')).toThrow(expect.objectContaining({ code: 'invalid_json' }));
    expect(() => parseReconcileRequest('{"target":"Bad_Name"}')).toThrow(
      expect.objectContaining({ code: 'invalid_target', status: 400 }),
    );
    expect(() => parseReconcileRequest('{"targets":"local"}')).toThrow(
      expect.objectContaining({ code: 'unknown_field' }),
    );
    expect(() => parseReconcileRequest('[]')).toThrow(expect.objectContaining({ code: 'invalid_body' }));
  });
});
