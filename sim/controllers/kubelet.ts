// Scheduler and kubelet for the sim's one node: binds pods (or leaves them Pending when unschedulable), "pulls"
// images against the registry (ErrImagePull → ImagePullBackOff when it cannot), starts containers, marks them Ready
// after the configured delay, and crash-loops them under a crash_loop fault or when the image was pushed broken.
// Every step writes the pod status fields and Events a real kubelet would.
import { RESOURCE } from '../k8s/resources';
import { arr, clone, field, isObject, num, str, type KObject } from '../k8s/object';
import { isoAt, writeStatus, type Controller, type ControllerContext } from './context';

const PULL_RETRY_MS = 2_000;
const BACKOFF_AFTER_ERR_MS = 1_000;
const CRASH_AFTER_MS = 500;
const CRASH_BACKOFF_MS = 1_000;
const CRASH_BACKOFF_MAX_MS = 10_000;
const SCHEDULING_EVENT_EVERY_MS = 30_000;

interface ContainerSim {
  /** When the next pull attempt (or restart after a crash) may happen. */
  nextAt: number;
  /** When a failed pull turns from ErrImagePull into ImagePullBackOff. */
  backoffAt: number;
  /** Exact start time; status timestamps have only second precision. */
  startedAtMs?: number;
}

export class KubeletController implements Controller {
  readonly name = 'kubelet';
  private readonly containers = new Map<string, ContainerSim>();
  private readonly schedulingEventAt = new Map<string, number>();
  private ipSeq = 10;

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const live = new Set<string>();
    for (const pod of this.ctx.api.store.list(RESOURCE.pods)) {
      live.add(pod.metadata.uid);
      if (pod.metadata.deletionTimestamp) continue;
      if (!str(pod, 'spec', 'nodeName')) this.schedule(pod, now);
      else this.run(pod, now);
    }
    for (const key of this.containers.keys()) if (!live.has(key.split('/')[0]!)) this.containers.delete(key);
    this.ctx.env.prune(live);
    for (const key of this.schedulingEventAt.keys()) if (!live.has(key)) this.schedulingEventAt.delete(key);
  }

  private schedule(pod: KObject, now: number): void {
    const ns = pod.metadata.namespace!;
    const blocked = this.ctx.faults.of('unschedulable').some((f) => !f.namespace || f.namespace === ns);
    const status = clone((pod.status ?? {}) as Record<string, unknown>);
    if (blocked) {
      const message =
        '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
      status.phase = 'Pending';
      status.conditions = setCondition(
        arr(status, 'conditions'),
        'PodScheduled',
        'False',
        now,
        'Unschedulable',
        message,
      );
      writeStatus(this.ctx, RESOURCE.pods, pod, status, 'kube-scheduler');
      const last = this.schedulingEventAt.get(pod.metadata.uid) ?? 0;
      if (now - last >= SCHEDULING_EVENT_EVERY_MS) {
        this.schedulingEventAt.set(pod.metadata.uid, now);
        this.ctx.events.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      }
      return;
    }
    const bound = clone(pod);
    (bound.spec as Record<string, unknown>).nodeName = this.ctx.settings.nodeName;
    const stored = this.ctx.api.update(RESOURCE.pods, pod.metadata.namespace, pod.metadata.name, bound, {
      fieldManager: 'kube-scheduler',
    });
    const s = clone((stored.status ?? {}) as Record<string, unknown>);
    s.conditions = setCondition(arr(s, 'conditions'), 'PodScheduled', 'True', now);
    writeStatus(this.ctx, RESOURCE.pods, stored, s, 'kube-scheduler');
    this.ctx.events.record(
      stored,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${this.ctx.settings.nodeName}`,
      'default-scheduler',
    );
  }

  private run(pod: KObject, now: number): void {
    const status = clone((pod.status ?? {}) as Record<string, unknown>);
    const specs = arr(pod, 'spec', 'containers');
    const previous = arr(status, 'containerStatuses');
    const next: Record<string, unknown>[] = [];
    for (const c of specs) {
      const name = str(c, 'name')!;
      const image = str(c, 'image')!;
      const prev = previous.find((p) => str(p, 'name') === name) as Record<string, unknown> | undefined;
      next.push(this.container(pod, name, image, prev, now));
    }
    const allReady = next.length > 0 && next.every((c) => c.ready === true);
    const anyStarted = next.some((c) => isObject(field(c, 'state', 'running')) || (num(c, 'restartCount') ?? 0) > 0);
    status.phase = anyStarted ? 'Running' : 'Pending';
    status.hostIP = '10.224.0.4';
    status.hostIPs = [{ ip: '10.224.0.4' }];
    if (!status.podIP) {
      const ip = `10.244.0.${(this.ipSeq++ % 250) + 2}`;
      status.podIP = ip;
      status.podIPs = [{ ip }];
    }
    status.startTime = status.startTime ?? isoAt(now);
    status.qosClass = status.qosClass ?? 'BestEffort';
    let conds: Cond[] = arr(status, 'conditions').filter(isObject) as Cond[];
    conds = setCondition(conds, 'PodReadyToStartContainers', 'True', now);
    conds = setCondition(conds, 'Initialized', 'True', now);
    const unready = `containers with unready status: [${next
      .filter((c) => c.ready !== true)
      .map((c) => c.name)
      .join(' ')}]`;
    for (const type of ['Ready', 'ContainersReady']) {
      conds = allReady
        ? setCondition(conds, type, 'True', now)
        : setCondition(conds, type, 'False', now, 'ContainersNotReady', unready);
    }
    conds = setCondition(conds, 'PodScheduled', 'True', now);
    status.conditions = orderConditions(conds);
    status.containerStatuses = next;
    writeStatus(this.ctx, RESOURCE.pods, pod, status, 'kubelet');
  }

  /** One container's next status. */
  private container(
    pod: KObject,
    name: string,
    image: string,
    prev: Record<string, unknown> | undefined,
    now: number,
  ): Record<string, unknown> {
    const key = `${pod.metadata.uid}/${name}`;
    const sim = this.containers.get(key) ?? { nextAt: 0, backoffAt: 0 };
    this.containers.set(key, sim);
    const fieldPath = `spec.containers{${name}}`;
    const restartCount = num(prev, 'restartCount') ?? 0;
    const running = field(prev, 'state', 'running');
    const waitingReason = str(prev, 'state', 'waiting', 'reason');
    const base = { name, image, restartCount, started: false, ready: false };
    // A crash_loop fault, or an image pushed broken (its process exits at start whatever the cluster does).
    const crashFault =
      this.ctx.images.defectOf(image) === 'crash_loop' ||
      this.ctx.faults
        .of('crash_loop')
        .some(
          (f) =>
            (!f.namespace || f.namespace === pod.metadata.namespace) &&
            (!f.image || this.ctx.images.matches(f.image, image)) &&
            (!f.new_pods || createdSince(pod, f.created_at)),
        );

    // Already running: ready after the delay, or crash under a crash_loop fault.
    if (isObject(running) && prev) {
      // A container found running that this process never started (the sim was restarted over its saved state):
      // its environment is taken as of now, as a kubelet re-reads a running container after its own restart.
      if (!this.ctx.env.knows(pod, name)) this.ctx.env.capture(pod, name);
      const startedAt = sim.startedAtMs ?? Date.parse(String(running.startedAt));
      if (crashFault && now - startedAt >= CRASH_AFTER_MS) {
        const backoff = Math.min(CRASH_BACKOFF_MS * 2 ** restartCount, CRASH_BACKOFF_MAX_MS);
        sim.nextAt = now + backoff;
        this.ctx.events.record(
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          'kubelet',
          fieldPath,
        );
        return {
          ...base,
          imageID: prev.imageID,
          containerID: prev.containerID,
          restartCount: restartCount + 1,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: running.startedAt,
              finishedAt: isoAt(now),
              containerID: prev.containerID,
            },
          },
        };
      }
      const ready = !crashFault && now - startedAt >= this.ctx.settings.readyDelayMs;
      return { ...prev, started: true, ready };
    }
    if (waitingReason === 'CrashLoopBackOff' && prev) {
      if (now < sim.nextAt) return prev;
      return this.started(sim, this.start(pod, name, image, prev, restartCount, now, true));
    }
    if ((waitingReason === 'ErrImagePull' || waitingReason === 'ImagePullBackOff') && now < sim.nextAt && prev) {
      if (waitingReason === 'ErrImagePull' && now >= sim.backoffAt) {
        this.ctx.events.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, 'kubelet', fieldPath);
        this.ctx.events.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet', fieldPath);
        return {
          ...prev,
          state: {
            waiting: {
              reason: 'ImagePullBackOff',
              message: `Back-off pulling image "${image}": ${str(prev, 'state', 'waiting', 'message') ?? ''}`,
            },
          },
        };
      }
      return prev;
    }
    // Pull (first time, or a retry after a failure).
    const pullFault = this.ctx.faults.of('image_pull').find((f) => this.ctx.images.matches(f.image, image));
    const pulled = this.ctx.images.pull(image);
    if (pullFault || !pulled.ok) {
      const message = pullFault
        ? `rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to copy: httpReadSeeker: failed open: unexpected status code 500 Internal Server Error (injected fault)`
        : pulled.ok
          ? ''
          : pulled.message;
      sim.nextAt = now + PULL_RETRY_MS;
      sim.backoffAt = now + BACKOFF_AFTER_ERR_MS;
      this.ctx.events.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet', fieldPath);
      this.ctx.events.record(
        pod,
        'Warning',
        'Failed',
        `Failed to pull image "${image}": ${message}`,
        'kubelet',
        fieldPath,
      );
      this.ctx.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet', fieldPath);
      return { ...base, state: { waiting: { reason: 'ErrImagePull', message } } };
    }
    return this.started(sim, this.start(pod, name, image, prev, restartCount, now, false));
  }

  /**
   * The readiness delay counts from when the container has started (after its environment is read), not from the
   * start of this sync pass: on a busy machine the two differ, and a pod must never look ready early.
   */
  private started(sim: { startedAtMs?: number }, status: Record<string, unknown>): Record<string, unknown> {
    sim.startedAtMs = Date.now();
    return status;
  }

  private start(
    pod: KObject,
    name: string,
    image: string,
    prev: Record<string, unknown> | undefined,
    restartCount: number,
    now: number,
    restart: boolean,
  ): Record<string, unknown> {
    const fieldPath = `spec.containers{${name}}`;
    const pulled = this.ctx.images.pull(image);
    const imageID = restart && prev?.imageID ? String(prev.imageID) : pulled.ok ? pulled.imageID : '';
    if (restart) {
      this.ctx.events.record(
        pod,
        'Normal',
        'Pulled',
        `Container image "${image}" already present on machine`,
        'kubelet',
        fieldPath,
      );
    } else {
      this.ctx.events.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet', fieldPath);
      this.ctx.events.record(
        pod,
        'Normal',
        'Pulled',
        `Successfully pulled image "${image}" in 812ms (812ms including waiting). Image size: 31457280 bytes.`,
        'kubelet',
        fieldPath,
      );
    }
    this.ctx.events.record(pod, 'Normal', 'Created', `Created container ${name}`, 'kubelet', fieldPath);
    this.ctx.env.capture(pod, name);
    this.ctx.events.record(pod, 'Normal', 'Started', `Started container ${name}`, 'kubelet', fieldPath);
    const out: Record<string, unknown> = {
      name,
      image,
      imageID,
      containerID: `containerd://${Buffer.from(`${pod.metadata.uid}/${name}/${restartCount}`).toString('hex').slice(0, 64).padEnd(64, '0')}`,
      restartCount,
      started: true,
      ready: false,
      state: { running: { startedAt: isoAt(now) } },
    };
    if (prev?.lastState && isObject(prev.lastState) && Object.keys(prev.lastState).length > 0)
      out.lastState = prev.lastState;
    return out;
  }
}

type Cond = Record<string, unknown>;

function setCondition(
  conds: unknown[],
  type: string,
  status: 'True' | 'False',
  now: number,
  reason?: string,
  message?: string,
): Cond[] {
  const list = conds.filter(isObject) as Cond[];
  const old = list.find((c) => c.type === type);
  const next: Cond = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : isoAt(now),
  };
  if (reason) next.reason = reason;
  if (message) next.message = message;
  return [...list.filter((c) => c.type !== type), next];
}

const ORDER = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

function orderConditions(conds: Cond[]): Cond[] {
  return [...conds].sort((a, b) => ORDER.indexOf(String(a.type)) - ORDER.indexOf(String(b.type)));
}

/** Whether the pod was created in or after the second of `iso` (creation timestamps have whole seconds). */
function createdSince(pod: KObject, iso: string): boolean {
  const created = Date.parse(String(pod.metadata.creationTimestamp ?? ''));
  return Number.isFinite(created) && created >= Math.floor(Date.parse(iso) / 1000) * 1000;
}
