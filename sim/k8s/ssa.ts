// Server-side apply and field ownership (managedFields), modelled on structured-merge-diff: every write records
// which manager owns which fields; an apply that would change a field another manager owns is a conflict unless
// forced; fields a manager stops applying are removed when nobody else owns them.
import { ApiError, type StatusCause } from './status';
import { clone, deepEqual, isObject, type Json, type JsonObject, type ManagedFieldsEntry } from './object';
import { isAtomicStruct, itemKey, listTypeAt, sameKey } from './schema';

const SEP = '\u0001';
export type FieldSet = Set<string>;

/** Metadata fields that belong to the object's identity or the server, never to a manager. */
const OWNABLE_METADATA = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

export function fieldsOf(obj: JsonObject, scope: 'main' | 'status', hasStatus: boolean): FieldSet {
  const out: FieldSet = new Set();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (scope === 'status' && k !== 'status') continue;
    if (scope === 'main' && k === 'status' && hasStatus) continue;
    if (k === 'metadata') {
      if (!isObject(v)) continue;
      for (const [mk, mv] of Object.entries(v)) {
        if (OWNABLE_METADATA.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk], out);
      }
      continue;
    }
    walk(v, [`f:${k}`], [k], out);
  }
  return out;
}

function walk(value: unknown, segs: string[], schemaPath: string[], out: FieldSet): void {
  if (isObject(value) && !isAtomicStruct(schemaPath) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) walk(v, [...segs, `f:${k}`], [...schemaPath, k], out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const lt = listTypeAt(schemaPath);
    if (lt.type === 'map' && value.every((item) => itemKey(item, lt.keys))) {
      for (const item of value) {
        const itemSegs = [...segs, `k:${JSON.stringify(itemKey(item, lt.keys))}`];
        out.add(itemSegs.join(SEP));
        for (const [k, v] of Object.entries(item as JsonObject))
          walk(v, [...itemSegs, `f:${k}`], [...schemaPath, k], out);
      }
      return;
    }
    if (lt.type === 'set') {
      for (const v of value) out.add([...segs, `v:${JSON.stringify(v)}`].join(SEP));
      return;
    }
  }
  out.add(segs.join(SEP));
}

function split(path: string): string[] {
  return path.split(SEP);
}

