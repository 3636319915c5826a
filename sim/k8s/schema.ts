// The little schema knowledge merging needs: which lists are maps keyed by fields (containers by name), which are
// sets, and which values are replaced as a whole (atomic). Mirrors the list-type markers of the Kubernetes API types.

export type ListType = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const KEYED: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  resourceClaims: ['name'],
};

const SETS = new Set(['finalizers']);

/** `path` is the chain of field names from the object root to the list (list positions omitted). */
export function listTypeAt(path: readonly string[]): ListType {
  const name = path[path.length - 1] ?? '';
  if (name === 'ports') {
    const parent = path[path.length - 2] ?? '';
    if (CONTAINER_LISTS.has(parent)) return { type: 'map', keys: ['containerPort', 'protocol'] };
    if (path.length === 2 && path[0] === 'spec') return { type: 'map', keys: ['port', 'protocol'] };
    return { type: 'atomic' };
  }
  if (name === 'conditions' && path[0] !== 'status') return { type: 'atomic' };
  const keys = KEYED[name];
  if (keys) return { type: 'map', keys };
  if (SETS.has(name)) return { type: 'set' };
  return { type: 'atomic' };
}

/** Structs and maps that are replaced as a whole rather than merged field by field. */
export function isAtomicStruct(path: readonly string[]): boolean {
  const name = path[path.length - 1] ?? '';
  return name === 'selector' || name === 'roleRef';
}

/** Key fields may be omitted when the API would default them (a port's protocol is TCP). */
export function keyDefault(keyField: string): string | undefined {
  return keyField === 'protocol' ? 'TCP' : undefined;
}

export function itemKey(item: unknown, keys: string[]): Record<string, unknown> | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of [...keys].sort()) {
    const v = (item as Record<string, unknown>)[k] ?? keyDefault(k);
    if (v === undefined) return undefined;
    out[k] = v;
  }
  return out;
}

export function sameKey(a: unknown, b: unknown, keys: string[]): boolean {
  const ka = itemKey(a, keys);
  const kb = itemKey(b, keys);
  return !!ka && !!kb && JSON.stringify(ka) === JSON.stringify(kb);
}
