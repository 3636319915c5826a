// ReplicaSet controller: keeps the number of pods matching spec.replicas and reports replica counts.
import { RESOURCE } from '../k8s/resources';
import { clone, controllerRef, field, isObject, num, type KObject } from '../k8s/object';
import { randomSuffix } from '../k8s/api';
import { writeStatus, type Controller, type ControllerContext } from './context';
import { isPodAvailable, isPodReady } from './pod-status';

const MANAGER = 'kube-controller-manager';

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    for (const rs of this.ctx.api.store.list(RESOURCE.replicasets)) {
      if (rs.metadata.deletionTimestamp) continue;
      this.sync(rs, now);
    }
  }

  private sync(rs: KObject, now: number): void {
    const ns = rs.metadata.namespace!;
    const pods = this.ctx.api.store
      .list(RESOURCE.pods, ns)
      .filter(
        (p) =>
          (p.metadata.ownerReferences ?? []).some((r) => r.uid === rs.metadata.uid) && !p.metadata.deletionTimestamp,
      );
    const want = num(rs, 'spec', 'replicas') ?? 1;
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) {
        const pod = this.createPod(rs);
        if (pod) pods.push(pod);
      }
    } else if (pods.length > want) {
      const victims = [...pods].sort(deletionOrder).slice(0, pods.length - want);
      for (const v of victims) {
        this.ctx.api.delete(RESOURCE.pods, ns, v.metadata.name);
        this.ctx.events.record(
          rs,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${v.metadata.name}`,
          'replicaset-controller',
        );
        pods.splice(pods.indexOf(v), 1);
      }
    }
    const minReady = (num(rs, 'spec', 'minReadySeconds') ?? 0) * 1000;
    const fresh = this.ctx.api.tryGet(RESOURCE.replicasets, ns, rs.metadata.name);
    if (!fresh) return;
    const status: Record<string, unknown> = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: fresh.metadata.generation ?? 1,
    };
    if (isObject(field(fresh, 'status', 'conditions'))) status.conditions = field(fresh, 'status', 'conditions');
    writeStatus(this.ctx, RESOURCE.replicasets, fresh, status, MANAGER);
  }

  private createPod(rs: KObject): KObject | undefined {
    const template = clone(field(rs, 'spec', 'template')) as Record<string, unknown> | undefined;
    if (!isObject(template)) return undefined;
    const md = isObject(template.metadata) ? template.metadata : {};
    const name = `${rs.metadata.name}-${randomSuffix()}`;
    try {
      const pod = this.ctx.api.create(
        RESOURCE.pods,
        rs.metadata.namespace,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            ...md,
            name,
            namespace: rs.metadata.namespace,
            generateName: `${rs.metadata.name}-`,
            ownerReferences: [controllerRef(rs)],
          },
          spec: template.spec,
        },
        { fieldManager: MANAGER },
      );
      this.ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, 'replicaset-controller');
      return pod;
    } catch (err) {
      this.ctx.events.record(
        rs,
        'Warning',
        'FailedCreate',
        `Error creating: ${err instanceof Error ? err.message : String(err)}`,
        'replicaset-controller',
      );
      return undefined;
    }
  }
}

/** Which pods go first when scaling down: unscheduled, then pending, then not ready, then the newest. */
function deletionOrder(a: KObject, b: KObject): number {
  const rank = (p: KObject): number => {
    if (!field(p, 'spec', 'nodeName')) return 0;
    if (field(p, 'status', 'phase') === 'Pending') return 1;
    if (!isPodReady(p)) return 2;
    return 3;
  };
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  return String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
}
