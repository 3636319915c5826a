// App settings → a validated configuration. Pure: the caller passes the environment (and the targets file content,
// when ELB_TARGETS_FILE is used), so the rules are unit-tested without touching process.env or the disk.
import { DomainError } from './errors';
import { ImageRepository, isValidTag, parseImageRepository, registryEndpoint } from './image';
import { parseTargets, Target } from './targets';

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

function intSetting(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be an integer between ${min} and ${max}`);
  return n;
}

/** The local default: one kubeconfig target on the simulated cluster. */
export function defaultLocalTargetsJson(env: Env): string {
  const localDir = env.ELB_LOCAL_DIR && env.ELB_LOCAL_DIR.length > 0 ? env.ELB_LOCAL_DIR : '.local';
  return JSON.stringify([
    {
      name: 'local',
      kind: 'kubeconfig',
      kubeconfig: `${localDir.replace(/\/+$/, '')}/sim/kubeconfig`,
      context: 'elb-sim',
      namespace: 'elb-openapi',
      servicePort: 8080,
    },
  ]);
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

  const image = parseImageRepository(env.ELB_OPENAPI_IMAGE || DEFAULTS.image);
  const pinnedTag = env.ELB_OPENAPI_TAG || DEFAULTS.tag;
  if (!isValidTag(pinnedTag)) fail('ELB_OPENAPI_TAG is not a valid image tag');

  const authMode = (env.ELB_AUTH_MODE || 'platform').toLowerCase();
  if (authMode !== 'platform' && authMode !== 'none') fail('ELB_AUTH_MODE must be "platform" or "none"');

  const execUpstream = (env.TERMINAL_EXEC_UPSTREAM || DEFAULTS.execUpstream).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+$/.test(execUpstream)) fail('TERMINAL_EXEC_UPSTREAM must be an http(s) base URL');

  const registryEp = registryEndpoint(
    image,
    env.ELB_REGISTRY_ENDPOINT ?? (image.registry === '127.0.0.1:5001' ? DEFAULTS.registryEndpoint : undefined),
  );
  if (!/^https?:\/\/[^/\s]+$/.test(registryEp)) fail('ELB_REGISTRY_ENDPOINT must be an http(s) base URL');

  const registryResourceId = env.ELB_REGISTRY_RESOURCE_ID?.trim() || null;
  if (
    registryResourceId &&
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i.test(
      registryResourceId,
    )
  ) {
    fail('ELB_REGISTRY_RESOURCE_ID must be a container registry resource id');
  }

  if (authMode === 'platform' && !registryResourceId) {
    fail('ELB_REGISTRY_RESOURCE_ID is required with ELB_AUTH_MODE=platform: Event Grid pushes are checked against it');
  }

  const dashboardOrigins = (env.ELB_DASHBOARD_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of dashboardOrigins) {
    if (!/^https?:\/\/[^/\s?#@]+$/.test(origin))
      fail('ELB_DASHBOARD_ORIGINS must list origins like http://127.0.0.1:5173');
  }

  const taskHub = env.ELB_TASK_HUB || DEFAULTS.taskHub;
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHub))
    fail('ELB_TASK_HUB must be 3-45 letters or digits, starting with a letter');

  return {
    targets: parseTargets(targetsJson),
    image,
    pinnedTag,
    registryEndpoint: registryEp,
    registryResourceId,
    execUpstream,
    authMode: authMode as AuthMode,
    dashboardOrigins,
    timings: {
      pollIntervalSeconds: intSetting(env, 'ELB_POLL_INTERVAL_SECONDS', 5, 0, 300),
      watchSeconds: intSetting(env, 'ELB_WATCH_SECONDS', 90, 1, 600),
      rolloutTimeoutSeconds: intSetting(env, 'ELB_ROLLOUT_TIMEOUT_SECONDS', 600, 1, 7200),
      externalIpTimeoutSeconds: intSetting(env, 'ELB_EXTERNAL_IP_TIMEOUT_SECONDS', 300, 1, 7200),
      verifyTimeoutSeconds: intSetting(env, 'ELB_VERIFY_TIMEOUT_SECONDS', 120, 1, 3600),
      dependencyRetrySeconds: intSetting(env, 'ELB_DEPENDENCY_RETRY_SECONDS', 30, 0, 600),
    },
    execTimeoutSeconds: intSetting(env, 'ELB_EXEC_TIMEOUT_SECONDS', 120, 5, 1800),
    localRun: Boolean(env.ELB_LOCAL_DIR && env.ELB_LOCAL_DIR.trim() !== ''),
    pendingWarnSeconds: intSetting(env, 'ELB_PENDING_WARN_SECONDS', 60, 5, 86400),
    historyLimit: intSetting(env, 'ELB_HISTORY_LIMIT', 50, 1, 1000),
    taskHub,
  };
}
