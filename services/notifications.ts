// notify(): the one way the app sends a notification (docs/policies.md#notifications). It builds the event, picks the
// destinations whose filters take it, and starts one deliverNotification orchestration per destination — fire and
// forget, with an instance id derived from the event and the destination, so the same event (a redelivered trigger,
// a finish step that ran twice) is delivered once. It never throws and never waits for a delivery: a notification
// cannot block or fail what it reports on.
import type { DurableClient } from 'durable-functions';
import type { AppConfig } from '../core/config';
import {
  deliveryInstanceId,
  NOTIFY_ORCHESTRATOR,
  NotificationEvent,
  NotificationInput,
  notificationEvent,
  routeAccepts,
} from '../core/notifications';
import { isInstanceNotFound } from '../core/status';
import { appConfig } from '../adapters/settings';
import type { SendNotificationInput } from '../orchestrations/activities/notify';

/** An unresolved setting is told once per process, not on every event. */
let problemTold = false;

/** How long notify() may take in all (the Durable client answering slowly must not hold up a deploy step). */
const NOTIFY_BUDGET_MS = 5000;

/**
 * Sends `input` to every configured destination that takes its kind and target. Returns the delivery instances it
 * started (none when nothing is configured, the event was already delivered, or something went wrong — logged in one
 * short line without URLs). `config` defaults to the process's settings.
 */
export async function notify(
  client: Pick<DurableClient, 'getStatus' | 'startNew'>,
  input: NotificationInput,
  config?: Pick<AppConfig, 'notifications'> & Partial<Pick<AppConfig, 'notificationsProblem'>>,
): Promise<string[]> {
  let event: NotificationEvent | null = null;
  try {
    const settings = config ?? appConfig();
    const routes = settings.notifications ?? [];
    if (settings.notificationsProblem && !problemTold) {
      problemTold = true;
      console.warn(`notify: ${settings.notificationsProblem}`);
    }
    const built = notificationEvent(input, new Date());
    event = built;
    const chosen = routes.filter((r) => routeAccepts(r, built));
    if (chosen.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'late'>((ok) => {
      timer = setTimeout(() => ok('late'), NOTIFY_BUDGET_MS);
    });
    const started = Promise.all(chosen.map((r) => startDelivery(client, built, r.name)));
    const result = await Promise.race([started, budget]).finally(() => clearTimeout(timer));
    if (result === 'late') {
      warn(built, 'the Durable client did not answer in time; deliveries may be missing');
      return [];
    }
    return result.filter((id): id is string => id !== null);
  } catch (err) {
    warn(event, `not sent (${errorName(err)})`);
    return [];
  }
}

/** Starts one delivery unless the same event already went (or is going) to that destination. */
async function startDelivery(
  client: Pick<DurableClient, 'getStatus' | 'startNew'>,
  event: NotificationEvent,
  destination: string,
): Promise<string | null> {
  const instanceId = deliveryInstanceId(event.id, destination);
  try {
    await client.getStatus(instanceId);
    return null; // known: delivered or being delivered
  } catch (err) {
    // Unsure whether it exists (Durable answered with something else): try to start; an active one is refused.
    if (!isInstanceNotFound(err)) warn(event, `status of the delivery to ${destination} unknown (${errorName(err)})`);
  }
  const message: SendNotificationInput = { destination, event };
  try {
    await client.startNew(NOTIFY_ORCHESTRATOR, { instanceId, input: message });
    return instanceId;
  } catch (err) {
    warn(event, `delivery to ${destination} not started (${errorName(err)})`);
    return null;
  }
}

/** The error's class or code — never its message, which may quote a setting or an address. */
function errorName(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string' && /^[\w.-]{1,60}$/.test(e.code)) return e.code;
  return typeof e?.name === 'string' ? e.name.slice(0, 60) : 'error';
}

function warn(event: NotificationEvent | null, what: string): void {
  const about = event ? `${event.kind} for ${event.target} (${event.id})` : 'an event';
  console.warn(`notify: ${about}: ${what}`);
}
