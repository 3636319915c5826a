// What every controller shares: the API it writes through, the event recorder, faults, the image resolver and
// the timing settings.
import type { ClusterApi } from '../k8s/api';
import { clone, deepEqual, type KObject } from '../k8s/object';
import type { ResourceType } from '../k8s/resources';
import type { FaultRegistry } from '../faults';
import type { ImageResolver } from '../registry/resolve';
import type { EventRecorder } from './events';
import type { ContainerEnv } from './container-env';

export interface ControllerSettings {
  readyDelayMs: number;
  lbDelayMs: number;
  nodeName: string;
  /** First address handed to LoadBalancer Services (then the next ones in order). */
  lbIpStart: string;
}

export interface ControllerContext {
  api: ClusterApi;
  events: EventRecorder;
  faults: FaultRegistry;
  images: ImageResolver;
  /** What each running container was started with (secret values included, so memory only). */
  env: ContainerEnv;
  settings: ControllerSettings;
}

export interface Controller {
  readonly name: string;
  reconcile(now: number): void;
}

/** Writes `status` through the status subresource when it differs; returns the stored object. */
export function writeStatus(
  ctx: ControllerContext,
  t: ResourceType,
  obj: KObject,
  status: unknown,
  manager: string,
): KObject {
  if (deepEqual(obj.status, status)) return obj;
  const next = clone(obj);
  next.status = status;
  return ctx.api.update(t, obj.metadata.namespace, obj.metadata.name, next, {
    subresource: 'status',
    fieldManager: manager,
  });
}

export function isoAt(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
