// Command-line parsing for elb-sim (pure, so it is tested directly).
import { DEFAULTS, type SimOptions } from './sim';

export class UsageError extends Error {
  readonly code = 'usage';
}

export type Command =
  | { kind: 'serve'; options: SimOptions; logRequests: boolean }
  | {
      kind: 'push';
      registryUrl: string;
      repository: string;
      tag: string;
      broken?: 'crash_loop' | 'image_pull';
      noEvent?: boolean;
    }
  | { kind: 'fault-add'; k8sUrl: string; body: Record<string, unknown> }
  | { kind: 'fault-list'; k8sUrl: string }
  | { kind: 'fault-clear'; k8sUrl: string; id?: string }
  | { kind: 'cluster'; k8sUrl: string; action: 'stop' | 'start' | 'status' }
  | {
      kind: 'notifications';
      hooksUrl: string;
      action: 'list' | 'clear' | 'fail';
      json: boolean;
      failure?: { status: number | 'reset'; count: number; retry_after_seconds?: number };
    }
  | { kind: 'help' };

export const USAGE = `elb-sim: a simulated Kubernetes cluster and container registry

  elb-sim [serve] [--k8s-port N] [--registry-port N] [--state-dir DIR] [--webhook URL | --no-webhook]
                  [--webhook-key-file FILE]
                  [--ready-delay-ms N] [--lb-delay-ms N] [--registry-host NAME] [--lb-ip-start IP]
                  [--registry-resource-id ID] [--arm-port N] [--aks-port N] [--cluster-resource-id ID]
                  [--build-delay-ms N] [--power-delay-ms N] [--token-ttl-ms N] [--hooks-port N] [--fresh]
                  [--log-requests]
  elb-sim push REPO:TAG [--broken crash-loop|image-pull] [--no-event] [--registry-url URL]
  elb-sim fault add TYPE [--image REF] [--namespace NS] [--mode slow|never] [--delay-ms N]
                         [--ms N] [--rate R] [--status 500|503] [--message TEXT] [--k8s-url URL]
        TYPE: image-pull, crash-loop, unschedulable, lb-ip, api-latency, api-errors,
              build-fail (the next ACR Tasks run fails), build-slow --delay-ms N (the next run takes N ms)
  elb-sim fault list [--k8s-url URL]
  elb-sim fault clear [ID] [--k8s-url URL]
  elb-sim cluster stop|start|status [--k8s-url URL]
  elb-sim notifications [list] [--json] [--hooks-url URL]    what the webhook sink received
  elb-sim notifications clear [--hooks-url URL]
  elb-sim notifications fail --status 400-599|reset [--count N] [--retry-after N] [--hooks-url URL]
        the next N webhook requests get that status (or a dropped connection)
`;

const VALUE_FLAGS = new Set([
  'k8s-port',
  'registry-port',
  'state-dir',
  'webhook',
  'webhook-key-file',
  'ready-delay-ms',
  'lb-delay-ms',
  'registry-host',
  'lb-ip-start',
  'registry-resource-id',
  'arm-port',
  'aks-port',
  'cluster-resource-id',
  'build-delay-ms',
  'power-delay-ms',
  'token-ttl-ms',
  'message',
  'registry-url',
  'k8s-url',
  'image',
  'namespace',
  'mode',
  'delay-ms',
  'ms',
  'rate',
  'status',
  'broken',
  'hooks-port',
  'hooks-url',
  'count',
  'retry-after',
]);
const BOOL_FLAGS = new Set(['no-webhook', 'no-event', 'fresh', 'log-requests', 'help', 'json']);

function split(argv: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') {
      flags.set('help', 'true');
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    if (BOOL_FLAGS.has(name)) {
      flags.set(name, 'true');
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { positional, flags };
}

function int(flags: Map<string, string>, name: string, fallback: number, max = 65535): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max}`);
  return Number(v);
}

function url(flags: Map<string, string>, name: string, fallback: string): string {
  const v = flags.get(name) ?? fallback;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL`);
  }
  return v.replace(/\/+$/, '');
}

