// The sim's state on disk (STATE_DIR/state.json): cluster objects, the registry, LoadBalancer addresses and
// faults. Written atomically (temp file + rename), shortly after changes and on shutdown.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findByPlural, type ResourceType } from './k8s/resources';
import type { KObject } from './k8s/object';
import type { RegistrySnapshot } from './registry/store';
import type { Fault } from './faults';
import type { ArmSnapshot } from './arm/plane';

export interface SimState {
  version: 1;
  resourceVersion: number;
  objects: { group: string; version: string; plural: string; object: KObject }[];
  registry: RegistrySnapshot;
  loadBalancerIps: Record<string, string>;
  faults: Fault[];
  /** ACR Tasks runs and the AKS power state (absent in state written before the management plane existed). */
  arm?: ArmSnapshot;
}

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

export function loadState(dir: string): SimState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(dir), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as SimState;
  if (parsed.version !== 1)
    throw new Error(`${statePath(dir)} has unknown version ${String(parsed.version)}; remove it to start fresh`);
  return parsed;
}

export function objectsOf(state: SimState): { resource: ResourceType; object: KObject }[] {
  const out: { resource: ResourceType; object: KObject }[] = [];
  for (const o of state.objects) {
    const t = findByPlural(o.group, o.version, o.plural);
    if (t) out.push({ resource: t, object: o.object });
  }
  return out;
}

export function saveState(dir: string, state: SimState): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${statePath(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  renameSync(tmp, statePath(dir));
}

/** Calls `save` at most once per `delayMs` after changes, and immediately on flush. */
export class DebouncedSaver {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly save: () => void,
    private readonly delayMs: number,
  ) {}

  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, this.delayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }
}
