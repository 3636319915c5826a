// Replay tests of deliverNotification through the real durable-functions engine (replay-harness.ts, which plays the
// host's part of callActivityWithRetry: a retry timer after each failed attempt, then the next attempt). The
// sendNotification activity is scripted — its HTTP behaviour is tested against a real server in notify-activity.test.ts.
// What is under test: the retry policy (attempts, 2 s × 2^n backoff, the 30 s cap), that a final answer is not
// retried, that giving up ends the orchestration Completed (a notification never fails anything), and that nothing in
// the history names a URL.
import { describe, expect, it } from 'vitest';
import { notificationEvent } from '../../core/notifications';
import type { SendNotificationInput } from '../activities/notify';
import { deliverNotificationOrchestrator, NOTIFY_RETRY } from '../notify.orchestrator';
import { replay } from './replay-harness';

const event = notificationEvent(
  {
    kind: 'deploy_failed',
    target: 'local',
    deploy_id: 'local-20260101t000000-abcd0123',
    reason: 'auto',
    tag: '3.6',
    outcome: 'rolled_back',
    error: { code: 'rollout_failed', message: 'pods crash-looped' },
    requester: 'event-grid',
  },
  new Date('2026-01-01T00:00:00Z'),
);
const input: SendNotificationInput = { destination: 'team-chat', event };

/** Times (simulated seconds since the start) of each call. */
const times = (calls: { at: number }[]) => calls.map((c) => Math.round(c.at));

describe('deliverNotification', () => {
  it('sends once when the first attempt is delivered', async () => {
    const r = await replay(deliverNotificationOrchestrator, input, {
      sendNotification: (i: SendNotificationInput) => ({ destination: i.destination, delivered: true, status: 200 }),
    });
    expect(r.runtimeStatus).toBe('Completed');
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.input).toEqual(input);
    expect(r.output).toEqual({ destination: 'team-chat', delivered: true, status: 200 });
    expect(r.trace[0]).toEqual([
      expect.stringMatching(/^activity with retry sendNotification .*"maxNumberOfAttempts":5/),
    ]);
  });

  it('retries failed attempts 2 s, then 4 s later, and ends with the delivery', async () => {
    const r = await replay(deliverNotificationOrchestrator, input, {
      sendNotification: (i: SendNotificationInput, ctx) => {
        if (ctx.callIndex < 2) throw new Error(`${i.destination}: HTTP 500`);
        return { destination: i.destination, delivered: true, status: 200 };
      },
    });
    expect(r.runtimeStatus).toBe('Completed');
    expect(times(r.calls)).toEqual([0, 2, 6]);
    expect(r.output).toEqual({ destination: 'team-chat', delivered: true, status: 200 });
    // Attempt, timer, attempt, timer, attempt: five sequence numbers, as the host writes them.
    expect(r.history.filter((e) => e.EventType === 4).map((e) => e.EventId)).toEqual([0, 2, 4]);
    expect(r.history.filter((e) => e.EventType === 10).map((e) => e.EventId)).toEqual([1, 3]);
  });

  it('does not retry a final answer (a 4xx the activity returns)', async () => {
    const rejected = {
      destination: 'team-chat',
      delivered: false,
      status: 404,
      reason: 'rejected',
      detail: 'team-chat: HTTP 404, not retried',
    };
    const r = await replay(deliverNotificationOrchestrator, input, { sendNotification: () => rejected });
    expect(r.runtimeStatus).toBe('Completed');
    expect(r.calls).toHaveLength(1);
    expect(r.output).toEqual(rejected);
  });

  it('gives up quietly after every attempt failed: 5 attempts, backoff 2, 4, 8, 16 s, Completed with gave_up', async () => {
    const r = await replay(deliverNotificationOrchestrator, input, {
      sendNotification: (i: SendNotificationInput, ctx) => {
        throw new Error(`${i.destination}: connection failed (ECONNREFUSED) #${ctx.callIndex + 1}`);
      },
    });
    expect(r.runtimeStatus).toBe('Completed');
    expect(r.calls).toHaveLength(NOTIFY_RETRY.maxAttempts);
    expect(times(r.calls)).toEqual([0, 2, 6, 14, 30]);
    expect(r.output).toEqual({
      destination: 'team-chat',
      delivered: false,
      status: null,
      reason: 'gave_up',
      detail: '5 attempts failed; the last: team-chat: connection failed (ECONNREFUSED) #5',
    });
  });

  it('caps the wait between attempts at 30 s', async () => {
    expect(NOTIFY_RETRY).toMatchObject({ backoffCoefficient: 2, maxRetryIntervalMs: 30_000 });
    // 2 × 2^4 = 32 s would be the fifth wait: with more attempts the cap would apply. Checked on the wire options.
    const r = await replay(deliverNotificationOrchestrator, input, {
      sendNotification: (i: SendNotificationInput) => ({ destination: i.destination, delivered: true, status: 202 }),
    });
    expect(r.trace[0]![0]).toContain('"maxRetryIntervalInMilliseconds":30000');
    expect(r.trace[0]![0]).toContain('"backoffCoefficient":2');
  });

  it('keeps URLs out of the history: the input names the destination only', async () => {
    const r = await replay(deliverNotificationOrchestrator, input, {
      sendNotification: (i: SendNotificationInput, ctx) => {
        if (ctx.callIndex === 0) throw new Error(`${i.destination}: HTTP 503`);
        return { destination: i.destination, delivered: true, status: 200 };
      },
    });
    const text = JSON.stringify(r.history);
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).toContain('team-chat');
  });
});