/** The value at a field path, or undefined when absent. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of split(path)) {
    cur = step(cur, seg);
    if (cur === undefined) return undefined;
  }
  return cur;
}

function step(cur: unknown, seg: string): unknown {
  if (seg.startsWith('f:')) return isObject(cur) ? cur[seg.slice(2)] : undefined;
  if (!Array.isArray(cur)) return undefined;
  if (seg.startsWith('k:')) {
    const key = JSON.parse(seg.slice(2)) as Record<string, unknown>;
    return cur.find((item) => sameKey(item, key, Object.keys(key)));
  }
  if (seg.startsWith('v:')) {
    const v = JSON.parse(seg.slice(2)) as unknown;
    return cur.find((x) => deepEqual(x, v));
  }
  return undefined;
}

function deleteAt(obj: unknown, path: string): void {
  const segs = split(path);
  const last = segs.pop()!;
  let parent: unknown = obj;
  for (const seg of segs) {
    parent = step(parent, seg);
    if (parent === undefined) return;
  }
  if (last.startsWith('f:')) {
    if (isObject(parent)) delete parent[last.slice(2)];
    return;
  }
  if (!Array.isArray(parent)) return;
  const item = step(parent, last);
  const idx = parent.indexOf(item as Json);
  if (idx >= 0) parent.splice(idx, 1);
}

/** `.spec.template.spec.containers[name="app"].image`, as Kubernetes prints field paths in conflicts. */
export function displayPath(path: string): string {
  return split(path)
    .map((seg) => {
      if (seg.startsWith('f:')) return `.${seg.slice(2)}`;
      if (seg.startsWith('k:')) {
        const key = JSON.parse(seg.slice(2)) as Record<string, unknown>;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[=${seg.slice(2)}]`;
    })
    .join('');
}

export function toFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  const owned = new Set<JsonObject>();
  for (const path of set) {
    let node = root;
    for (const seg of split(path)) {
      if (!isObject(node[seg])) node[seg] = {};
      node = node[seg] as JsonObject;
    }
    owned.add(node);
  }
  const markDots = (node: JsonObject): void => {
    for (const child of Object.values(node)) {
      if (!isObject(child)) continue;
      markDots(child);
      if (owned.has(child) && Object.keys(child).length > 0 && !('.' in child)) child['.'] = {};
    }
  };
  markDots(root);
  return root;
}

export function fromFieldsV1(tree: unknown, prefix: string[] = [], out: FieldSet = new Set()): FieldSet {
  if (!isObject(tree)) return out;
  for (const [seg, child] of Object.entries(tree)) {
    if (seg === '.') continue;
    const path = [...prefix, seg];
    if (!isObject(child) || Object.keys(child).length === 0 || '.' in child) out.add(path.join(SEP));
    fromFieldsV1(child, path, out);
  }
  return out;
}

function isPresencePath(path: string): boolean {
  const last = path.slice(path.lastIndexOf(SEP) + 1);
  return last.startsWith('k:') || last.startsWith('v:');
}

/** Merges an applied configuration into the live object (keyed lists by key, atomic values replaced). */
export function mergeApplied(live: unknown, applied: unknown, schemaPath: string[] = []): unknown {
  if (isObject(applied) && !isAtomicStruct(schemaPath)) {
    const out: JsonObject = isObject(live) ? clone(live) : {};
    for (const [k, v] of Object.entries(applied)) {
      if (schemaPath.length === 0 && k === 'metadata' && isObject(v) && isObject(out.metadata)) {
        out.metadata = mergeApplied(out.metadata, v, ['metadata']) as Json;
        continue;
      }
      out[k] = mergeApplied(out[k], v, [...schemaPath, k]) as Json;
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const lt = listTypeAt(schemaPath);
    if (lt.type === 'map' && applied.every((item) => itemKey(item, lt.keys))) {
      const out = Array.isArray(live) ? clone(live as Json[]) : [];
      for (const item of applied) {
        const idx = out.findIndex((x) => sameKey(x, item, lt.keys));
        if (idx >= 0) out[idx] = mergeApplied(out[idx], item, schemaPath) as Json;
        else out.push(clone(item as Json));
      }
      return out;
    }
    if (lt.type === 'set') {
      const out = Array.isArray(live) ? clone(live as Json[]) : [];
      for (const v of applied) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v as Json));
      return out;
    }
  }
  return clone(applied);
}

export interface ApplyInput {
  live: JsonObject | undefined;
  applied: JsonObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  hasStatus: boolean;
  subresource?: 'status';
  now: string;
}

export interface ApplyOutput {
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
}

function entriesOf(obj: JsonObject | undefined): ManagedFieldsEntry[] {
  const mf = isObject(obj?.metadata) ? (obj.metadata as JsonObject).managedFields : undefined;
  return Array.isArray(mf) ? (clone(mf) as unknown as ManagedFieldsEntry[]) : [];
}

function sameEntry(e: ManagedFieldsEntry, manager: string, op: 'Apply' | 'Update', sub?: string): boolean {
  return e.manager === manager && e.operation === op && (e.subresource ?? '') === (sub ?? '');
}

function setEntry(
  entries: ManagedFieldsEntry[],
  manager: string,
  op: 'Apply' | 'Update',
  sub: string | undefined,
  fields: FieldSet,
  apiVersion: string,
  now: string,
): ManagedFieldsEntry[] {
  const rest = entries.filter((e) => !sameEntry(e, manager, op, sub));
  if (fields.size === 0) return rest;
  const entry: ManagedFieldsEntry = {
    manager,
    operation: op,
    apiVersion,
    time: now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(fields),
  };
  if (sub) entry.subresource = sub;
  const prev = entries.findIndex((e) => sameEntry(e, manager, op, sub));
  if (prev >= 0) {
    const old = entries[prev]!;
    // An unchanged entry keeps its timestamp, so a no-op apply leaves the object byte-identical.
    if (deepEqual(old.fieldsV1, entry.fieldsV1)) entry.time = old.time;
    rest.splice(Math.min(prev, rest.length), 0, entry);
  } else rest.push(entry);
  return rest;
}

export function serverSideApply(input: ApplyInput): ApplyOutput {
  const scope = input.subresource === 'status' ? 'status' : 'main';
  const appliedSet = fieldsOf(input.applied, scope, input.hasStatus);
  let entries = entriesOf(input.live);
  const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
  for (const e of entries) {
    if (sameEntry(e, input.manager, 'Apply', input.subresource)) continue;
    const owned = fromFieldsV1(e.fieldsV1);
    for (const p of appliedSet) {
      if (!owned.has(p) || isPresencePath(p)) continue;
      if (!deepEqual(valueAt(input.live, p), valueAt(input.applied, p))) {
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p });
      }
    }
  }
  if (conflicts.length > 0) {
    if (!input.force) throw conflictError(conflicts);
    entries = entries.map((e) => {
      const mine = conflicts.filter((c) => c.manager === e.manager);
      if (mine.length === 0) return e;
      const owned = fromFieldsV1(e.fieldsV1);
      for (const c of mine) owned.delete(c.path);
      return { ...e, fieldsV1: toFieldsV1(owned) };
    });
  }
  const previous = entries.find((e) => sameEntry(e, input.manager, 'Apply', input.subresource));
  const obj: JsonObject = input.live ? clone(input.live) : {};
  if (previous) {
    const ownedByOthers = new Set<string>();
    for (const e of entries) {
      if (e === previous) continue;
      for (const p of fromFieldsV1(e.fieldsV1)) ownedByOthers.add(p);
    }
    const dropped = [...fromFieldsV1(previous.fieldsV1)]
      .filter((p) => !appliedSet.has(p) && !ownedByOthers.has(p))
      .sort((a, b) => b.length - a.length);
    for (const p of dropped) deleteAt(obj, p);
    pruneEmptyParents(obj, dropped);
  }
  const merged = mergeApplied(obj, input.applied) as JsonObject;
  entries = setEntry(entries, input.manager, 'Apply', input.subresource, appliedSet, input.apiVersion, input.now);
  entries = entries.filter((e) => fromFieldsV1(e.fieldsV1).size > 0);
  return { object: merged, managedFields: entries };
}

/** Removes maps left empty by pruning (a dropped last label leaves no `labels: {}` behind). */
function pruneEmptyParents(obj: JsonObject, dropped: string[]): void {
  for (const p of dropped) {
    const segs = split(p);
    for (let n = segs.length - 1; n > 0; n--) {
      const parentPath = segs.slice(0, n).join(SEP);
      const v = valueAt(obj, parentPath);
      if (isObject(v) && Object.keys(v).length === 0 && segs[n - 1]!.startsWith('f:')) deleteAt(obj, parentPath);
      else break;
    }
  }
}

function conflictError(conflicts: { manager: string; apiVersion: string; path: string }[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${c.manager}" using ${c.apiVersion}`,
    field: displayPath(c.path),
  }));
  const n = conflicts.length;
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${displayPath(c.path)}`);
  const message =
    n === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${n} conflicts: ${lines.join('\n- ')}`;
  return new ApiError(409, 'Conflict', message, { causes });
}

