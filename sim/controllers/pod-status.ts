// Reading a pod's readiness the way controllers do.
import { arr, str, type KObject } from '../k8s/object';

function condition(p: KObject, type: string): Record<string, unknown> | undefined {
  return arr(p, 'status', 'conditions').find((c) => str(c, 'type') === type) as Record<string, unknown> | undefined;
}

export function isPodReady(p: KObject): boolean {
  return !p.metadata.deletionTimestamp && condition(p, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds. */
export function isPodAvailable(p: KObject, minReadyMs: number, now: number): boolean {
  const ready = condition(p, 'Ready');
  if (!ready || ready.status !== 'True' || p.metadata.deletionTimestamp) return false;
  if (minReadyMs <= 0) return true;
  return now - Date.parse(String(ready.lastTransitionTime)) >= minReadyMs;
}
