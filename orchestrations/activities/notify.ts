// sendNotification: one POST of one notification to one destination (docs/policies.md#notifications). The input names
// the destination; its URL — a secret — is read from the settings here, and no message this module makes contains
// it (nor its host: a connection error is told by its code only), so it never reaches a log or the Durable history.
// Retries are Durable's (orchestrations/notify.orchestrator.ts): a failure worth retrying throws, a final answer
// (delivered, refused with a 4xx, destination gone) returns.
import { NotificationEvent, NotifyFormat, renderNotification } from '../../core/notifications';
import { notifyDestination } from '../../adapters/settings';

export interface SendNotificationInput {
  destination: string;
  event: NotificationEvent;
}

export type SendNotificationResult =
  | { destination: string; delivered: true; status: number }
  | {
      destination: string;
      delivered: false;
      /** The destination's answer, when it gave one. */
      status: number | null;
      /** `rejected`: a final 3xx/4xx; `unknown_destination`: no longer configured; `gave_up`: every attempt failed. */
      reason: 'rejected' | 'unknown_destination' | 'gave_up';
      detail: string;
    };

/** A failure worth another attempt (network, timeout, 408, 429, 5xx). Its message names the destination, never the URL. */
export class NotificationRetryable extends Error {
  override readonly name = 'NotificationRetryable';
}

export interface SendDeps {
  /** The destination's URL and format, or null when none has that name. */
  destination(name: string): { url: string; format: NotifyFormat } | null;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** Bound on one POST, answer included. */
  timeoutMs: number;
  /** Longest Retry-After honoured by waiting (the retry policy's largest interval). */
  retryAfterCapMs: number;
}

/** The same 30 s as the retry policy's largest interval (orchestrations/notify.orchestrator.ts). */
export const RETRY_AFTER_CAP_MS = 30_000;

const defaultDeps: SendDeps = {
  destination: notifyDestination,
  fetch: (...args) => fetch(...args),
  sleep: (ms) => new Promise((ok) => setTimeout(ok, ms)),
  timeoutMs: 10_000,
  retryAfterCapMs: RETRY_AFTER_CAP_MS,
};

export async function sendNotification(
  input: SendNotificationInput,
  deps: SendDeps = defaultDeps,
): Promise<SendNotificationResult> {
  const name = input.destination;
  const found = deps.destination(name);
  if (!found) {
    return {
      destination: name,
      delivered: false,
      status: null,
      reason: 'unknown_destination',
      detail: `no destination "${name}" is configured (any more)`,
    };
  }
  let res: Response;
  try {
    res = await deps.fetch(found.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'elb-control-notify/1' },
      body: JSON.stringify(renderNotification(input.event, found.format)),
      // A redirect would hand the message (and maybe the URL's secret path) to another address: answered as is.
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    // The answer's body is dropped unread: only the status counts, a destination's body may echo the request, and
    // reading it would let an endless answer fill the worker's memory until the timeout.
    await res.body?.cancel().catch(() => undefined);
  } catch (err) {
    throw new NotificationRetryable(`${name}: ${networkFailure(err, deps.timeoutMs)}`);
  }
  if (res.status >= 200 && res.status < 300) return { destination: name, delivered: true, status: res.status };
  if (res.status === 429) {
    const waitMs = retryAfterMs(res.headers.get('retry-after'), Date.now());
    // Honoured within the cap: the next attempt comes after the wait plus Durable's backoff.
    if (waitMs !== null) await deps.sleep(Math.min(waitMs, deps.retryAfterCapMs));
    throw new NotificationRetryable(`${name}: HTTP 429 (too many requests)`);
  }
  if (res.status === 408 || res.status >= 500) throw new NotificationRetryable(`${name}: HTTP ${res.status}`);
  return {
    destination: name,
    delivered: false,
    status: res.status,
    reason: 'rejected',
    detail: `${name}: HTTP ${res.status}, not retried (check the destination's settings)`,
  };
}

/** Why a POST got no answer, by error code only: undici's messages name the address it tried. */
function networkFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: unknown; cause?: { code?: unknown; name?: unknown } } | null;
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return `connection failed (${code})`;
  return 'connection failed';
}

/** A Retry-After header (seconds, or an HTTP date) as milliseconds from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
