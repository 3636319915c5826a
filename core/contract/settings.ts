// The deploy targets an operator configures (ELB_TARGETS / ELB_TARGETS_FILE): never taken from a request.
import * as z from 'zod/mini';
import { isLoopbackHttpUrl } from '../loopback';
import { isVersionRange } from '../versions';
import { DEFAULT_POLICY, RANGE_MESSAGE, UpdatePolicy } from './policy';
import { RECONCILE_SCHEDULE_FORMAT } from './reconcile';
import { TAG, TARGET_NAME } from './primitives';
import { CLUSTER_NAME, RESOURCE_GROUP, SeedCluster, SUBSCRIPTION_ID } from './seed';

const nonEmpty = z.string().check(z.minLength(1, 'must be a non-empty string'));
const matching = (re: RegExp) => nonEmpty.check(z.regex(re, 'has an invalid value'));

/**
 * An update policy as the server takes it (configuration, PUT policy, the stored override): the shape, and a range
 * that semver reads. Server-only, so semver stays out of the page.
 */
export const CheckedUpdatePolicy = UpdatePolicy.check(
  z.refine((p) => !('range' in p.track) || isVersionRange(p.track.range), {
    error: RANGE_MESSAGE,
    path: ['track', 'range'],
  }),
);

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Set by elb-control itself; a target may not override them. */
export const RESERVED_ENV = [
  'ELB_OPENAPI_API_TOKEN',
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_FEDERATED_TOKEN_FILE',
];

export const RbacBinding = z.object({
  /** ClusterRole the service account is bound to. */
  clusterRole: matching(/^[a-z0-9]([-a-z0-9:.]*[a-z0-9])?$/),
  /** `namespace` → RoleBinding in the target namespace; `cluster` → ClusterRoleBinding. */
  scope: z._default(z.enum(['namespace', 'cluster']), 'namespace'),
});

/**
 * The only grants a target may ask for its workload identity: what elb-openapi needs (blob data on a storage
 * account) and the cluster user role it always gets. The production exec policy allows exactly these
 * (docs/exec.md), so anything else is refused when the settings load, not half-way through a deploy.
 */
