// Event Grid delivery of ACR `ImagePushed` events: the Event Grid schema envelope Azure sends, posted to a webhook
// the way an Event Grid subscription delivers it (JSON array, aeg-* headers), with a few retries.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface ImagePushedInput {
  topic: string;
  registryHost: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  size: number;
  now: Date;
}

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: 'Microsoft.ContainerRegistry.ImagePushed';
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

export function imagePushedEvent(input: ImagePushedInput): EventGridEvent {
  const time = input.now.toISOString();
  return {
    id: randomUUID(),
    topic: input.topic,
    subject: `${input.repository}:${input.tag}`,
    eventType: 'Microsoft.ContainerRegistry.ImagePushed',
    eventTime: time,
    data: {
      id: randomUUID(),
      timestamp: time,
      action: 'push',
      location: 'local',
      target: {
        mediaType: input.mediaType,
        size: input.size,
        digest: input.digest,
        length: input.size,
        repository: input.repository,
        tag: input.tag,
      },
      request: { id: randomUUID(), host: input.registryHost, method: 'PUT', useragent: 'elb-sim/1.0' },
    },
    dataVersion: '1.0',
    metadataVersion: '1',
  };
}

export interface Delivery {
  event_id: string;
  webhook: string;
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export interface DeliveryOptions {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  subscriptionName: string;
  /**
   * File holding the key the webhook requires (the devhost's system key), sent as `x-functions-key` — a header, so
   * it never shows in a URL or a log line. Read at every attempt: the devhost may create it after the sim starts.
   * A missing file means no key (`func start` does not check keys locally).
   */
  keyFile?: string | undefined;
}

function readKey(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const key = readFileSync(file, 'utf8').trim();
    return key === '' ? undefined : key;
  } catch {
    return undefined;
  }
}

/** Posts one event; retries on 5xx, 408/429 and connection errors, as Event Grid does. */
export async function deliver(webhook: string, event: EventGridEvent, opts: DeliveryOptions): Promise<Delivery> {
  const result: Delivery = { event_id: event.id, webhook: redactUrl(webhook), delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    result.attempts = attempt;
    const key = readKey(opts.keyFile);
    try {
      const res = await fetch(webhook, {
        method: 'POST',
        headers: {
          ...(key ? { 'x-functions-key': key } : {}),
          'content-type': 'application/json',
          'aeg-event-type': 'Notification',
          'aeg-subscription-name': opts.subscriptionName,
          'aeg-delivery-count': String(attempt - 1),
          'aeg-data-version': event.dataVersion,
          'aeg-metadata-version': event.metadataVersion,
        },
        body: JSON.stringify([event]),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      result.status = res.status;
      delete result.error;
      if (res.ok) {
        result.delivered = true;
        return result;
      }
      if (!(res.status >= 500 || res.status === 408 || res.status === 429)) return result;
    } catch (err) {
      result.error =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    if (attempt < opts.attempts) await new Promise((r) => setTimeout(r, opts.backoffMs * attempt));
  }
  return result;
}

/** Webhook URLs can carry a function key (`code=`); never echo it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (k.toLowerCase() === 'code') u.searchParams.set(k, 'REDACTED');
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'invalid-url';
  }
}
