// In-memory object storage with one global resourceVersion counter (as etcd gives a real API server), a bounded
// history of changes for watches that resume from a resourceVersion, and change listeners for the controllers.
import { clone, type KObject } from './object';
import { RESOURCE_TYPES, type ResourceType } from './resources';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: ChangeType;
  rv: number;
  resource: ResourceType;
  object: KObject;
  /** The object before this change (MODIFIED, DELETED), so watches can tell when it left a selector. */
  old?: KObject;
}

const HISTORY_LIMIT = 5000;

function typeKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}

function objectKey(ns: string | undefined, name: string): string {
  return `${ns ?? ''}/${name}`;
}

export class ObjectStore {
  private rv: number;
  /** Watches may resume from any resourceVersion >= this one; older ones are gone (410). */
  private historyFloor: number;
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(initialRv = 1) {
    this.rv = initialRv;
    this.historyFloor = initialRv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(t: ResourceType): Map<string, KObject> {
    let b = this.objects.get(typeKey(t));
    if (!b) {
      b = new Map();
      this.objects.set(typeKey(t), b);
    }
    return b;
  }

  get(t: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    const o = this.bucket(t).get(objectKey(t.namespaced ? ns : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** Objects of a type, optionally in one namespace, in namespace/name order. */
  list(t: ResourceType, ns?: string): KObject[] {
    const out: KObject[] = [];
    for (const o of this.bucket(t).values()) if (ns === undefined || o.metadata.namespace === ns) out.push(clone(o));
    return out.sort((a, b) =>
      objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)),
    );
  }

  /** Stores a new version; assigns the next resourceVersion and tells watchers and controllers. */
  put(t: ResourceType, obj: KObject): KObject {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const old = this.bucket(t).get(key);
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.bucket(t).set(key, stored);
    const event: StoreEvent = { type: old ? 'MODIFIED' : 'ADDED', rv: this.rv, resource: t, object: stored };
    if (old) event.old = old;
    this.emit(event);
    return clone(stored);
  }

  remove(t: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    const key = objectKey(t.namespaced ? ns : undefined, name);
    const old = this.bucket(t).get(key);
    if (!old) return undefined;
    this.bucket(t).delete(key);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: 'DELETED', rv: this.rv, resource: t, object: gone, old });
    return clone(gone);
  }

  private emit(e: StoreEvent): void {
    this.history.push(e);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.shift()!;
      this.historyFloor = dropped.rv;
    }
    for (const l of this.listeners) l(e);
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes after `rv` for one type, or 'gone' when that version is older than the retained history. */
  eventsSince(t: ResourceType, rv: number): StoreEvent[] | 'gone' {
    if (rv < this.historyFloor) return 'gone';
    return this.history.filter((e) => e.rv > rv && e.resource === t);
  }

  /** Every stored object, for persistence. */
  all(): { resource: ResourceType; object: KObject }[] {
    const out: { resource: ResourceType; object: KObject }[] = [];
    for (const t of RESOURCE_TYPES)
      for (const o of this.bucket(t).values()) out.push({ resource: t, object: clone(o) });
    return out;
  }

  /** Restores persisted objects without emitting changes; history restarts at the restored version. */
  restore(entries: { resource: ResourceType; object: KObject }[], rv: number): void {
    for (const { resource, object } of entries) {
      this.bucket(resource).set(objectKey(object.metadata.namespace, object.metadata.name), clone(object));
    }
    this.rv = Math.max(this.rv, rv);
    this.historyFloor = this.rv;
  }
}
