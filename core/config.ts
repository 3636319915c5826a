// App settings → a validated configuration. Pure: the caller passes the environment (and the targets file content,
// when ELB_TARGETS_FILE is used), so the rules are unit-tested without touching process.env or the disk.
import type * as z from 'zod/mini';
import type { BuildSource } from './build';
import { DomainError } from './errors';
import { WaveGroup, WaveList } from './contract/policy';
import { AppSettings, NotifyDestinationList } from './contract/settings';
import { ImageRepository, parseImageRepository, registryEndpoint } from './image';
import type { NotifyRoute } from './notifications';
import { parseTargets, Target } from './targets';
import { validate } from './validate';

const BASE_URL = /^https?:\/\/[^/\s]+$/;

export type AuthMode = 'platform' | 'none';

/** Waiting behaviour of the deploy orchestration; passed in its input so the orchestrator never reads settings. */
export interface Timings {
  /** Durable timer between two bounded checks. */
  pollIntervalSeconds: number;
  /** How long one bounded check activity may watch before it returns "still waiting". */
  watchSeconds: number;
  rolloutTimeoutSeconds: number;
  externalIpTimeoutSeconds: number;
  verifyTimeoutSeconds: number;
  /**
   * How long a transiently unavailable exec server or cluster API is retried (with backoff) before a phase fails
   * with exec_unavailable / cluster_unavailable (ELB_DEPENDENCY_RETRY_SECONDS).
   */
  dependencyRetrySeconds: number;
}

export interface AppConfig {
  targets: Target[];
  image: ImageRepository;
  pinnedTag: string;
  registryEndpoint: string;
  /** ARM id of the registry; when set, Event Grid events must come from this topic. */
  registryResourceId: string | null;
  execUpstream: string;
  authMode: AuthMode;
  /** Origins besides the API's own whose browsers may send writes in the no-auth mode (the local dashboard). */
  dashboardOrigins: string[];
  timings: Timings;
  execTimeoutSeconds: number;
  /** Started by scripts/dev/local-run.sh (it sets ELB_LOCAL_DIR): problems then come with the command that fixes them. */
  localRun: boolean;
  /** A deploy still Pending after this long is reported as stuck. */
  pendingWarnSeconds: number;
  /** Deploy records kept per target. */
  historyLimit: number;
  taskHub: string;
  /** Where Rebuild & Deploy builds the image from; null when the ELB_BUILD_SOURCE_* settings are not given. */
  build: BuildSource | null;
  /** How long Start cluster waits for the cluster to run and its API to answer (ELB_CLUSTER_START_TIMEOUT_SECONDS). */
  clusterStartTimeoutSeconds: number;
  /** Wave groups in update order (ELB_WAVES); empty → every target updates on its own. */
  waves: WaveGroup[];
  /** Tests only (ELB_TEST_HOUR_SECONDS): seconds per hour of an approval deadline; null → 3600. */
  testHourSeconds: number | null;
  /** Where notifications go (ELB_NOTIFY_WEBHOOKS), without the URLs: those are secrets, read on use. */
  notifications: NotifyRoute[];
  /** Why notifications are off although configured (an unresolved Key Vault reference); null when they are not. */
  notificationsProblem: string | null;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULTS = {
  image: '127.0.0.1:5001/elb-openapi',
  tag: '3.4',
  registryEndpoint: 'http://127.0.0.1:5001',
  execUpstream: 'http://127.0.0.1:7682',
  taskHub: 'elbcontrol',
} as const;

function fail(message: string): never {
  throw new DomainError('invalid_settings', message, 500);
}

/**
 * The local default: one kubeconfig target on the simulated AKS cluster — its HTTPS API server, with the cluster
 * user's kubeconfig the sim writes — declaring that cluster, so a stop of it is real for the target and Start cluster
 * can start it (docs/deploy.md#start-cluster). The same as scripts/dev/local-run.sh sets.
 */
export function defaultLocalTargetsJson(env: Env): string {
  const localDir = env.ELB_LOCAL_DIR && env.ELB_LOCAL_DIR.length > 0 ? env.ELB_LOCAL_DIR : '.local';
  return JSON.stringify([
    {
      name: 'local',
      kind: 'kubeconfig',
      kubeconfig: `${localDir.replace(/\/+$/, '')}/sim/aks-kubeconfig`,
      context: 'aks-elb-sim',
      namespace: 'elb-openapi',
      servicePort: 8080,
      seedCluster: SIM_CLUSTER,
    },
  ]);
}

/** The sim's AKS managed cluster (sim/sim.ts, docs/sim.md "Stop and start"). */
const SIM_CLUSTER = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'elb-sim',
  clusterName: 'aks-elb-sim',
};

