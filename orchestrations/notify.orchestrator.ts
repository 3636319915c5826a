// deliverNotification: one event to one destination (docs/policies.md#notifications). One POST (the sendNotification
// activity) with Durable's retry: 5 attempts, 2 s, 4 s, 8 s, 16 s apart (capped at 30 s). An orchestration per
// destination rather than one fanning out to all: a destination that fails every attempt then cannot cut short the
// retries of another (a failed task ends a Task.all at once). The input is the event and the destination's name —
// never its URL, which only the activity reads — so the history holds no secret. Whatever happens, it ends Completed
// with what it did: a notification never fails anything.
import { RetryOptions, type OrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import { SEND_NOTIFICATION_ACTIVITY } from '../core/notifications';
import type { SendNotificationInput, SendNotificationResult } from './activities/notify';

export const NOTIFY_RETRY = {
  firstRetryIntervalMs: 2000,
  maxAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 30_000,
} as const;

export const deliverNotificationOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as SendNotificationInput;
  const retry = new RetryOptions(NOTIFY_RETRY.firstRetryIntervalMs, NOTIFY_RETRY.maxAttempts);
  retry.backoffCoefficient = NOTIFY_RETRY.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = NOTIFY_RETRY.maxRetryIntervalMs;
  try {
    return (yield context.df.callActivityWithRetry(SEND_NOTIFICATION_ACTIVITY, retry, input)) as SendNotificationResult;
  } catch (err) {
    const result: SendNotificationResult = {
      destination: input.destination,
      delivered: false,
      status: null,
      reason: 'gave_up',
      detail: `${NOTIFY_RETRY.maxAttempts} attempts failed; the last: ${lastFailure(err)}`,
    };
    return result;
  }
};

/** The activity's own message (it names the destination, not its URL), without the host's prefix. */
function lastFailure(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/^Activity function '[^']*' failed:\s*/, '')
    .split('\n')[0]!
    .trim()
    .slice(0, 300);
}
