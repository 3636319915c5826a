// The environment each running container was started with, resolved by the kubelet at container start as a real
// kubelet does: plain `value`s and `secretKeyRef`s read from the Secret at that moment. A later change to the Secret
// reaches a container only when it is started again (a rolling restart), which is what token rotation relies on.
// Kept in memory only, never in an object, a status or an event, since the values may be secrets.
import { RESOURCE } from '../k8s/resources';
import { arr, str, type KObject } from '../k8s/object';
import type { ClusterApi } from '../k8s/api';

export class ContainerEnv {
  private readonly started = new Map<string, ReadonlyMap<string, string>>();

  constructor(private readonly api: ClusterApi) {}

  /** Resolves and remembers the environment of `container` in `pod`, as of now. */
  capture(pod: KObject, container: string): void {
    const spec = arr(pod, 'spec', 'containers').find((c) => str(c, 'name') === container);
    const env = new Map<string, string>();
    for (const e of arr(spec, 'env')) {
      const name = str(e, 'name');
      if (!name) continue;
      const value = str(e, 'value');
      if (value !== undefined) {
        env.set(name, value);
        continue;
      }
      const ref = str(e, 'valueFrom', 'secretKeyRef', 'name');
      const key = str(e, 'valueFrom', 'secretKeyRef', 'key');
      if (!ref || !key) continue;
      const secret = this.api.tryGet(RESOURCE.secrets, pod.metadata.namespace, ref);
      const b64 = str(secret, 'data', key);
      if (b64 !== undefined) env.set(name, Buffer.from(b64, 'base64').toString('utf8'));
    }
    this.started.set(`${pod.metadata.uid}/${container}`, env);
  }

  /** Whether this process captured `container` of `pod` (false for containers found running after a restart). */
  knows(pod: KObject, container: string): boolean {
    return this.started.has(`${pod.metadata.uid}/${container}`);
  }

  /** One variable of the first container of `pod` as it was started, or undefined. */
  valueOf(pod: KObject, variable: string): string | undefined {
    const first = str(arr(pod, 'spec', 'containers')[0], 'name');
    return first ? this.started.get(`${pod.metadata.uid}/${first}`)?.get(variable) : undefined;
  }

  /** Forgets containers of pods that no longer exist. */
  prune(liveUids: ReadonlySet<string>): void {
    for (const key of this.started.keys()) if (!liveUids.has(key.split('/')[0]!)) this.started.delete(key);
  }
}
