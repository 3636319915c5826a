// Event Grid `Microsoft.ContainerRegistry.ImagePushed` events: validated at the boundary before anything acts on
// them. The envelope is parsed and typed by @azure/eventgrid; this module checks that the event is for our registry
// and repository and carries a usable tag and digest. An event that fails is ignored with a reason (redelivery
// would not help). Whether the digest is really the tag's current one is asked of the registry by the caller.
// @azure/eventgrid is loaded on the first event, not at start (docs/decisions/0002-function-app-bundle.md).
import type { ContainerRegistryImagePushedEventData, EventGridDeserializer, EventGridEvent } from '@azure/eventgrid';
import * as z from 'zod/mini';
import { ImagePushedData } from './contract/event-grid';
import { describeIssue } from './contract/issues';
import { Tag } from './contract/primitives';
import { PushEvent } from './target-state';

export const IMAGE_PUSHED = 'Microsoft.ContainerRegistry.ImagePushed';

export interface ExpectedSource {
  /** Registry host in image references, e.g. `elbacr01.azurecr.io` or `127.0.0.1:5001`. */
  registryHost: string;
  repository: string;
  /** ARM id of the registry; when set the event's topic must match it (always set in platform mode). */
  registryResourceId: string | null;
}

export type ParsedPush = { ok: true; push: PushEvent; eventId: string } | { ok: false; reason: string };

/** Checks an event already deserialized by `EventGridDeserializer` (so id, subject, eventType, time are present). */
export function parseImagePushed(event: EventGridEvent<unknown>, expected: ExpectedSource): ParsedPush {
  if (!isImagePushed(event)) {
    return { ok: false, reason: `event type ${String(event.eventType).slice(0, 100)} is not handled` };
  }
  // The SDK types the data, but a sender can still leave fields out: the data is checked against its schema.
  const data = z.safeParse(ImagePushedData, event.data, { reportInput: true });
  if (!data.success) return { ok: false, reason: `event ${describeIssue(data.error.issues[0]!, 'data')}` };
  const { repository, digest, tag } = data.data.target;
  if (repository !== expected.repository) return { ok: false, reason: 'event is for another repository' };
  if (expected.registryResourceId) {
    if (typeof event.topic !== 'string' || event.topic.toLowerCase() !== expected.registryResourceId.toLowerCase()) {
      return { ok: false, reason: 'event topic is not the configured registry' };
    }
  } else {
    const host = data.data.request?.host;
    if (typeof host !== 'string' || host.toLowerCase() !== expected.registryHost.toLowerCase()) {
      return { ok: false, reason: 'event comes from another registry host' };
    }
  }
  if (!tag) return { ok: false, reason: 'digest-only push: no tag to match' };
  if (!z.safeParse(Tag, tag).success) return { ok: false, reason: 'event tag is invalid' };
  return { ok: true, push: { repository, tag, digest }, eventId: event.id };
}

/** The SDK's `isSystemEvent(IMAGE_PUSHED, event)` for an Event Grid schema event, without loading the SDK. */
function isImagePushed(event: EventGridEvent<unknown>): event is EventGridEvent<ContainerRegistryImagePushedEventData> {
  return event.eventType === IMAGE_PUSHED;
}

let deserializer: Promise<EventGridDeserializer> | undefined;

/** Parses what the Event Grid trigger hands over (one event in the Event Grid schema), then checks it. */
export async function readImagePushed(raw: unknown, expected: ExpectedSource): Promise<ParsedPush> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an event' };
  // Outside the try: an SDK that fails to load is the app's fault, not the event's (the delivery fails and is retried).
  deserializer ??= import('@azure/eventgrid').then((sdk) => new sdk.EventGridDeserializer());
  const reader = await deserializer;
  let events: EventGridEvent<unknown>[];
  try {
    events = await reader.deserializeEventGridEvents(raw as Record<string, unknown>);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'unreadable';
    return { ok: false, reason: `not an Event Grid event (${why})` };
  }
  if (events.length !== 1) return { ok: false, reason: 'expected exactly one event' };
  return parseImagePushed(events[0]!, expected);
}
