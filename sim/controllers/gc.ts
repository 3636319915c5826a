// Garbage collection: dependents whose owners are gone are deleted (background propagation), and a terminating
// namespace is emptied and then removed.
import { findByKind, RESOURCE_TYPES, RESOURCE } from '../k8s/resources';
import type { KObject } from '../k8s/object';
import type { Controller, ControllerContext } from './context';

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(): void {
    const store = this.ctx.api.store;
    const all = store.all();
    const uids = new Set(all.map((e) => e.object.metadata.uid));
    for (const { resource, object } of all) {
      const refs = object.metadata.ownerReferences ?? [];
      if (refs.length > 0 && refs.every((r) => !uids.has(r.uid) || !ownerStillMatches(this.ctx, object, r))) {
        store.remove(resource, object.metadata.namespace, object.metadata.name);
      }
    }
    for (const ns of store.list(RESOURCE.namespaces)) {
      if (!ns.metadata.deletionTimestamp) continue;
      let left = 0;
      for (const t of RESOURCE_TYPES) {
        if (!t.namespaced) continue;
        for (const o of store.list(t, ns.metadata.name)) {
          store.remove(t, o.metadata.namespace, o.metadata.name);
          left++;
        }
      }
      if (left === 0) store.remove(RESOURCE.namespaces, undefined, ns.metadata.name);
    }
  }
}

function ownerStillMatches(
  ctx: ControllerContext,
  dependent: KObject,
  ref: { apiVersion: string; kind: string; name: string; uid: string },
): boolean {
  const t = findByKind(ref.apiVersion, ref.kind);
  if (!t) return true;
  const owner = ctx.api.store.get(t, t.namespaced ? dependent.metadata.namespace : undefined, ref.name);
  return !!owner && owner.metadata.uid === ref.uid;
}
