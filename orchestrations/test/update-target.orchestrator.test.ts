// Replay tests of updateTarget through the real durable-functions engine (replay-harness.ts): the approval as an
// external event raced with a durable deadline, the maintenance window as a durable timer, a newer image superseding
// a waiting update, the lease taken on retry, and the deploy's outcome. The activities are scripted per scenario —
// what is under test is the orchestration's decisions and what it publishes; the activities run against the real
// stack in test/e2e/approvals.test.ts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, UpdatePolicy } from '../../core/contract/policy';
import { UpdateProgress, UpdateTargetInput, UpdateTargetOutput } from '../../core/update-model';
import type { UpdateActivityName } from '../activities/update';
import { updateTargetOrchestrator } from '../update-target.orchestrator';
import { ActivityHandler, replay, ScenarioContext } from './replay-harness';

const START = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 3600;
const DIGEST = `sha256:${'b'.repeat(64)}`;
const WINDOW = { days: ['sat' as const], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' };
const WINDOW_TEXT = 'Sat 02:00–05:00 Europe/Stockholm';

function inputFor(policy: Partial<UpdatePolicy>): UpdateTargetInput {
  return {
    target: 'prod',
    image: { tag: '3.5', digest: DIGEST },
    trigger: 'push',
    policy: { ...DEFAULT_POLICY, ...policy },
    offeredAt: new Date(START).toISOString(),
    waveId: null,
  };
}

const approve = { decision: 'approve', by: 'ada@example.org', at: '2026-01-01T01:00:00.000Z', comment: 'go' };
const reject = { decision: 'reject', by: 'bob@example.org', at: '2026-01-01T01:00:00.000Z', comment: 'not today' };

type Scenario = Record<UpdateActivityName, ActivityHandler>;

/** The begin step as the activity answers it: the deadline 24 h (approvalTimeoutHours) after the offer. */
function begin(raise?: (ctx: ScenarioContext) => void, pollSeconds = 5): ActivityHandler {
  return (i: { mode: string; approvalTimeoutHours: number }, ctx) => {
    raise?.(ctx);
    return {
      expiresAtMs: i.mode === 'approve' ? START + i.approvalTimeoutHours * HOUR * 1000 : null,
      pollSeconds,
      watchSeconds: 60,
    };
  };
}

const openWindow = { open: true, text: WINDOW_TEXT, nextMs: START + 3 * HOUR * 1000, next: 'x' };
const closedUntil = (ms: number) => ({ open: false, text: WINDOW_TEXT, nextMs: ms, next: new Date(ms).toISOString() });

function scenario(overrides: Partial<Scenario> = {}): Scenario {
  return {
    updateBegin: begin(),
    updateWindow: () => openWindow,
    updateStartDeploy: () => ({ state: 'started', deployId: 'prod-deploy-1' }),
    updateWatchDeploy: () => ({ finished: true, outcome: 'succeeded', error: null }),
    updateFinish: () => null,
    ...overrides,
  };
}

async function run(policy: Partial<UpdatePolicy>, overrides: Partial<Scenario> = {}) {
  const r = await replay(updateTargetOrchestrator, inputFor(policy), scenario(overrides), { instanceId: 'upd-1' });
  expect(r.runtimeStatus).toBe('Completed');
  const out = r.output as UpdateTargetOutput;
  // The last activity records the end, with the same output the orchestration returns.
  const last = r.calls.at(-1)!;
  expect(last.name).toBe('updateFinish');
  expect(last.input).toEqual({ updateId: 'upd-1', trigger: 'push', offeredAt: inputFor({}).offeredAt, output: out });
  return {
    r,
    out,
    names: r.calls.map((c) => c.name),
    states: r.statuses.map((s) => (s as UpdateProgress | null)?.state),
  };
}

const callOf = (r: { calls: { name: string; input: unknown; at: number }[] }, name: string) =>
  r.calls.find((c) => c.name === name);

describe('updateTarget orchestration (replayed by durable-functions)', () => {
  it('approve: waits for the decision, then deploys exactly the offered digest with the approval, and ends with its outcome', async () => {
    const { r, out, names, states } = await run(
      { mode: 'approve' },
      { updateBegin: begin((ctx) => ctx.raise('decision', approve)) },
    );
    expect(names).toEqual(['updateBegin', 'updateStartDeploy', 'updateWatchDeploy', 'updateFinish']);
    expect(callOf(r, 'updateStartDeploy')!.input).toEqual({
      updateId: 'upd-1',
      target: 'prod',
      image: { tag: '3.5', digest: DIGEST },
      requester: 'ada@example.org',
      decision: approve,
    });
    expect(out).toEqual({
      target: 'prod',
      image: { tag: '3.5', digest: DIGEST },
      outcome: 'succeeded',
      deployId: 'prod-deploy-1',
      error: null,
      decision: approve,
    });
    expect(states).toContain('waiting_for_approval');
    expect(states.at(-1)).toBe('done');
    // While it waited, the status said until when (the summary's "expires in 23 h").
    const waiting = r.statuses.find(
      (s) => (s as UpdateProgress | null)?.state === 'waiting_for_approval',
    ) as UpdateProgress;
    expect(waiting.expires_at).toBe('2026-01-02T00:00:00.000Z');
    // The wait was an event raced with the deadline timer and the supersede, not a loop of looks.
    expect(r.trace.flat().filter((a) => a.startsWith('any['))).toEqual([
      'any[wait event decision | timer +86400s | wait event superseded]',
    ]);
    expect(r.trace.flat()).toContain('cancel timer 1');
  });

  it('reject: ends rejected with who and the comment; nothing is deployed', async () => {
    const { r, out, names } = await run(
      { mode: 'approve' },
      { updateBegin: begin((ctx) => ctx.raise('decision', reject)) },
    );
    expect(names).toEqual(['updateBegin', 'updateFinish']);
    expect(out).toMatchObject({
      outcome: 'rejected',
      deployId: null,
      decision: reject,
      error: { code: 'rejected', message: 'rejected by bob@example.org: not today' },
    });
    expect(r.calls.some((c) => c.name === 'updateStartDeploy')).toBe(false);
  });

  it('expire: no decision by the deadline ends it expired, at the deadline (24 h, the policy’s)', async () => {
    const { r, out, names } = await run({ mode: 'approve' });
    expect(names).toEqual(['updateBegin', 'updateFinish']);
    expect(out).toMatchObject({ outcome: 'expired', deployId: null, decision: null, error: { code: 'expired' } });
    expect(callOf(r, 'updateFinish')!.at).toBe(24 * HOUR);
  });

  it('expire: a shorter policy deadline is the timer', async () => {
    const { r, out } = await run({ mode: 'approve', approvalTimeoutHours: 2 });
    expect(out.outcome).toBe('expired');
    expect(callOf(r, 'updateFinish')!.at).toBe(2 * HOUR);
  });

  it('a forged decision event (not approve/reject, no approver) is ignored: it keeps waiting for a real one', async () => {
    const forged = { decision: 'approve', by: '', at: 'x', comment: null };
    const { out, names } = await run(
      { mode: 'approve' },
      {
        updateBegin: begin((ctx) => {
          ctx.raise('decision', { decision: 'yes please', by: 'mallory' });
          ctx.raise('decision', forged);
        }),
      },
    );
    expect(names).toEqual(['updateBegin', 'updateFinish']);
    expect(out.outcome).toBe('expired');
  });

  it('superseded while waiting for approval: a newer image ends it; a later decision changes nothing', async () => {
    const { out, names } = await run(
      { mode: 'approve' },
      {
        updateBegin: begin((ctx) => {
          ctx.raise('superseded', { by: 'upd-2' });
          ctx.raise('decision', approve);
        }),
      },
    );
    expect(names).toEqual(['updateBegin', 'updateFinish']);
    expect(out).toMatchObject({ outcome: 'superseded', deployId: null, error: { code: 'superseded' } });
  });

  it('waits for a closed window on a durable timer, looks again when it fires, then deploys', async () => {
    const opensAt = START + 2 * HOUR * 1000;
    const { r, out, names, states } = await run(
      { mode: 'auto', window: WINDOW },
      { updateWindow: (_i, ctx) => (ctx.callIndex === 0 ? closedUntil(opensAt) : openWindow) },
    );
    expect(names).toEqual([
      'updateBegin',
      'updateWindow',
      'updateWindow',
      'updateStartDeploy',
      'updateWatchDeploy',
      'updateFinish',
    ]);
    expect(out.outcome).toBe('succeeded');
    // The second look and the deploy come a second after the opening, not before.
    expect(callOf(r, 'updateStartDeploy')!.at).toBeGreaterThanOrEqual(2 * HOUR + 1);
    expect(r.trace.flat()).toContain('any[timer +7201s | wait event superseded]');
    const waiting = r.statuses.find(
      (s) => (s as UpdateProgress | null)?.state === 'waiting_for_window',
    ) as UpdateProgress;
    expect(waiting).toMatchObject({ window: WINDOW_TEXT, window_opens_at: new Date(opensAt).toISOString() });
    expect(states.indexOf('waiting_for_window')).toBeLessThan(states.indexOf('deploying'));
  });

  it('approved, then the window: an approved update still waits for the window', async () => {
    const opensAt = START + 5 * HOUR * 1000;
    const { r, out, names } = await run(
      { mode: 'approve', window: WINDOW },
      {
        updateBegin: begin((ctx) => ctx.raise('decision', approve)),
        updateWindow: (_i, ctx) => (ctx.callIndex === 0 ? closedUntil(opensAt) : openWindow),
      },
    );
    expect(names).toEqual([
      'updateBegin',
      'updateWindow',
      'updateWindow',
      'updateStartDeploy',
      'updateWatchDeploy',
      'updateFinish',
    ]);
    expect(out).toMatchObject({ outcome: 'succeeded', decision: approve });
    expect(callOf(r, 'updateStartDeploy')!.at).toBeGreaterThanOrEqual(5 * HOUR);
  });

  it('superseded while waiting for the window: the timer is cancelled and nothing is deployed', async () => {
    const { r, out, names } = await run(
      { mode: 'auto', window: WINDOW },
      {
        updateWindow: (_i, ctx) => {
          ctx.raise('superseded', { by: 'upd-2' });
          return closedUntil(START + 30 * HOUR * 1000);
        },
      },
    );
    expect(names).toEqual(['updateBegin', 'updateWindow', 'updateFinish']);
    expect(out.outcome).toBe('superseded');
    expect(callOf(r, 'updateFinish')!.at).toBeLessThan(60);
    expect(r.trace.flat().some((a) => a.startsWith('cancel timer'))).toBe(true);
  });

  it('the lease busy: tries again on durable timers until it is free, then deploys', async () => {
    const { r, out } = await run(
      { mode: 'auto', window: WINDOW },
      {
        updateStartDeploy: (_i, ctx) =>
          ctx.callIndex < 2
            ? { state: 'busy', activeInstanceId: 'prod-manual-1', detail: 'another operation holds the target' }
            : { state: 'started', deployId: 'prod-deploy-2' },
      },
    );
    expect(out).toMatchObject({ outcome: 'succeeded', deployId: 'prod-deploy-2' });
    const starts = r.calls.filter((c) => c.name === 'updateStartDeploy').map((c) => Math.round(c.at));
    expect(starts).toHaveLength(3);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(5);
    const busy = r.statuses.find((s) =>
      (s as UpdateProgress | null)?.detail?.includes('holds the target'),
    ) as UpdateProgress;
    expect(busy.state).toBe('deploying');
  });

  it('the lease busy for longer than the bound: ends failed (lease_busy) and records it', async () => {
    const { r, out } = await run(
      { mode: 'auto', window: WINDOW },
      {
        // Ten-minute pauses keep the replayed history short; the bound is the same hour.
        updateBegin: begin(undefined, 600),
        updateStartDeploy: () => ({
          state: 'busy',
          activeInstanceId: 'x',
          detail: 'another operation holds the target',
        }),
      },
    );
    expect(out).toMatchObject({ outcome: 'failed', deployId: null, error: { code: 'lease_busy' } });
    expect(callOf(r, 'updateFinish')!.at).toBeGreaterThanOrEqual(3600);
    // Within one pause past the bound.
    expect(callOf(r, 'updateFinish')!.at).toBeLessThanOrEqual(3600 + 600 + 1);
  });

  it('a fault of the start activity is retried like a busy lease', async () => {
    const { out } = await run(
      { mode: 'auto', window: WINDOW },
      {
        updateStartDeploy: (_i, ctx) => {
          if (ctx.callIndex === 0) throw new Error('storage blip');
          return { state: 'started', deployId: 'prod-deploy-3' };
        },
      },
    );
    expect(out).toMatchObject({ outcome: 'succeeded', deployId: 'prod-deploy-3' });
  });

  it.each(['failed', 'rolled_back', 'cancelled'] as const)(
    'the deploy ends %s: looked at between durable timers, the update ends the same way with its error',
    async (outcome) => {
      const error = outcome === 'cancelled' ? null : { code: 'crash_loop', message: 'pods crash-loop' };
      const { r, out } = await run(
        { mode: 'auto', window: WINDOW },
        {
          updateWatchDeploy: (_i, ctx) =>
            ctx.callIndex < 2 ? { finished: false } : { finished: true, outcome, error },
        },
      );
      expect(out).toMatchObject({ outcome, deployId: 'prod-deploy-1', error });
      expect(r.calls.filter((c) => c.name === 'updateWatchDeploy')).toHaveLength(3);
    },
  );

  it('nothing to deploy (already deployed, failed before, cluster stopped): ends skipped', async () => {
    const error = { code: 'already_deployed', message: '3.5 is already deployed' };
    const { out, names } = await run(
      { mode: 'auto', window: WINDOW },
      { updateStartDeploy: () => ({ state: 'skipped', error }) },
    );
    expect(out).toMatchObject({ outcome: 'skipped', deployId: null, error });
    expect(names).toEqual(['updateBegin', 'updateWindow', 'updateStartDeploy', 'updateFinish']);
  });
});
