// The three non-apply patch formats an API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch (merge patch that merges keyed lists, e.g. containers by name).
import { badRequest, ApiError } from './status';
import { clone, deepEqual, isObject, type Json, type JsonObject } from './object';
import { isAtomicStruct, listTypeAt, sameKey } from './schema';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

export function strategicMergePatch(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const rest = { ...patch };
    delete rest['$patch'];
    return clone(rest);
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const name = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[name];
      if (Array.isArray(cur) && Array.isArray(v)) out[name] = cur.filter((x) => !v.some((y) => deepEqual(x, y)));
      continue;
    }
    const childPath = [...path, k];
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, childPath) as Json;
    } else if (isObject(v) && !isAtomicStruct(childPath)) {
      const merged = strategicMergePatch(out[k], v, childPath);
      if (merged === undefined) delete out[k];
      else out[k] = merged as Json;
    } else {
      out[k] = clone(v);
    }
  }
  return out;
}

function mergeList(current: unknown, patch: Json[], path: string[]): Json[] {
  const lt = listTypeAt(path);
  const replaceAll = patch.some((p) => isObject(p) && p['$patch'] === 'replace' && Object.keys(p).length === 1);
  if (replaceAll) return patch.filter((p) => !(isObject(p) && p['$patch'] === 'replace')).map(clone);
  if (lt.type === 'set') {
    const out = Array.isArray(current) ? clone(current as Json[]) : [];
    for (const p of patch) if (!out.some((x) => deepEqual(x, p))) out.push(clone(p));
    return out;
  }
  if (lt.type !== 'map') return clone(patch);
  const out = Array.isArray(current) ? clone(current as Json[]) : [];
  for (const p of patch) {
    const idx = out.findIndex((x) => sameKey(x, p, lt.keys));
    if (isObject(p) && p['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], p, path) as Json;
    else out.push(strategicMergePatch(undefined, p, path) as Json);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target) as Json;
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('each json patch operation needs "op" and "path"');
    }
    const op = raw as unknown as JsonPatchOp;
    switch (op.op) {
      case 'add':
        doc = put(doc, pointer(op.path), clone(op.value) as Json, 'add');
        break;
      case 'replace':
        doc = put(doc, pointer(op.path), clone(op.value) as Json, 'replace');
        break;
      case 'remove':
        doc = remove(doc, pointer(op.path));
        break;
      case 'move': {
        const from = pointer(need(op.from, 'from'));
        const v = getAt(doc, from);
        doc = put(remove(doc, from), pointer(op.path), v, 'add');
        break;
      }
      case 'copy':
        doc = put(doc, pointer(op.path), clone(getAt(doc, pointer(need(op.from, 'from')))), 'add');
        break;
      case 'test':
        if (!deepEqual(getAt(doc, pointer(op.path)), op.value)) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: test failed at ${op.path}`,
          );
        }
        break;
      default:
        throw badRequest(`unknown json patch operation "${op.op}"`);
    }
  }
  return doc;
}

function need(v: string | undefined, name: string): string {
  if (typeof v !== 'string') throw badRequest(`json patch operation needs "${name}"`);
  return v;
}

function pointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`invalid json pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, parts: string[]): Json {
  let cur: Json | undefined = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new ApiError(422, 'Invalid', `json patch: path /${parts.join('/')} does not exist`);
  }
  return cur;
}

function put(doc: Json, parts: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (parts.length === 0) return value;
  const parent = getAt(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length || (mode === 'replace' && idx >= parent.length)) {
      throw new ApiError(422, 'Invalid', `json patch: index ${last} out of range`);
    }
    if (mode === 'add') parent.splice(idx, 0, value);
    else parent[idx] = value;
  } else if (isObject(parent)) {
    if (mode === 'replace' && !(last in parent)) {
      throw new ApiError(422, 'Invalid', `json patch: replace of missing path /${parts.join('/')}`);
    }
    parent[last] = value;
  } else throw new ApiError(422, 'Invalid', `json patch: cannot add into a scalar at /${parts.join('/')}`);
  return doc;
}

function remove(doc: Json, parts: string[]): Json {
  const parent = getAt(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    const idx = Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx >= parent.length) {
      throw new ApiError(422, 'Invalid', `json patch: index ${last} out of range`);
    }
    parent.splice(idx, 1);
  } else if (isObject(parent) && last in parent) delete parent[last];
  else throw new ApiError(422, 'Invalid', `json patch: remove of missing path /${parts.join('/')}`);
  return doc;
}
