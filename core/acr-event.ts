// Event Grid `Microsoft.ContainerRegistry.ImagePushed` events: validated at the boundary before anything acts on
// them. An event that is not for our registry and repository is ignored with a reason (redelivery would not help).
import { isValidDigest, isValidTag } from './image';
import { PushEvent } from './target-state';

export const IMAGE_PUSHED = 'Microsoft.ContainerRegistry.ImagePushed';

export interface EventGridLike {
  id?: unknown;
  topic?: unknown;
  subject?: unknown;
  eventType?: unknown;
  data?: unknown;
}

export interface ExpectedSource {
  /** Registry host in image references, e.g. `elbacr01.azurecr.io` or `127.0.0.1:5001`. */
  registryHost: string;
  repository: string;
  /** ARM id of the registry; when set the event's topic must match it. */
  registryResourceId: string | null;
}

export type ParsedPush = { ok: true; push: PushEvent; eventId: string } | { ok: false; reason: string };

export function parseImagePushed(event: EventGridLike, expected: ExpectedSource): ParsedPush {
  if (event.eventType !== IMAGE_PUSHED)
    return { ok: false, reason: `event type ${String(event.eventType)} is not handled` };
  const data = event.data;
  if (typeof data !== 'object' || data === null) return { ok: false, reason: 'event has no data' };
  const d = data as { target?: Record<string, unknown>; request?: Record<string, unknown> };
  const target = d.target ?? {};
  const repository = target.repository;
  const tag = target.tag;
  const digest = target.digest;
  if (typeof repository !== 'string' || repository !== expected.repository) {
    return { ok: false, reason: 'event is for another repository' };
  }
  if (expected.registryResourceId) {
    if (typeof event.topic !== 'string' || event.topic.toLowerCase() !== expected.registryResourceId.toLowerCase()) {
      return { ok: false, reason: 'event topic is not the configured registry' };
    }
  } else {
    const host = d.request?.host;
    if (typeof host !== 'string' || host.toLowerCase() !== expected.registryHost.toLowerCase()) {
      return { ok: false, reason: 'event comes from another registry host' };
    }
  }
  if (typeof digest !== 'string' || !isValidDigest(digest)) return { ok: false, reason: 'event has no valid digest' };
  if (typeof tag !== 'string' || tag === '') return { ok: false, reason: 'digest-only push: no tag to match' };
  if (!isValidTag(tag)) return { ok: false, reason: 'event tag is invalid' };
  return { ok: true, push: { repository, tag, digest }, eventId: typeof event.id === 'string' ? event.id : '' };
}