/** An ARM resource id of `type` (e.g. Microsoft.ContainerService/managedClusters), or the default. */
function resourceId(flags: Map<string, string>, name: string, type: string): string {
  const fallback = name === 'cluster-resource-id' ? DEFAULTS.clusterResourceId : DEFAULTS.registryResourceId;
  const v = flags.get(name) ?? fallback;
  const re = new RegExp(
    `^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w._()]{1,90}/providers/${type.replace('/', '\\/')}/[A-Za-z0-9][-A-Za-z0-9_]{0,62}$`,
    'i',
  );
  if (!re.test(v)) throw new UsageError(`--${name} must be an ARM resource id of ${type}`);
  return v;
}

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseArgs(argv: string[]): Command {
  const { positional, flags } = split(argv);
  if (flags.has('help') || positional[0] === 'help') return { kind: 'help' };
  const verb = positional[0] ?? 'serve';
  if (verb === 'serve') {
    const lbIpStart = flags.get('lb-ip-start') ?? DEFAULTS.lbIpStart;
    const m = lbIpStart.match(IPV4_LOOPBACK);
    if (!m || m.slice(1).some((x) => Number(x) > 255))
      throw new UsageError('--lb-ip-start must be a 127.x.y.z loopback address');
    const registryHost = flags.get('registry-host');
    if (registryHost !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/i.test(registryHost)) {
      throw new UsageError('--registry-host must be a host name such as elbacr01.azurecr.io');
    }
    const options: SimOptions = {
      k8sPort: int(flags, 'k8s-port', DEFAULTS.k8sPort),
      registryPort: int(flags, 'registry-port', DEFAULTS.registryPort),
      stateDir: flags.get('state-dir') ?? DEFAULTS.stateDir,
      webhook: flags.has('no-webhook') ? undefined : url(flags, 'webhook', DEFAULTS.webhook),
      webhookKeyFile: flags.get('webhook-key-file'),
      readyDelayMs: int(flags, 'ready-delay-ms', DEFAULTS.readyDelayMs, 3_600_000),
      lbDelayMs: int(flags, 'lb-delay-ms', DEFAULTS.lbDelayMs, 3_600_000),
      registryHost,
      lbIpStart,
      registryResourceId: resourceId(flags, 'registry-resource-id', 'Microsoft.ContainerRegistry/registries'),
      armPort: int(flags, 'arm-port', DEFAULTS.armPort),
      aksPort: int(flags, 'aks-port', DEFAULTS.aksPort),
      clusterResourceId: resourceId(flags, 'cluster-resource-id', 'Microsoft.ContainerService/managedClusters'),
      buildDelayMs: int(flags, 'build-delay-ms', DEFAULTS.buildDelayMs, 3_600_000),
      powerDelayMs: int(flags, 'power-delay-ms', DEFAULTS.powerDelayMs, 3_600_000),
      tokenTtlMs: int(flags, 'token-ttl-ms', DEFAULTS.tokenTtlMs, 86_400_000),
      hooksPort: int(flags, 'hooks-port', DEFAULTS.hooksPort),
      fresh: flags.has('fresh'),
    };
    return { kind: 'serve', options, logRequests: flags.has('log-requests') };
  }
  if (verb === 'push') {
    const ref = positional[1];
    const m = ref?.match(/^([a-z0-9][a-z0-9._/-]*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/);
    if (!m) throw new UsageError('push needs REPO:TAG, e.g. elb-openapi:3.4');
    const broken = flags.get('broken');
    if (broken !== undefined && broken !== 'crash-loop' && broken !== 'image-pull')
      throw new UsageError('--broken must be crash-loop or image-pull');
    return {
      kind: 'push',
      registryUrl: url(flags, 'registry-url', `http://127.0.0.1:${DEFAULTS.registryPort}`),
      repository: m[1]!,
      tag: m[2]!,
      ...(broken ? { broken: broken === 'crash-loop' ? ('crash_loop' as const) : ('image_pull' as const) } : {}),
      ...(flags.has('no-event') ? { noEvent: true } : {}),
    };
  }
  if (verb === 'fault') {
    const k8sUrl = url(flags, 'k8s-url', `http://127.0.0.1:${DEFAULTS.k8sPort}`);
    const action = positional[1];
    if (action === 'list' || action === 'ls') return { kind: 'fault-list', k8sUrl };
    if (action === 'clear' || action === 'rm' || action === 'remove') {
      const id = positional[2];
      return id ? { kind: 'fault-clear', k8sUrl, id } : { kind: 'fault-clear', k8sUrl };
    }
    if (action === 'add') {
      const type = positional[2];
      if (!type) throw new UsageError('fault add needs a TYPE');
      const body: Record<string, unknown> = { type: type.replace(/-/g, '_') };
      for (const k of ['image', 'namespace', 'mode', 'message'] as const) if (flags.has(k)) body[k] = flags.get(k);
      if (flags.has('delay-ms')) body.delay_ms = int(flags, 'delay-ms', 0, 3_600_000);
      if (flags.has('ms')) body.ms = int(flags, 'ms', 0, 120_000);
      if (flags.has('status')) body.status = int(flags, 'status', 503, 599);
      if (flags.has('rate')) {
        const rate = Number(flags.get('rate'));
        if (!Number.isFinite(rate)) throw new UsageError('--rate must be a number from 0 to 1');
        body.rate = rate;
      }
      return { kind: 'fault-add', k8sUrl, body };
    }
    throw new UsageError('fault needs add, list or clear');
  }
  if (verb === 'cluster') {
    const action = positional[1];
    if (action !== 'stop' && action !== 'start' && action !== 'status')
      throw new UsageError('cluster needs stop, start or status');
    return { kind: 'cluster', k8sUrl: url(flags, 'k8s-url', `http://127.0.0.1:${DEFAULTS.k8sPort}`), action };
  }
  if (verb === 'notifications') {
    const hooksUrl = url(flags, 'hooks-url', 'http://127.0.0.1:8002');
    const action = positional[1] ?? 'list';
    if (action === 'list') return { kind: 'notifications', hooksUrl, action, json: flags.has('json') };
    if (action === 'clear') return { kind: 'notifications', hooksUrl, action, json: false };
    if (action === 'fail') {
      const raw = flags.get('status');
      if (raw === undefined) throw new UsageError('notifications fail needs --status 400-599 or --status reset');
      const status = raw === 'reset' ? ('reset' as const) : int(flags, 'status', 500, 599);
      if (status !== 'reset' && status < 400) throw new UsageError('--status must be from 400 to 599, or reset');
      const failure = {
        status,
        count: int(flags, 'count', 1, 1000),
        ...(flags.has('retry-after') ? { retry_after_seconds: int(flags, 'retry-after', 0, 3600) } : {}),
      };
      return { kind: 'notifications', hooksUrl, action, json: false, failure };
    }
    throw new UsageError('notifications needs list, clear or fail');
  }
  throw new UsageError(`unknown command "${verb}"`);
}