/** The build source, or null without one; half a source is a configuration mistake. */
function buildSource(settings: z.output<typeof AppSettings>): BuildSource | null {
  const { ELB_BUILD_SOURCE_URL: url, ELB_BUILD_SOURCE_REF: ref } = settings;
  if (!url && !ref) return null;
  if (!url || !ref) fail('ELB_BUILD_SOURCE_URL and ELB_BUILD_SOURCE_REF are set together, or neither');
  return {
    url,
    ref,
    context: settings.ELB_BUILD_CONTEXT,
    dockerfile: settings.ELB_BUILD_DOCKERFILE,
    timeoutSeconds: settings.ELB_BUILD_TIMEOUT_SECONDS,
  };
}

/** A notification destination with its URL (a secret: kept out of AppConfig, see notifyRoutes). */
export type NotifyDestination = z.output<typeof NotifyDestinationList>[number];

/**
 * ELB_NOTIFY_WEBHOOKS (JSON) → its destinations; absent or blank → none. Errors name the field, never the value:
 * the URLs are secrets, and JSON.parse's own message would quote the text.
 */
export function parseNotifyWebhooks(json: string | undefined): NotifyDestination[] {
  if (json === undefined || json.trim() === '' || isUnresolvedKeyVaultReference(json)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    fail('ELB_NOTIFY_WEBHOOKS: not valid JSON');
  }
  return validate(NotifyDestinationList, raw, () => 'invalid_settings', { status: 500, prefix: 'ELB_NOTIFY_WEBHOOKS' });
}

/**
 * App Service leaves a Key Vault reference it cannot resolve (no access yet — a new role assignment takes minutes to
 * apply — or no such secret) as the literal `@Microsoft.KeyVault(…)`. For notifications that means "none for now",
 * not a broken app: deploys must not depend on them (docs/policies.md#in-azure).
 */
