// Event Grid deliveries to the app's webhook made by a test, as a subscription makes them: for a redelivered push,
// a forged one, or one the registry never confirmed. The event is built by the sim's own builder, so it has exactly
// the shape the sim (and ACR) sends.
import { imagePushedEvent as simImagePushedEvent, type EventGridEvent } from '../../sim/registry/eventgrid';
import { DEFAULTS as SIM_DEFAULTS } from '../../sim/sim';

export interface PushedImage {
  digest: string;
  /** The registry host the push names, e.g. `127.0.0.1:<sim registry port>`: the app checks it in local mode. */
  registryHost: string;
  tag?: string;
  /** The registry's ARM id; the sim's unless given. */
  topic?: string;
}

/** An ImagePushed event for elb-openapi, with a fresh id and the current time. */
export function imagePushedEvent({
  digest,
  registryHost,
  tag = '3.4',
  topic = SIM_DEFAULTS.registryResourceId,
}: PushedImage): EventGridEvent {
  return simImagePushedEvent({
    topic,
    registryHost,
    repository: 'elb-openapi',
    tag,
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1,
    now: new Date(),
  });
}

/**
 * Posts `events` to the Event Grid webhook at `appOrigin` (e.g. `http://127.0.0.1:<api port>`) with the devhost's
 * system key and `aeg-event-type: Notification`; `headers` override those. Resolves with the status.
 */
export async function deliverEvents(
  appOrigin: string,
  systemKey: string,
  events: unknown[],
  headers: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(`${appOrigin}/runtime/webhooks/EventGrid?functionName=acrImagePushed`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'aeg-event-type': 'Notification',
      'x-functions-key': systemKey,
      ...headers,
    },
    body: JSON.stringify(events),
  });
  await res.arrayBuffer();
  return res.status;
}
