// Deployment controller: one ReplicaSet per pod template, rolled according to the strategy (RollingUpdate with
// maxSurge/maxUnavailable, or Recreate), with the status fields and conditions `kubectl rollout status` reads.
import { createHash } from 'node:crypto';
import { RESOURCE } from '../k8s/resources';
import { arr, clone, controllerRef, field, isObject, num, str, type KObject } from '../k8s/object';
import { isoAt, writeStatus, type Controller, type ControllerContext } from './context';

const MANAGER = 'kube-controller-manager';
const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A stable, name-safe hash of a pod template, as Kubernetes labels ReplicaSets with. */
export function podTemplateHash(template: unknown): string {
  const bytes = createHash('sha256').update(canonical(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += SAFE[bytes[i]! % SAFE.length];
  return out;
}

/** Resolves an int-or-percent (e.g. `25%`) against `total`, rounding up for surge and down for unavailability. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+%$/.test(v)) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return 0;
}

function revisionOf(rs: KObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;
}

function specReplicas(rs: KObject): number {
  return num(rs, 'spec', 'replicas') ?? 0;
}

function statusNum(o: KObject, key: string): number {
  return num(o, 'status', key) ?? 0;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    for (const d of this.ctx.api.store.list(RESOURCE.deployments)) {
      if (d.metadata.deletionTimestamp) continue;
      this.sync(d, now);
    }
  }

  private owned(d: KObject): KObject[] {
    return this.ctx.api.store
      .list(RESOURCE.replicasets, d.metadata.namespace)
      .filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid && r.controller));
  }

  private sync(d: KObject, now: number): void {
    const replicas = num(d, 'spec', 'replicas') ?? 1;
    const template = field(d, 'spec', 'template');
    const hash = podTemplateHash(template);
    let all = this.owned(d);
    let newRS = all.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const maxRevision = all.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    let createdNew = false;
    const strategy = str(d, 'spec', 'strategy', 'type') ?? 'RollingUpdate';
    const maxSurge =
      strategy === 'RollingUpdate'
        ? intOrPercent(field(d, 'spec', 'strategy', 'rollingUpdate', 'maxSurge'), replicas, true)
        : 0;
    let maxUnavailable =
      strategy === 'RollingUpdate'
        ? intOrPercent(field(d, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable'), replicas, false)
        : 0;
    if (strategy === 'RollingUpdate' && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;

    if (!newRS) {
      newRS = this.createReplicaSet(d, hash, maxRevision + 1, replicas, maxSurge);
      if (!newRS) return;
      createdNew = true;
      all = [...all, newRS];
    } else if (revisionOf(newRS) < maxRevision || revisionOf(newRS) === 0) {
      // A rollback to an older template: its ReplicaSet becomes the newest revision again.
      newRS = this.updateReplicaSet(newRS, (rs) => {
        rs.metadata.annotations = { ...(rs.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
      });
    }
    const olds = all.filter((rs) => rs.metadata.uid !== newRS!.metadata.uid);
    d = this.syncRevisionAnnotation(d, String(revisionOf(newRS)));

    if (field(d, 'spec', 'paused') !== true) {
      if (strategy === 'Recreate') this.recreate(d, newRS, olds, replicas);
      else this.rollingUpdate(d, newRS, olds, replicas, maxSurge, maxUnavailable);
    }
    this.cleanup(d, newRS);
    this.updateStatus(d, hash, replicas, maxUnavailable, createdNew, now);
  }

  /** The Deployment carries its current revision as an annotation (kubectl rollout history/undo read it). */
  private syncRevisionAnnotation(d: KObject, revision: string): KObject {
    if (d.metadata.annotations?.[REVISION] === revision) return d;
    const next = clone(d);
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: revision };
    return this.ctx.api.update(RESOURCE.deployments, d.metadata.namespace, d.metadata.name, next, {
      fieldManager: MANAGER,
    });
  }

  private createReplicaSet(
    d: KObject,
    hash: string,
    revision: number,
    replicas: number,
    maxSurge: number,
  ): KObject | undefined {
    const template = clone(field(d, 'spec', 'template')) as Record<string, unknown>;
    const tmd = (isObject(template.metadata) ? template.metadata : {}) as Record<string, unknown>;
    const labels = { ...((isObject(tmd.labels) ? tmd.labels : {}) as Record<string, string>), [HASH_LABEL]: hash };
    tmd.labels = labels;
    template.metadata = tmd;
    const selector = clone(field(d, 'spec', 'selector')) as Record<string, unknown>;
    selector.matchLabels = {
      ...((isObject(selector.matchLabels) ? selector.matchLabels : {}) as Record<string, string>),
      [HASH_LABEL]: hash,
    };
    const name = `${d.metadata.name}-${hash}`;
    try {
      const rs = this.ctx.api.create(
        RESOURCE.replicasets,
        d.metadata.namespace,
        {
          metadata: {
            name,
            namespace: d.metadata.namespace,
            labels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge),
              [REVISION]: String(revision),
            },
            ownerReferences: [controllerRef(d)],
          },
          spec: { replicas: 0, minReadySeconds: num(d, 'spec', 'minReadySeconds') ?? 0, selector, template },
        },
        { fieldManager: MANAGER },
      );
      return rs;
    } catch (err) {
      this.ctx.events.record(
        d,
        'Warning',
        'FailedCreate',
        `Failed to create new replica set "${name}": ${String(err)}`,
        'deployment-controller',
      );
      return undefined;
    }
  }

  private updateReplicaSet(rs: KObject, change: (rs: KObject) => void): KObject {
    const next = clone(rs);
    change(next);
    return this.ctx.api.update(RESOURCE.replicasets, rs.metadata.namespace, rs.metadata.name, next, {
      fieldManager: MANAGER,
    });
  }

  private scale(d: KObject, rs: KObject, to: number, replicas: number, maxSurge: number): KObject {
    const from = specReplicas(rs);
    if (from === to) return rs;
    const updated = this.updateReplicaSet(rs, (r) => {
      (r.spec as Record<string, unknown>).replicas = to;
      r.metadata.annotations = {
        ...(r.metadata.annotations ?? {}),
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge),
      };
    });
    const verb = to > from ? 'up' : 'down';
    this.ctx.events.record(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${to}`,
      'deployment-controller',
    );
    return updated;
  }

  private recreate(d: KObject, newRS: KObject, olds: KObject[], replicas: number): void {
    for (const old of olds) if (specReplicas(old) > 0) this.scale(d, old, 0, replicas, 0);
    const oldPods = olds.reduce((n, rs) => n + statusNum(rs, 'replicas'), 0);
    if (oldPods > 0) return;
    this.scale(d, newRS, replicas, replicas, 0);
  }

  private rollingUpdate(
    d: KObject,
    newRS: KObject,
    olds: KObject[],
    replicas: number,
    maxSurge: number,
    maxUnavailable: number,
  ): void {
    let current = newRS;
    if (specReplicas(current) > replicas) current = this.scale(d, current, replicas, replicas, maxSurge);
    else if (specReplicas(current) < replicas) {
      const total = specReplicas(current) + olds.reduce((n, rs) => n + specReplicas(rs), 0);
      const room = replicas + maxSurge - total;
      if (room > 0)
        current = this.scale(
          d,
          current,
          specReplicas(current) + Math.min(room, replicas - specReplicas(current)),
          replicas,
          maxSurge,
        );
    }
    const active = olds
      .filter((rs) => specReplicas(rs) > 0)
      .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    if (active.length === 0) return;
    const allPods = specReplicas(current) + active.reduce((n, rs) => n + specReplicas(rs), 0);
    const minAvailable = replicas - maxUnavailable;
    const newUnavailable = specReplicas(current) - statusNum(current, 'availableReplicas');
    let budget = allPods - minAvailable - Math.max(newUnavailable, 0);
    if (budget <= 0) return;
    // Unhealthy old pods go first: removing them costs no availability.
    const remaining = new Map<string, number>();
    for (const old of active) {
      const unhealthy = specReplicas(old) - statusNum(old, 'availableReplicas');
      const down = Math.min(budget, Math.max(unhealthy, 0));
      remaining.set(old.metadata.uid, specReplicas(old) - down);
      budget -= down;
    }
    let available =
      statusNum(current, 'availableReplicas') +
      active.reduce((n, rs) => n + Math.min(statusNum(rs, 'availableReplicas'), remaining.get(rs.metadata.uid)!), 0);
    for (const old of active) {
      let target = remaining.get(old.metadata.uid)!;
      const canDrop = Math.min(target, available - minAvailable, budget);
      if (canDrop > 0) {
        target -= canDrop;
        available -= canDrop;
        budget -= canDrop;
      }
      if (target !== specReplicas(old)) this.scale(d, old, target, replicas, maxSurge);
    }
  }

  /** Old, empty ReplicaSets beyond revisionHistoryLimit are deleted, oldest revision first. */
  private cleanup(d: KObject, newRS: KObject): void {
    const limit = num(d, 'spec', 'revisionHistoryLimit') ?? 10;
    const empty = this.owned(d)
      .filter(
        (rs) => rs.metadata.uid !== newRS.metadata.uid && specReplicas(rs) === 0 && statusNum(rs, 'replicas') === 0,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of empty.slice(0, Math.max(empty.length - limit, 0))) {
      this.ctx.api.delete(RESOURCE.replicasets, rs.metadata.namespace, rs.metadata.name);
    }
  }

  private updateStatus(
    d0: KObject,
    hash: string,
    replicas: number,
    maxUnavailable: number,
    createdNew: boolean,
    now: number,
  ): void {
    const d = this.ctx.api.tryGet(RESOURCE.deployments, d0.metadata.namespace, d0.metadata.name);
    if (!d) return;
    const all = this.owned(d);
    const newRS = all.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const sum = (key: string): number => all.reduce((n, rs) => n + statusNum(rs, key), 0);
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: sum('replicas'),
      updatedReplicas: newRS ? statusNum(newRS, 'replicas') : 0,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: sum('availableReplicas'),
    };
    const totalSpec = all.reduce((n, rs) => n + specReplicas(rs), 0);
    const unavailable = Math.max(totalSpec - (status.availableReplicas as number), 0);
    if (unavailable > 0) status.unavailableReplicas = unavailable;
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'])
      if (status[k] === 0) delete status[k];

    const stamp = isoAt(now);
    const prev = arr(d, 'status', 'conditions') as unknown as Condition[];
    const find = (type: string): Condition | undefined => prev.find((c) => c.type === type);
    const cond = (type: string, st: 'True' | 'False', reason: string, message: string, touch: boolean): Condition => {
      const old = find(type);
      const changed = !old || old.status !== st || old.reason !== reason || old.message !== message;
      return {
        type,
        status: st,
        lastUpdateTime: changed || touch ? stamp : old!.lastUpdateTime,
        lastTransitionTime: old && old.status === st ? old.lastTransitionTime : stamp,
        reason,
        message,
      };
    };
    const availableOk = ((status.availableReplicas as number | undefined) ?? 0) >= replicas - maxUnavailable;
    const available = availableOk
      ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', false)
      : cond(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          false,
        );

    const rsName = newRS?.metadata.name ?? `${d.metadata.name}-${hash}`;
    const n = (k: string): number => (status[k] as number | undefined) ?? 0;
    const complete =
      n('updatedReplicas') === replicas && n('availableReplicas') === replicas && n('replicas') === replicas;
    const old = d.status as Record<string, unknown> | undefined;
    const o = (k: string): number => (typeof old?.[k] === 'number' ? (old[k] as number) : 0);
    const progressed =
      n('updatedReplicas') > o('updatedReplicas') ||
      n('readyReplicas') > o('readyReplicas') ||
      n('availableReplicas') > o('availableReplicas') ||
      n('replicas') < o('replicas') ||
      (d.metadata.generation ?? 1) !== (old?.observedGeneration ?? 0);
    const deadlineMs = (num(d, 'spec', 'progressDeadlineSeconds') ?? 600) * 1000;
    const prevProgressing = find('Progressing');
    let progressing: Condition;
    if (complete) {
      progressing = cond(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
        false,
      );
    } else if (createdNew) {
      progressing = cond('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${rsName}"`, true);
    } else if (progressed || !prevProgressing || prevProgressing.reason === 'NewReplicaSetAvailable') {
      progressing = cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, true);
    } else if (
      prevProgressing.reason === 'ProgressDeadlineExceeded' ||
      now - Date.parse(prevProgressing.lastUpdateTime) > deadlineMs
    ) {
      progressing = cond(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${rsName}" has timed out progressing.`,
        false,
      );
    } else {
      progressing = prevProgressing;
    }
    if (progressing.reason === 'ProgressDeadlineExceeded' && prevProgressing?.reason !== 'ProgressDeadlineExceeded') {
      this.ctx.events.record(
        d,
        'Warning',
        'ProgressDeadlineExceeded',
        `Deployment "${d.metadata.name}" has timed out progressing.`,
        'deployment-controller',
      );
    }
    status.conditions = [available, progressing];
    writeStatus(this.ctx, RESOURCE.deployments, d, status, MANAGER);
  }
}
