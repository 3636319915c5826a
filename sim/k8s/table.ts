// Server-side printing: `kubectl get` (without -o) asks for a meta.k8s.io Table and prints its columns.
import { arr, field, num, str, type KObject } from './object';

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
}

type Cells = (o: KObject, now: number) => unknown[];

function col(name: string, type = 'string', format?: string): Column {
  const c: Column = { name, type, description: name, priority: 0 };
  if (format) c.format = format;
  return c;
}

export function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function podStatus(o: KObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  for (const cs of arr(o, 'status', 'containerStatuses')) {
    const waiting = str(cs, 'state', 'waiting', 'reason');
    if (waiting) return waiting;
    const term = str(cs, 'state', 'terminated', 'reason');
    if (term) return term;
  }
  return str(o, 'status', 'phase') ?? 'Unknown';
}

const TABLES: Record<string, { columns: Column[]; cells: Cells }> = {
  Pod: {
    columns: [col('Name', 'string', 'name'), col('Ready'), col('Status'), col('Restarts', 'string'), col('Age')],
    cells: (o, now) => {
      const cs = arr(o, 'status', 'containerStatuses');
      const ready = cs.filter((c) => field(c, 'ready') === true).length;
      const restarts = cs.reduce<number>((n, c) => n + (num(c, 'restartCount') ?? 0), 0);
      const total = arr(o, 'spec', 'containers').length;
      return [
        o.metadata.name,
        `${ready}/${total}`,
        podStatus(o),
        String(restarts),
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
  Deployment: {
    columns: [
      col('Name', 'string', 'name'),
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Age'),
    ],
    cells: (o, now) => [
      o.metadata.name,
      `${num(o, 'status', 'readyReplicas') ?? 0}/${num(o, 'spec', 'replicas') ?? 0}`,
      num(o, 'status', 'updatedReplicas') ?? 0,
      num(o, 'status', 'availableReplicas') ?? 0,
      age(o.metadata.creationTimestamp, now),
    ],
  },
  ReplicaSet: {
    columns: [
      col('Name', 'string', 'name'),
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Age'),
    ],
    cells: (o, now) => [
      o.metadata.name,
      num(o, 'spec', 'replicas') ?? 0,
      num(o, 'status', 'replicas') ?? 0,
      num(o, 'status', 'readyReplicas') ?? 0,
      age(o.metadata.creationTimestamp, now),
    ],
  },
  Service: {
    columns: [
      col('Name', 'string', 'name'),
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      col('Age'),
    ],
    cells: (o, now) => {
      const type = str(o, 'spec', 'type') ?? 'ClusterIP';
      const ingress = arr(o, 'status', 'loadBalancer', 'ingress')
        .map((i) => str(i, 'ip') ?? str(i, 'hostname'))
        .filter(Boolean);
      const external = ingress.length > 0 ? ingress.join(',') : type === 'LoadBalancer' ? '<pending>' : '<none>';
      const ports = arr(o, 'spec', 'ports')
        .map(
          (p) =>
            `${num(p, 'port')}${num(p, 'nodePort') ? `:${num(p, 'nodePort')}` : ''}/${str(p, 'protocol') ?? 'TCP'}`,
        )
        .join(',');
      return [
        o.metadata.name,
        type,
        str(o, 'spec', 'clusterIP') ?? '<none>',
        external,
        ports || '<none>',
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
  Event: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    cells: (o, now) => [
      age(str(o, 'lastTimestamp') ?? str(o, 'eventTime'), now),
      str(o, 'type') ?? '',
      str(o, 'reason') ?? '',
      `${(str(o, 'involvedObject', 'kind') ?? '').toLowerCase()}/${str(o, 'involvedObject', 'name') ?? ''}`,
      str(o, 'message') ?? '',
    ],
  },
  Namespace: {
    columns: [col('Name', 'string', 'name'), col('Status'), col('Age')],
    cells: (o, now) => [o.metadata.name, str(o, 'status', 'phase') ?? 'Active', age(o.metadata.creationTimestamp, now)],
  },
};

const DEFAULT_TABLE = {
  columns: [col('Name', 'string', 'name'), col('Age')],
  cells: ((o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now)]) as Cells,
};

export function toTable(kind: string, items: KObject[], resourceVersion: string): Record<string, unknown> {
  const t = TABLES[kind] ?? DEFAULT_TABLE;
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: t.columns,
    rows: items.map((o) => ({ cells: t.cells(o, now), object: o })),
  };
}