export function isUnresolvedKeyVaultReference(value: string): boolean {
  return /^\s*@Microsoft\.KeyVault\(/i.test(value);
}

/** The destinations as the app keeps them: names, formats and filters, no URL. */
export function notifyRoutes(destinations: readonly NotifyDestination[]): NotifyRoute[] {
  return destinations.map((d) => ({
    name: d.name,
    format: d.format,
    kinds: d.kinds ?? null,
    targets: d.targets ?? null,
  }));
}

/**
 * @param targetsFileContent content of ELB_TARGETS_FILE when that setting is used (read by the caller).
 */
export function loadConfig(env: Env, targetsFileContent?: string): AppConfig {
  let targetsJson: string;
  if (env.ELB_TARGETS && env.ELB_TARGETS.trim() !== '') targetsJson = env.ELB_TARGETS;
  else if (env.ELB_TARGETS_FILE && env.ELB_TARGETS_FILE.trim() !== '') {
    if (targetsFileContent === undefined) fail('ELB_TARGETS_FILE is set but its content was not read');
    targetsJson = targetsFileContent;
  } else targetsJson = defaultLocalTargetsJson(env);

  // Blank settings count as absent (an app setting cannot be deleted in every portal, only emptied).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const settings = validate(AppSettings, present, () => 'invalid_settings', { status: 500, prefix: 'settings' });
  const image = parseImageRepository(env.ELB_OPENAPI_IMAGE || DEFAULTS.image);
  const pinnedTag = settings.ELB_OPENAPI_TAG ?? DEFAULTS.tag;
  const authMode = settings.ELB_AUTH_MODE as AuthMode;

  const execUpstream = (settings.TERMINAL_EXEC_UPSTREAM ?? DEFAULTS.execUpstream).replace(/\/+$/, '');
  if (!BASE_URL.test(execUpstream)) fail('TERMINAL_EXEC_UPSTREAM must be an http(s) base URL');

  const registryEp = registryEndpoint(
    image,
    env.ELB_REGISTRY_ENDPOINT ?? (image.registry === '127.0.0.1:5001' ? DEFAULTS.registryEndpoint : undefined),
  );
  if (!BASE_URL.test(registryEp)) fail('ELB_REGISTRY_ENDPOINT must be an http(s) base URL');

  const registryResourceId = settings.ELB_REGISTRY_RESOURCE_ID ?? null;
  if (authMode === 'platform' && !registryResourceId) {
    fail('ELB_REGISTRY_RESOURCE_ID is required with ELB_AUTH_MODE=platform: Event Grid pushes are checked against it');
  }

  if (settings.ELB_TEST_HOUR_SECONDS !== undefined && (env.WEBSITE_INSTANCE_ID || env.CONTAINER_APP_NAME)) {
    fail('ELB_TEST_HOUR_SECONDS is for tests: it is refused when running in Azure');
  }

  const targets = parseTargets(targetsJson);
  return {
    targets,
    image,
    pinnedTag,
    registryEndpoint: registryEp,
    registryResourceId,
    execUpstream,
    authMode,
    dashboardOrigins: settings.ELB_DASHBOARD_ORIGINS,
    timings: {
      pollIntervalSeconds: settings.ELB_POLL_INTERVAL_SECONDS,
      watchSeconds: settings.ELB_WATCH_SECONDS,
      rolloutTimeoutSeconds: settings.ELB_ROLLOUT_TIMEOUT_SECONDS,
      externalIpTimeoutSeconds: settings.ELB_EXTERNAL_IP_TIMEOUT_SECONDS,
      verifyTimeoutSeconds: settings.ELB_VERIFY_TIMEOUT_SECONDS,
      dependencyRetrySeconds: settings.ELB_DEPENDENCY_RETRY_SECONDS,
    },
    execTimeoutSeconds: settings.ELB_EXEC_TIMEOUT_SECONDS,
    localRun: Boolean(env.ELB_LOCAL_DIR && env.ELB_LOCAL_DIR.trim() !== ''),
    pendingWarnSeconds: settings.ELB_PENDING_WARN_SECONDS,
    historyLimit: settings.ELB_HISTORY_LIMIT,
    taskHub: settings.ELB_TASK_HUB,
    build: buildSource(settings),
    clusterStartTimeoutSeconds: settings.ELB_CLUSTER_START_TIMEOUT_SECONDS,
    waves: parseWaves(settings.ELB_WAVES, targets),
    testHourSeconds: settings.ELB_TEST_HOUR_SECONDS ?? null,
    notifications: notifyRoutes(parseNotifyWebhooks(settings.ELB_NOTIFY_WEBHOOKS)),
    notificationsProblem:
      settings.ELB_NOTIFY_WEBHOOKS !== undefined && isUnresolvedKeyVaultReference(settings.ELB_NOTIFY_WEBHOOKS)
        ? 'ELB_NOTIFY_WEBHOOKS is a Key Vault reference the platform has not resolved (access or secret missing); no notifications are sent'
        : null,
  };
}

/** ELB_WAVES: groups of configured targets, each target in one group at most, group names unique. */
export function parseWaves(json: string | undefined, targets: readonly Target[]): WaveGroup[] {
  if (json === undefined) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    fail('ELB_WAVES: not valid JSON');
  }
  const groups = validate(WaveList, raw, () => 'invalid_settings', { status: 500, prefix: 'ELB_WAVES' });
  const names = new Set(targets.map((t) => t.name));
  const placed = new Map<string, string>();
  const groupNames = new Set<string>();
  for (const group of groups) {
    if (groupNames.has(group.name)) fail(`ELB_WAVES: group "${group.name}" is named twice`);
    groupNames.add(group.name);
    for (const target of group.targets) {
      if (!names.has(target))
        fail(`ELB_WAVES: group "${group.name}" names "${target}", which is not a configured target`);
      const other = placed.get(target);
      if (other !== undefined) fail(`ELB_WAVES: target "${target}" is in groups "${other}" and "${group.name}"`);
      placed.set(target, group.name);
    }
  }
  return groups;
}
