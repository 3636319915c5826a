// The API server's semantics, independent of HTTP: create / update / patch / apply / delete with defaulting,
// validation, generation, managedFields, optimistic concurrency and namespace rules. The HTTP layer and the sim's
// controllers both write through here, so controller writes look exactly like a real cluster's.
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, badRequest, invalid, notFound, staleConflict } from './status';
import { clone, deepEqual, isObject, nowIso, type JsonObject, type KObject } from './object';
import { apiVersionOf, RESOURCE, type ResourceType } from './resources';
import { applyDefaults, initialStatus, type Allocator } from './defaults';
import { validate } from './validate';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { serverSideApply, trackUpdate } from './ssa';
import {
  fromLabelSelectorObject,
  matchesFields,
  matchesObjectLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import type { ObjectStore } from './store';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: 'status';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export class ClusterApi {
  constructor(
    readonly store: ObjectStore,
    private readonly alloc: Allocator,
  ) {}

  get(t: ResourceType, ns: string | undefined, name: string): KObject {
    if (t.namespaced && !ns) throw badRequest('a namespace is required for a namespaced resource');
    const o = this.store.get(t, ns, name);
    if (!o) throw notFound(t, name);
    return o;
  }

  tryGet(t: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    return this.store.get(t, ns, name);
  }

  list(t: ResourceType, ns: string | undefined, opts: ListOptions = {}): KObject[] {
    const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : [];
    const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, t.kind) : [];
    return this.store
      .list(t, t.namespaced ? ns : undefined)
      .filter((o) => matchesObjectLabels(o, labels) && matchesFields(o, fields));
  }

  /** Objects of type `t` in `ns` selected by a workload-style LabelSelector object. */
  selectByLabelSelector(t: ResourceType, ns: string, selector: unknown): KObject[] {
    const reqs = fromLabelSelectorObject(selector);
    if (reqs.length === 0) return [];
    return this.store.list(t, ns).filter((o) => matchesObjectLabels(o, reqs));
  }

  create(t: ResourceType, ns: string | undefined, body: unknown, opts: WriteOptions = {}): KObject {
    const next = this.normalize(t, ns, body);
    if (!next.metadata.name && next.metadata.generateName) {
      next.metadata.name = `${next.metadata.generateName}${randomSuffix()}`;
    }
    if (t.namespaced) this.requireWritableNamespace(next.metadata.namespace);
    if (next.metadata.name && this.store.get(t, next.metadata.namespace, next.metadata.name)) {
      throw alreadyExists(t, next.metadata.name);
    }
    next.metadata.managedFields = trackUpdate({
      old: undefined,
      next: next as unknown as JsonObject,
      manager: managerOrDefault(opts.fieldManager),
      apiVersion: apiVersionOf(t),
      hasStatus: t.hasStatus,
      now: nowIso(),
    });
    return this.commit(t, undefined, next, opts);
  }

  /** PUT. A stale `metadata.resourceVersion` is a 409, as with a real API server. */
  update(t: ResourceType, ns: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): KObject {
    const next = this.normalize(t, ns, body);
    if (next.metadata.name !== name) {
      throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    }
    const old = this.store.get(t, next.metadata.namespace, name);
    if (!old) {
      if (opts.subresource) throw notFound(t, name);
      return this.create(t, ns, body, opts);
    }
    const rv = isObject(body) && isObject(body.metadata) ? body.metadata.resourceVersion : undefined;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw staleConflict(t, name);
    return this.writeUpdate(t, old, next, opts);
  }

  patch(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { force?: boolean } = {},
  ): { object: KObject; created: boolean } {
    const namespace = t.namespaced ? ns : undefined;
    const old = this.store.get(t, namespace, name);
    if (type === 'apply') return this.apply(t, namespace, name, old, patch, opts);
    if (!old) throw notFound(t, name);
    let patched: unknown;
    if (type === 'merge') patched = mergePatch(old, patch);
    else if (type === 'strategic') patched = strategicMergePatch(old, patch);
    else patched = jsonPatch(old, patch);
    if (!isObject(patched)) throw badRequest('the patch did not produce an object');
    const rv = isObject(patched.metadata) ? patched.metadata.resourceVersion : undefined;
    if (rv !== undefined && rv !== old.metadata.resourceVersion) throw staleConflict(t, name);
    const next = this.normalize(t, namespace, patched);
    next.metadata.name = name;
    return { object: this.writeUpdate(t, old, next, opts), created: false };
  }

  private apply(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    old: KObject | undefined,
    body: unknown,
    opts: WriteOptions & { force?: boolean },
  ): { object: KObject; created: boolean } {
    if (!opts.fieldManager) {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    if (!isObject(body)) throw badRequest('apply patch must be an object');
    if (body.apiVersion !== apiVersionOf(t) || body.kind !== t.kind) {
      throw badRequest(`apply patch for ${t.kind} must set apiVersion ${apiVersionOf(t)} and kind ${t.kind}`);
    }
    const md = isObject(body.metadata) ? body.metadata : {};
    if (md.name !== name)
      throw badRequest(`the name of the object (${String(md.name)}) does not match the name on the URL (${name})`);
    if (t.namespaced && md.namespace !== undefined && md.namespace !== ns) {
      throw badRequest(
        `the namespace of the object (${String(md.namespace)}) does not match the namespace on the URL (${ns})`,
      );
    }
    if (!old && opts.subresource) throw notFound(t, name);
    if (!old && t.namespaced) this.requireWritableNamespace(ns);
    const applied = clone(body);
    delete applied.status;
    if (opts.subresource === 'status' && isObject(body.status)) applied.status = clone(body.status);
    const liveForMerge = old
      ? (clone(old) as unknown as JsonObject)
      : {
          apiVersion: body.apiVersion,
          kind: body.kind,
          metadata: { name, ...(t.namespaced ? { namespace: ns } : {}) },
        };
    const result = serverSideApply({
      live: liveForMerge,
      applied,
      manager: opts.fieldManager,
      force: opts.force === true,
      apiVersion: apiVersionOf(t),
      hasStatus: t.hasStatus,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      now: nowIso(),
    });
    const next = this.normalize(t, ns, result.object);
    next.metadata.managedFields = result.managedFields;
    if (!old) {
      next.metadata.resourceVersion = '';
      return { object: this.commit(t, undefined, next, opts), created: true };
    }
    return { object: this.commit(t, old, next, opts), created: false };
  }

  private writeUpdate(t: ResourceType, old: KObject, next: KObject, opts: WriteOptions): KObject {
    next.metadata.managedFields = trackUpdate({
      old: old as unknown as JsonObject,
      next: next as unknown as JsonObject,
      manager: managerOrDefault(opts.fieldManager),
      apiVersion: apiVersionOf(t),
      hasStatus: t.hasStatus,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      now: nowIso(),
    });
    return this.commit(t, old, next, opts);
  }

  /**
   * The common tail of every write: status-subresource rules, defaulting, system metadata, generation,
   * validation, then store (or not, for dry runs and no-op writes).
   */
  private commit(t: ResourceType, old: KObject | undefined, incoming: KObject, opts: WriteOptions): KObject {
    let next = clone(incoming);
    if (t.hasStatus) {
      if (opts.subresource === 'status') {
        if (!old) throw notFound(t, next.metadata.name);
        const withStatus = clone(old);
        withStatus.status = next.status;
        withStatus.metadata.managedFields = next.metadata.managedFields ?? [];
        next = withStatus;
      } else if (old) next.status = clone(old.status);
      else {
        const s = initialStatus(t.kind);
        if (s) next.status = s;
        else delete next.status;
      }
    }
    applyDefaults(t.kind, next as unknown as JsonObject, this.alloc);
    const now = nowIso();
    if (old) {
      next.metadata.uid = old.metadata.uid;
      next.metadata.creationTimestamp = old.metadata.creationTimestamp;
      if (old.metadata.deletionTimestamp) next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      else delete next.metadata.deletionTimestamp;
      if (t.tracksGeneration) {
        const gen = old.metadata.generation ?? 1;
        next.metadata.generation = specChanged(old, next) ? gen + 1 : gen;
      } else delete next.metadata.generation;
      next.metadata.resourceVersion = old.metadata.resourceVersion;
    } else {
      next.metadata.uid = randomUUID();
      next.metadata.creationTimestamp = now;
      delete next.metadata.deletionTimestamp;
      if (t.tracksGeneration) next.metadata.generation = 1;
      else delete next.metadata.generation;
    }
    const causes = validate(t.kind, next as unknown as JsonObject, old as unknown as JsonObject | undefined);
    if (causes.length > 0) throw invalid(t, next.metadata.name, causes);
    if (old && deepEqual(old, next)) return old;
    if (opts.dryRun) return next;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && t.kind !== 'Namespace') {
      return this.store.remove(t, next.metadata.namespace, next.metadata.name) ?? next;
    }
    return this.store.put(t, next);
  }

  delete(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    opts: { dryRun?: boolean; propagation?: Propagation; preconditionUid?: string; preconditionRv?: string } = {},
  ): KObject {
    const namespace = t.namespaced ? ns : undefined;
    const old = this.get(t, namespace, name);
    if (opts.preconditionUid && opts.preconditionUid !== old.metadata.uid) {
      throw new ApiError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (opts.preconditionRv && opts.preconditionRv !== old.metadata.resourceVersion) throw staleConflict(t, name);
    if (opts.dryRun) return old;
    if (t.kind === 'Namespace' || (old.metadata.finalizers ?? []).length > 0) {
      // Finalized deletion: mark it; the namespace controller (or the finalizer's owner) completes it.
      if (old.metadata.deletionTimestamp) return old;
      const marked = clone(old);
      marked.metadata.deletionTimestamp = nowIso();
      if (t.kind === 'Namespace')
        marked.status = { ...(isObject(marked.status) ? marked.status : {}), phase: 'Terminating' };
      return this.store.put(t, marked);
    }
    if (opts.propagation === 'Orphan') this.orphanDependents(old);
    if (opts.propagation === 'Foreground') this.deleteDependentsNow(old);
    return this.store.remove(t, namespace, name) ?? old;
  }

  deleteCollection(t: ResourceType, ns: string | undefined, opts: ListOptions & { dryRun?: boolean }): KObject[] {
    const victims = this.list(t, ns, opts);
    return victims.map((o) => this.delete(t, o.metadata.namespace, o.metadata.name, { dryRun: opts.dryRun ?? false }));
  }

  private orphanDependents(owner: KObject): void {
    for (const { resource, object } of this.store.all()) {
      const refs = object.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === owner.metadata.uid)) continue;
      const next = clone(object);
      next.metadata.ownerReferences = refs.filter((r) => r.uid !== owner.metadata.uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      this.store.put(resource, next);
    }
  }

  private deleteDependentsNow(owner: KObject): void {
    for (const { resource, object } of this.store.all()) {
      if ((object.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid)) {
        this.deleteDependentsNow(object);
        this.store.remove(resource, object.metadata.namespace, object.metadata.name);
      }
    }
  }

  private requireWritableNamespace(ns: string | undefined): void {
    if (!ns) throw badRequest('a namespace is required for a namespaced resource');
    const n = this.store.get(RESOURCE.namespaces, undefined, ns);
    if (!n) throw notFound(RESOURCE.namespaces, ns);
    if (n.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${ns} because it is being terminated`,
        {
          name: ns,
          kind: 'namespaces',
        },
      );
    }
  }

  /** Shapes a client-supplied body into a stored object of type `t` in `ns`. */
  private normalize(t: ResourceType, ns: string | undefined, body: unknown): KObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const o = clone(body) as unknown as KObject;
    if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(t)) {
      throw badRequest(
        `the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`,
      );
    }
    if (o.kind !== undefined && o.kind !== t.kind) {
      throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${t.kind})`);
    }
    o.apiVersion = apiVersionOf(t);
    o.kind = t.kind;
    if (!isObject(o.metadata)) o.metadata = {} as KObject['metadata'];
    const md = o.metadata;
    if (t.namespaced) {
      if (md.namespace !== undefined && ns !== undefined && md.namespace !== ns) {
        throw badRequest(`the namespace of the provided object does not match the namespace sent on the request`);
      }
      md.namespace = ns ?? md.namespace;
    } else delete md.namespace;
    if (md.labels && Object.keys(md.labels).length === 0) delete md.labels;
    if (md.annotations && Object.keys(md.annotations).length === 0) delete md.annotations;
    return o;
  }
}

function specChanged(old: KObject, next: KObject): boolean {
  const strip = (o: KObject): JsonObject => {
    const c = clone(o) as unknown as JsonObject;
    delete c.metadata;
    delete c.status;
    return c;
  };
  return !deepEqual(strip(old), strip(next));
}

function managerOrDefault(m: string | undefined): string {
  return m && m.length > 0 ? m : 'unknown';
}

const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters from the alphabet Kubernetes uses for generated names. */
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUM[Math.floor(Math.random() * ALPHANUM.length)];
  return s;
}