export interface UpdateInput {
  old: JsonObject | undefined;
  next: JsonObject;
  manager: string;
  apiVersion: string;
  hasStatus: boolean;
  subresource?: 'status';
  now: string;
}

/** Ownership after a non-apply write: the writer takes the fields it changed; removed fields lose their owners. */
export function trackUpdate(input: UpdateInput): ManagedFieldsEntry[] {
  const scope = input.subresource === 'status' ? 'status' : 'main';
  const before = input.old ? fieldsOf(input.old, scope, input.hasStatus) : new Set<string>();
  const after = fieldsOf(input.next, scope, input.hasStatus);
  const changed = new Set<string>();
  for (const p of after) {
    if (!before.has(p)) changed.add(p);
    else if (!isPresencePath(p) && !deepEqual(valueAt(input.old, p), valueAt(input.next, p))) changed.add(p);
  }
  let entries = entriesOf(input.old);
  entries = entries.map((e) => {
    const owned = fromFieldsV1(e.fieldsV1);
    let touched = false;
    for (const p of [...owned]) {
      const inScope = scope === 'status' ? p.startsWith('f:status') : !(input.hasStatus && p.startsWith('f:status'));
      if (!inScope) continue;
      if (!after.has(p) || (changed.has(p) && !sameEntry(e, input.manager, 'Update', input.subresource))) {
        owned.delete(p);
        touched = true;
      }
    }
    return touched ? { ...e, fieldsV1: toFieldsV1(owned) } : e;
  });
  const mine = entries.find((e) => sameEntry(e, input.manager, 'Update', input.subresource));
  const mineSet = mine ? fromFieldsV1(mine.fieldsV1) : new Set<string>();
  for (const p of changed) mineSet.add(p);
  for (const p of [...mineSet]) if (!after.has(p)) mineSet.delete(p);
  if (changed.size > 0 || mine) {
    entries = setEntry(entries, input.manager, 'Update', input.subresource, mineSet, input.apiVersion, input.now);
  }
  return entries.filter((e) => fromFieldsV1(e.fieldsV1).size > 0);
}
