// Events as cluster components write them: one Event per (object, reason, message), counted and re-stamped when
// it repeats, expired after an hour.
import { createHash } from 'node:crypto';
import type { ClusterApi } from '../k8s/api';
import { RESOURCE } from '../k8s/resources';
import { clone, num, nowIso, type KObject } from '../k8s/object';

export type EventType = 'Normal' | 'Warning';

const TTL_MS = 60 * 60 * 1000;

export class EventRecorder {
  constructor(
    private readonly api: ClusterApi,
    private readonly host: string,
  ) {}

  record(obj: KObject, type: EventType, reason: string, message: string, component: string, fieldPath?: string): void {
    const ns = obj.metadata.namespace ?? 'default';
    const key = createHash('sha256')
      .update(`${obj.metadata.uid}|${reason}|${message}|${fieldPath ?? ''}`)
      .digest('hex')
      .slice(0, 16);
    const name = `${obj.metadata.name}.${key}`;
    if (!this.api.tryGet(RESOURCE.namespaces, undefined, ns)) return;
    const now = nowIso();
    const existing = this.api.tryGet(RESOURCE.events, ns, name);
    try {
      if (existing) {
        const next = clone(existing);
        next.count = (num(existing, 'count') ?? 1) + 1;
        next.lastTimestamp = now;
        this.api.update(RESOURCE.events, ns, name, next, { fieldManager: component });
        return;
      }
      const involved: Record<string, unknown> = {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      };
      if (fieldPath) involved.fieldPath = fieldPath;
      this.api.create(
        RESOURCE.events,
        ns,
        {
          metadata: { name, namespace: ns },
          involvedObject: involved,
          reason,
          message,
          type,
          source: { component, ...(component === 'kubelet' ? { host: this.host } : {}) },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          eventTime: null,
          reportingComponent: component,
          reportingInstance: component === 'kubelet' ? this.host : '',
          action: '',
        },
        { fieldManager: component },
      );
    } catch {
      // The namespace may be terminating; a lost event is what a real cluster does then too.
    }
  }

  /** Drops events older than the TTL, as the API server's event TTL does. */
  expire(now: number): void {
    for (const e of this.api.store.list(RESOURCE.events)) {
      const last = Date.parse(String(e.lastTimestamp ?? e.metadata.creationTimestamp));
      if (now - last > TTL_MS) this.api.store.remove(RESOURCE.events, e.metadata.namespace, e.metadata.name);
    }
  }
}
