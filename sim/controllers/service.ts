// Service controllers: Endpoints from the ready pods a Service selects, and a cloud LoadBalancer that gives
// `type: LoadBalancer` Services a loopback address after a delay (or late, or never, under an lb_ip fault).
import { RESOURCE } from '../k8s/resources';
import { arr, clone, deepEqual, field, num, str, type KObject } from '../k8s/object';
import { fromMapSelector, matchesObjectLabels } from '../k8s/selectors';
import { isPodReady } from './pod-status';
import { writeStatus, type Controller, type ControllerContext } from './context';

export class LoadBalancerIps {
  private readonly byService = new Map<string, string>();
  constructor(private readonly start: string) {}

  /** A stable address per namespace/name: a re-created Service gets its old address back. */
  allocate(key: string): string {
    const have = this.byService.get(key);
    if (have) return have;
    const ip = addToIp(this.start, this.byService.size);
    this.byService.set(key, ip);
    return ip;
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries(this.byService);
  }

  restore(s: Record<string, string>): void {
    for (const [k, v] of Object.entries(s)) this.byService.set(k, v);
  }
}

export function addToIp(ip: string, n: number): string {
  const parts = ip.split('.').map(Number);
  let value = ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]! + n;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    out.unshift(value & 255);
    value = Math.floor(value / 256);
  }
  return out.join('.');
}

/** Ready and not-ready pods a Service selects. */
export function servicePods(ctx: ControllerContext, svc: KObject): { ready: KObject[]; notReady: KObject[] } {
  const reqs = fromMapSelector(field(svc, 'spec', 'selector'));
  if (reqs.length === 0) return { ready: [], notReady: [] };
  const pods = ctx.api.store
    .list(RESOURCE.pods, svc.metadata.namespace)
    .filter((p) => matchesObjectLabels(p, reqs) && str(p, 'status', 'podIP') && !p.metadata.deletionTimestamp);
  return { ready: pods.filter(isPodReady), notReady: pods.filter((p) => !isPodReady(p)) };
}

export class ServiceController implements Controller {
  readonly name = 'service';
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly ips: LoadBalancerIps,
  ) {}

  reconcile(now: number): void {
    const seen = new Set<string>();
    for (const svc of this.ctx.api.store.list(RESOURCE.services)) {
      seen.add(svc.metadata.uid);
      if (svc.metadata.deletionTimestamp) continue;
      this.syncEndpoints(svc);
      this.syncLoadBalancer(svc, now);
    }
    for (const uid of this.firstSeen.keys()) if (!seen.has(uid)) this.firstSeen.delete(uid);
  }

  private syncEndpoints(svc: KObject): void {
    if (!field(svc, 'spec', 'selector')) return;
    const { ready, notReady } = servicePods(this.ctx, svc);
    const address = (p: KObject): Record<string, unknown> => ({
      ip: str(p, 'status', 'podIP'),
      nodeName: str(p, 'spec', 'nodeName'),
      targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    });
    const ports = arr(svc, 'spec', 'ports').map((p) => {
      const target = field(p, 'targetPort');
      const port =
        typeof target === 'number'
          ? target
          : (resolveNamedPort(ready[0] ?? notReady[0], String(target)) ?? num(p, 'port'));
      const out: Record<string, unknown> = { port, protocol: str(p, 'protocol') ?? 'TCP' };
      if (str(p, 'name')) out.name = str(p, 'name');
      return out;
    });
    const subset: Record<string, unknown> = { ports };
    if (ready.length) subset.addresses = ready.map(address);
    if (notReady.length) subset.notReadyAddresses = notReady.map(address);
    const subsets = ready.length || notReady.length ? [subset] : [];
    const ns = svc.metadata.namespace!;
    const existing = this.ctx.api.tryGet(RESOURCE.endpoints, ns, svc.metadata.name);
    const labels = svc.metadata.labels ? { ...svc.metadata.labels } : undefined;
    if (!existing) {
      this.ctx.api.create(
        RESOURCE.endpoints,
        ns,
        { metadata: { name: svc.metadata.name, namespace: ns, ...(labels ? { labels } : {}) }, subsets },
        { fieldManager: 'kube-controller-manager' },
      );
    } else if (!deepEqual(existing.subsets ?? [], subsets)) {
      const next = clone(existing);
      next.subsets = subsets;
      this.ctx.api.update(RESOURCE.endpoints, ns, svc.metadata.name, next, { fieldManager: 'kube-controller-manager' });
    }
  }

  private syncLoadBalancer(svc: KObject, now: number): void {
    const ingress = arr(svc, 'status', 'loadBalancer', 'ingress');
    if (str(svc, 'spec', 'type') !== 'LoadBalancer') {
      if (ingress.length > 0) writeStatus(this.ctx, RESOURCE.services, svc, { loadBalancer: {} }, 'service-controller');
      this.firstSeen.delete(svc.metadata.uid);
      return;
    }
    if (ingress.length > 0) return;
    let since = this.firstSeen.get(svc.metadata.uid);
    if (since === undefined) {
      since = now;
      this.firstSeen.set(svc.metadata.uid, now);
      this.ctx.events.record(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer', 'service-controller');
    }
    const faults = this.ctx.faults.of('lb_ip').filter((f) => !f.namespace || f.namespace === svc.metadata.namespace);
    if (faults.some((f) => f.mode === 'never')) return;
    const delay = faults.reduce((d, f) => Math.max(d, f.delay_ms ?? 0), this.ctx.settings.lbDelayMs);
    if (now - since < delay) return;
    const ip = requestedIp(svc) ?? this.ips.allocate(`${svc.metadata.namespace}/${svc.metadata.name}`);
    writeStatus(
      this.ctx,
      RESOURCE.services,
      svc,
      { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } },
      'service-controller',
    );
    this.ctx.events.record(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', 'service-controller');
  }
}

/**
 * Azure's annotation naming a load balancer's frontend address. The sim hands that address out as asked — an
 * internal LB's private one (10.x) included, so tests can show one; the stand-in cannot serve an address this
 * machine does not have, so such a Service is not reachable from here, as it would not be (docs/sim.md).
 */
export const REQUESTED_IP_ANNOTATION = 'service.beta.kubernetes.io/azure-load-balancer-ipv4';

function requestedIp(svc: KObject): string | null {
  const ip = svc.metadata.annotations?.[REQUESTED_IP_ANNOTATION]?.trim();
  if (!ip) return null;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return octets && octets.slice(1).every((o) => Number(o) <= 255) ? ip : null;
}

function resolveNamedPort(pod: KObject | undefined, name: string): number | undefined {
  if (!pod) return undefined;
  for (const c of arr(pod, 'spec', 'containers')) {
    for (const p of arr(c, 'ports')) if (str(p, 'name') === name) return num(p, 'containerPort');
  }
  return undefined;
}