const GRANTABLE: readonly { roles: readonly string[]; scope: RegExp }[] = [
  {
    roles: ['Storage Blob Data Contributor', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'],
    scope:
      /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/,
  },
  {
    roles: ['Azure Kubernetes Service Cluster User Role', '4abbcc35-e782-43d8-92c5-2d3473bafce6'],
    scope:
      /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.ContainerService\/managedClusters\/[A-Za-z0-9][-\w]{0,62}$/,
  },
];

export const RoleAssignmentSpec = z
  .object({
    /** Built-in role name or role definition id, passed to `az role assignment create --role`. */
    role: matching(/^[-\w .()]{1,100}$/),
    /** ARM scope (resource id). */
    scope: matching(/^\/subscriptions\/[0-9a-fA-F-]{36}(\/[-\w.()]+)*$/),
  })
  .check(
    z.refine((a) => GRANTABLE.some((g) => g.roles.includes(a.role) && g.scope.test(a.scope)), {
      error:
        'only Storage Blob Data Contributor on a storage account (or the AKS Cluster User Role on a cluster) may be ' +
        'granted; the exec policy refuses anything else',
    }),
  );

const common = {
  name: matching(TARGET_NAME),
  namespace: z._default(matching(TARGET_NAME), 'elb-openapi'),
  /** Port the LoadBalancer Service exposes (80 in production; 8080 locally so nothing needs root). */
  servicePort: z._default(z.int().check(z.minimum(1), z.maximum(65535)), 80),
  /** AKS: expose through a public LoadBalancer instead of an internal one. */
  publicLoadBalancer: z._default(z.boolean(), false),
  /** `null` or `false` for no binding. */
  rbac: z.pipe(
    z._default(z.union([RbacBinding, z.null(), z.literal(false)]), { clusterRole: 'edit', scope: 'namespace' }),
    z.transform((v) => (v === false ? null : v)),
  ),
  replicas: z._default(z.int().check(z.minimum(1), z.maximum(10)), 1),
  /** How newer images reach the target (docs/policies.md); absent → follow the pin, deploy pushes at once. */
  policy: z._default(CheckedUpdatePolicy, () => structuredClone(DEFAULT_POLICY)),
  /** Extra environment for the elb-openapi container (plain, non-secret values). */
  env: z._default(
    z.record(
      z.string().check(
        z.regex(ENV_NAME, 'is not an allowed variable name'),
        z.refine((k) => !RESERVED_ENV.includes(k), 'is not an allowed variable name'),
      ),
      z.string(),
    ),
    {},
  ),
};

export const KubeconfigTarget = z.object({
  ...common,
  kind: z.literal('kubeconfig'),
  kubeconfig: nonEmpty,
  context: z._default(z.nullable(nonEmpty), null),
  /**
   * The AKS cluster this kubeconfig reaches, as the older system's clients name it (`cluster_name`,
   * `resource_group`, `subscription_id`): declared, such a request selects this target (docs/api.md).
   */
  seedCluster: z.optional(SeedCluster),
});

export const AksTarget = z.object({
  ...common,
  kind: z.literal('aks'),
  subscriptionId: matching(SUBSCRIPTION_ID),
  resourceGroup: matching(RESOURCE_GROUP),
  clusterName: matching(CLUSTER_NAME),
  /** Extra role assignments for the workload identity (beyond what the service always needs). */
  roleAssignments: z._default(z.array(RoleAssignmentSpec), []),
});

export const Target = z.discriminatedUnion('kind', [KubeconfigTarget, AksTarget], {
  error: 'must be "kubeconfig" or "aks"',
});
export const TargetList = z.array(Target).check(z.minLength(1, 'must be a non-empty JSON array'));

/** What a notification can be about (docs/policies.md#notifications). */
export const NOTIFICATION_KINDS = [
  'update_available',
  'approval_waiting',
  'deploy_started',
  'deploy_succeeded',
  'deploy_failed',
  'drift_detected',
  'wave_halted',
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);

/** Longest webhook URL accepted (Teams Workflows URLs run to ~400 characters). */
const MAX_WEBHOOK_URL = 2048;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s#]*)?$/;

/**
 * A webhook URL: https, or plain http on this machine (the sim's sink), as the other URL settings allow it. No user
 * info (a credential would then sit in the URL's authority) and no fragment. The URL is a secret (it authorizes
 * posting): the messages below never repeat it.
 */
const WebhookUrl = z.string().check(
  z.maxLength(MAX_WEBHOOK_URL, `must be at most ${MAX_WEBHOOK_URL} characters`),
  z.refine(
    (u) => HTTPS_URL.test(u) || (isLoopbackHttpUrl(u) && !/[\s#]/.test(u)),
    'must be an https URL (plain http only on 127.0.0.1/localhost), without user info or fragment',
  ),
);

/** One destination of ELB_NOTIFY_WEBHOOKS. Unknown fields are refused, so a typo (`kind` for `kinds`) is named. */
export const NotifyDestination = z.strictObject({
  /** A short DNS-label-like id: what logs, the summary and the Durable history name instead of the URL. */
  name: z
    .string()
    .check(z.regex(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/, 'must be a lowercase DNS label of 1-32 characters')),
  url: WebhookUrl,
  format: z.enum(['json', 'teams', 'slack']),
  /** The kinds sent there; absent → every kind. */
  kinds: z.optional(z.array(NotificationKind).check(z.minLength(1), z.maxLength(NOTIFICATION_KINDS.length))),
  /** The targets whose events are sent there; absent → every target. */
  targets: z.optional(
    z
      .array(z.string().check(z.regex(TARGET_NAME, 'must be a lowercase DNS label')))
      .check(z.minLength(1), z.maxLength(100)),
  ),
});
export const NotifyDestinationList = z.array(NotifyDestination).check(
  z.maxLength(20, 'must have at most 20 destinations'),
  z.refine((list) => new Set(list.map((d) => d.name)).size === list.length, 'names each destination once'),
);

/** An integer app setting (`ELB_*_SECONDS`, …): absent or blank → `dflt`. */
function intSetting(dflt: number, min: number, max: number) {
  const text = `must be an integer between ${min} and ${max}`;
  return z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\s*-?\d+\s*$/, text)), z.transform(Number)),
      z.int().check(z.minimum(min, text), z.maximum(max, text)),
    ),
    dflt,
  );
}

/**
 * The app settings read from the environment (docs/contracts.md "Function app settings"). Blank values count as
 * absent; rules that join several settings (platform mode needs the registry id) stay in core/config.ts.
 */
export const AppSettings = z.object({
  ELB_OPENAPI_TAG: z.optional(z.string().check(z.regex(TAG, 'is not a valid image tag'))),
  ELB_AUTH_MODE: z._default(
    z
      .pipe(
        z.string(),
        z.transform((v) => v.toLowerCase()),
      )
      .check(z.refine((v) => v === 'platform' || v === 'none', 'must be "platform" or "none"')),
    'platform',
  ),
  TERMINAL_EXEC_UPSTREAM: z.optional(z.string()),
  ELB_REGISTRY_ENDPOINT: z.optional(z.string()),
  ELB_REGISTRY_RESOURCE_ID: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i,
          'must be a container registry resource id',
        ),
      ),
  ),
  ELB_DASHBOARD_ORIGINS: z._default(
    z
      .pipe(
        z.string(),
        z.transform((v) =>
          v
            .split(',')
            .map((o) => o.trim())
            .filter((o) => o !== ''),
        ),
      )
      .check(
        z.refine(
          (origins) => origins.every((o) => /^https?:\/\/[^/\s?#@]+$/.test(o)),
          'must list origins like http://127.0.0.1:5173',
        ),
      ),
    [],
  ),
  ELB_TASK_HUB: z._default(
    z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, 'must be 3-45 letters or digits, starting with a letter')),
    'elbcontrol',
  ),
  ELB_POLL_INTERVAL_SECONDS: intSetting(5, 0, 300),
  ELB_WATCH_SECONDS: intSetting(90, 1, 600),
  ELB_ROLLOUT_TIMEOUT_SECONDS: intSetting(600, 1, 7200),
  ELB_EXTERNAL_IP_TIMEOUT_SECONDS: intSetting(300, 1, 7200),
  ELB_VERIFY_TIMEOUT_SECONDS: intSetting(120, 1, 3600),
  ELB_DEPENDENCY_RETRY_SECONDS: intSetting(30, 0, 600),
  ELB_EXEC_TIMEOUT_SECONDS: intSetting(120, 5, 1800),
  ELB_PENDING_WARN_SECONDS: intSetting(60, 5, 86400),
  ELB_HISTORY_LIMIT: intSetting(50, 1, 1000),
  // Rebuild & Deploy (docs/deploy.md#rebuild--deploy): where ACR Tasks builds elb-openapi from. Both or neither.
  ELB_BUILD_SOURCE_URL: z.optional(
    z
      .string()
      .check(z.regex(/^https:\/\/[^\s#?@]+\.git$/, 'must be an https git URL ending in .git, without credentials')),
  ),
  ELB_BUILD_SOURCE_REF: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, 'must be a tag or commit of the source repository')),
  ),
  ELB_BUILD_CONTEXT: z._default(
    z.string().check(z.regex(/^(\.|[A-Za-z0-9_][A-Za-z0-9._/-]{0,199})$/, 'must be a folder of the repository')),
    '.',
  ),
  ELB_BUILD_DOCKERFILE: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/, 'must be a path in the build context')),
    'Dockerfile',
  ),
  ELB_BUILD_TIMEOUT_SECONDS: intSetting(3600, 300, 28800),
  /** Waves across targets (docs/policies.md "Waves"): a JSON array of groups; core/config.ts checks the names. */
  ELB_WAVES: z.optional(z.string().check(z.maxLength(20_000, 'must be at most 20000 characters'))),
  /**
   * Tests only: how many seconds one hour of a policy's approvalTimeoutHours lasts, so an end-to-end test can watch
   * an approval expire (docs/policies.md "Approvals"). Unset: 3600. Refused when running in Azure.
   */
  ELB_TEST_HOUR_SECONDS: z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\s*\d+\s*$/, 'must be an integer between 1 and 3600')), z.transform(Number)),
      z
        .int()
        .check(
          z.minimum(1, 'must be an integer between 1 and 3600'),
          z.maximum(3600, 'must be an integer between 1 and 3600'),
        ),
    ),
  ),
  /** When the reconcile timer runs (docs/policies.md "Reconcile and drift"); functions/reconcile.ts reads it. */
  ELB_RECONCILE_SCHEDULE: z.optional(
    z
      .string()
      .check(
        z.regex(
          RECONCILE_SCHEDULE_FORMAT,
          'must be six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}) or hh:mm:ss',
        ),
      ),
  ),
  // Start cluster (docs/deploy.md#start-cluster): how long the start may take before the operation fails.
  ELB_CLUSTER_START_TIMEOUT_SECONDS: intSetting(900, 1, 7200),
  // Notification destinations, JSON (NotifyDestinationList); parsed in core/config.ts. The URLs in it are secrets.
  ELB_NOTIFY_WEBHOOKS: z.optional(z.string().check(z.maxLength(65536, 'must be at most 65536 characters'))),
});
