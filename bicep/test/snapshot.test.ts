// What main.bicep would ask ARM to create, evaluated by `bicep snapshot` for three targets (two clusters in one
// resource group spelled in two cases, one in another subscription): the Function App's settings, and every role
// each identity ends up with, compared with exact expected sets so any extra grant fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicepBinary, repoRoot } from './bicep-cli';
import type { Json, JsonObject } from './arm-template';
import {
  type PredictedResource,
  type Snapshot,
  assignmentScope,
  referencedResource,
  roleDefinitionId,
  snapshotMain,
  snapshotOf,
  withoutUsing,
} from './snapshot';
import { builtInRole as role, grantedBuiltInRoles } from './azure-roles';

const cliTimeout = 600_000;

const scope = {
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  resourceGroup: 'rg-elb-control',
  location: 'westeurope',
  tenantId: '22222222-2222-2222-2222-222222222222',
};
const otherSubscription = '44444444-4444-4444-4444-444444444444';
const registryId =
  '/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-registry/providers/Microsoft.ContainerRegistry/registries/elbacr01';
const workloadStorageId = `/subscriptions/${otherSubscription}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/elbdata01`;

/** One target carries an update policy: it reaches ELB_TARGETS as given, the others get none (the app's default). */
const prodPolicy = {
  mode: 'approve',
  track: { range: '~3.4' },
  window: { days: ['sat'], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' },
};
const targets = [
  { name: 'prod', resourceGroup: 'rg-aks', clusterName: 'aks-prod', namespace: 'elb-openapi', policy: prodPolicy },
  { name: 'stage', resourceGroup: 'RG-AKS', clusterName: 'aks-stage', namespace: 'elb-stage' },
  {
    name: 'eu',
    subscriptionId: otherSubscription,
    resourceGroup: 'rg-aks-eu',
    clusterName: 'aks-eu',
    workloadStorageAccountResourceId: workloadStorageId,
  },
];
/** The targets as the app must receive them: subscription and namespace filled in. */
const expectedTargets = [
  {
    name: 'prod',
    kind: 'aks',
    subscriptionId: scope.subscriptionId,
    resourceGroup: 'rg-aks',
    clusterName: 'aks-prod',
    namespace: 'elb-openapi',
    policy: prodPolicy,
  },
  {
    name: 'stage',
    kind: 'aks',
    subscriptionId: scope.subscriptionId,
    resourceGroup: 'RG-AKS',
    clusterName: 'aks-stage',
    namespace: 'elb-stage',
  },
  {
    name: 'eu',
    kind: 'aks',
    subscriptionId: otherSubscription,
    resourceGroup: 'rg-aks-eu',
    clusterName: 'aks-eu',
    namespace: 'elb-openapi',
  },
];

/** The client-node calls of adapters/kube.ts and the Azure RBAC for Kubernetes data action each one needs. */
const dataActionOfKubeCall: Record<string, string> = {
  readNamespacedDeployment: 'Microsoft.ContainerService/managedClusters/apps/deployments/read',
  listNamespacedPod: 'Microsoft.ContainerService/managedClusters/pods/read',
  listNamespacedEvent: 'Microsoft.ContainerService/managedClusters/events/read',
  readNamespacedService: 'Microsoft.ContainerService/managedClusters/services/read',
  readNamespacedSecret: 'Microsoft.ContainerService/managedClusters/secrets/read',
};

/**
 * The Function App's management-plane calls (Azure Resource Manager, @azure/arm-containerregistry and
 * @azure/arm-containerservice) and the one action each needs, as Azure's provider operations name them
 * (bicep/README.md#roles-granted). Written out here, not read from rbac.bicep, so a changed role fails.
 */
const registryReaderActions = [
  'Microsoft.ContainerRegistry/registries/read', // registries.get
  'Microsoft.ContainerRegistry/registries/runs/read', // runs.list, runs.get
];
const registryBuilderActions = [
  'Microsoft.ContainerRegistry/registries/scheduleRun/action', // registries.beginScheduleRun
  'Microsoft.ContainerRegistry/registries/runs/cancel/action', // runs.beginCancel
];
const clusterStarterActions = [
  'Microsoft.ContainerService/managedClusters/read', // managedClusters.get (the power state)
  'Microsoft.ContainerService/managedClusters/start/action', // managedClusters.beginStart
];
/** What no elb-control custom role may ever allow, whatever else changes. */
const forbiddenAction =
  /\*|\/write$|\/delete$|listLogSasUrl|listCredentials|regenerateCredential|generateCredentials|listBuildSourceUploadUrl|importImage|\/stop\/action$|listClusterAdminCredential|runCommand|\/abort\/action$|\/tasks\/|agentpools|taskruns/i;

/** Settings the app reads (local.settings.sample.json) that main.bicep leaves unset on purpose, and why. */
const deliberatelyUnset: Record<string, string> = {
  AzureWebJobsStorage: 'identity-based AzureWebJobsStorage__* settings instead of a connection string',
  ELB_TARGETS_FILE: 'ELB_TARGETS carries the targets',
};
/** Settings set only when the deployTuning parameter gives them (otherwise the app's production defaults apply). */
const tuningSettings = [
  'ELB_POLL_INTERVAL_SECONDS',
  'ELB_WATCH_SECONDS',
  'ELB_CHECK_POLL_MS',
  'ELB_ROLLOUT_TIMEOUT_SECONDS',
  'ELB_EXTERNAL_IP_TIMEOUT_SECONDS',
  'ELB_VERIFY_TIMEOUT_SECONDS',
  'ELB_EXEC_TIMEOUT_SECONDS',
  'ELB_PENDING_WARN_SECONDS',
  'ELB_HISTORY_LIMIT',
  'ELB_DEPENDENCY_RETRY_SECONDS',
  'ELB_RECONCILE_SCHEDULE',
];

/** main.bicep's parameters for the three targets (grantRegistryBuild left at its default). */
const threeTargets: Record<string, Json> = {
  containerRegistryResourceId: registryId,
  execImage: 'elbacr01.azurecr.io/elb-control-exec:0.1.0',
  execTokenAction: 'keep',
  targets: targets as unknown as Json,
  deployTuning: { ELB_ROLLOUT_TIMEOUT_SECONDS: 900, ELB_HISTORY_LIMIT: 20, ELB_RECONCILE_SCHEDULE: '0 */5 * * * *' },
  waves: [
    { name: 'first', targets: ['stage'], soakSeconds: 600 },
    { name: 'rest', targets: ['prod', 'eu'] },
  ],
};

const identityId = (name: string) =>
  `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const functionIdentity = identityId('id-elbctl-func');
const execIdentity = identityId('id-elbctl-exec');
const clusterId = (t: (typeof expectedTargets)[number]) =>
  `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.clusterName}`;
const groupId = (t: (typeof expectedTargets)[number]) =>
  `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}`;

function ofType(snapshot: Snapshot, type: string): PredictedResource[] {
  return snapshot.predictedResources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

function single(snapshot: Snapshot, type: string): PredictedResource {
  const found = ofType(snapshot, type);
  expect(
    found.map((r) => r.id),
    type,
  ).toHaveLength(1);
  return found[0]!;
}

const registryGroup = registryId.split('/providers/')[0]!;

/** The custom role definitions of a snapshot, by name prefix (the suffix is the group hash). */
function customRole(snapshot: Snapshot, roleName: string): PredictedResource[] {
  return ofType(snapshot, 'Microsoft.Authorization/roleDefinitions').filter((d) =>
    String(d.properties!.roleName).startsWith(`${roleName} `),
  );
}

/** Actions, data actions and the not-lists of a role definition, each sorted. */
interface Permissions {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

function permissionsOf(definition: PredictedResource): Permissions {
  const permissions = definition.properties!.permissions as JsonObject[];
  expect(permissions, definition.id).toHaveLength(1);
  const list = (key: string) => [...((permissions[0]![key] as string[] | undefined) ?? [])].sort();
  return {
    actions: list('actions'),
    notActions: list('notActions'),
    dataActions: list('dataActions'),
    notDataActions: list('notDataActions'),
  };
}

/** Every assignment of a role definition: `principal|scope`, the principal as the identity's resource id. */
function holdersOf(snapshot: Snapshot, definition: PredictedResource): string[] {
  const id = roleDefinitionId(definition.id.split('/')[2]!, definition.name).toLowerCase();
  return ofType(snapshot, 'Microsoft.Authorization/roleAssignments')
    .filter((a) => String(a.properties!.roleDefinitionId).toLowerCase() === id)
    .map((a) => {
      const principal = referencedResource(String(a.properties!.principalId), 'principalId') ?? 'not an identity';
      return `${principal}|${assignmentScope(a.id).toLowerCase()}`;
    })
    .sort();
}

function appSettings(snapshot: Snapshot): Map<string, string> {
  const site = single(snapshot, 'Microsoft.Web/sites');
  const list = (site.properties!.siteConfig as JsonObject).appSettings as JsonObject[];
  const names = list.map((s) => String(s.name));
  expect(new Set(names).size, `duplicate app settings in ${names.join(', ')}`).toBe(names.length);
  return new Map(list.map((s) => [String(s.name), String(s.value)]));
}

/** `role|scope` for every assignment to the identity; custom roles as `custom:<assignable scope>`. */
function grantsOf(snapshot: Snapshot, identity: string): string[] {
  const customRoles = new Map(
    ofType(snapshot, 'Microsoft.Authorization/roleDefinitions').map((d) => {
      const subscription = d.id.split('/')[2];
      const scopes = (d.properties!.assignableScopes as string[]).map((s) => s.toLowerCase());
      return [roleDefinitionId(subscription!, d.name).toLowerCase(), `custom:${scopes.join(',')}`];
    }),
  );
  return ofType(snapshot, 'Microsoft.Authorization/roleAssignments')
    .filter((a) => referencedResource(String(a.properties!.principalId), 'principalId') === identity)
    .map((a) => {
      const definition = String(a.properties!.roleDefinitionId).toLowerCase();
      const builtIn =
        /^\/subscriptions\/[^/]+\/providers\/microsoft\.authorization\/roledefinitions\/([0-9a-f-]{36})$/.exec(
          definition,
        );
      const name = customRoles.get(definition) ?? (builtIn ? builtIn[1] : `unknown:${definition}`);
      return `${name}|${assignmentScope(a.id).toLowerCase()}`;
    })
    .sort();
}

const grant = (roleId: string, at: string) => `${roleId}|${at.toLowerCase()}`;
const unique = (items: string[]) => [...new Set(items)].sort();

describe('main.bicep evaluated for three targets (bicep snapshot)', () => {
  let snapshot: Snapshot;
  let storageId: string;
  let insightsId: string;
  let secretId: string;

  beforeAll(() => {
    bicepBinary(); // a missing CLI fails here with its own message
    snapshot = snapshotMain(threeTargets, scope);
    storageId = single(snapshot, 'Microsoft.Storage/storageAccounts').id;
    insightsId = single(snapshot, 'Microsoft.Insights/components').id;
    // With execTokenAction = keep the secret is not written, only granted.
    secretId = `${single(snapshot, 'Microsoft.KeyVault/vaults').id}/secrets/exec-token`;
  }, cliTimeout);

  it('gives the Function App the exec identity client id and every setting with a production value', () => {
    const settings = appSettings(snapshot);
    expect(referencedResource(settings.get('ELB_EXEC_IDENTITY_CLIENT_ID') ?? '', 'clientId')).toBe(execIdentity);
    expect(referencedResource(settings.get('AZURE_CLIENT_ID') ?? '', 'clientId')).toBe(functionIdentity);
    expect(referencedResource(settings.get('AzureWebJobsStorage__clientId') ?? '', 'clientId')).toBe(functionIdentity);
    expect(JSON.parse(settings.get('ELB_TARGETS') ?? 'null')).toEqual(expectedTargets);
    expect(JSON.parse(settings.get('ELB_WAVES') ?? 'null')).toEqual(threeTargets.waves);
    expect(settings.get('ELB_REGISTRY_RESOURCE_ID')).toBe(registryId);
    expect(settings.get('ELB_OPENAPI_IMAGE')).toBe(
      `[format('{0}/{1}', reference('${registryId}', '2025-11-01').loginServer, 'elb-openapi')]`,
    );
    expect(settings.get('ELB_REGISTRY_ENDPOINT')).toMatch(
      new RegExp(`^\\[format\\('https://\\{0\\}', reference\\('${registryId}', '[^']+'\\)\\.loginServer\\)\\]$`),
    );
    expect(settings.get('ELB_TABLES_ENDPOINT')).toMatch(
      new RegExp(`^\\[reference\\('${storageId}', '[^']+'\\)\\.primaryEndpoints\\.table\\]$`),
    );
    expect(settings.get('ELB_ARM_ENDPOINT')).toBe('[environment().resourceManager]');
    expect(settings.get('ELB_AUTH_MODE')).toBe('platform');
    expect(settings.get('ELB_OPENAPI_TAG')).toBe('3.4');
    expect(settings.get('ELB_TASK_HUB')).toBe('elbcontrol');
    expect(settings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
  });

  it('sets every setting of local.settings.sample.json, or leaves it unset for a stated reason', () => {
    const sample = JSON.parse(readFileSync(join(repoRoot, 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    const settings = appSettings(snapshot);
    const missing = Object.keys(sample.Values).filter(
      (name) => !settings.has(name) && !(name in deliberatelyUnset) && !tuningSettings.includes(name),
    );
    expect(missing, 'settings the app reads that Azure would not get').toEqual([]);
    for (const name of Object.keys(deliberatelyUnset)) expect(settings.has(name), name).toBe(false);
  });

  it('passes exactly the deployTuning values given, as strings, and no other tuning setting', () => {
    const settings = appSettings(snapshot);
    const present = tuningSettings.filter((name) => settings.has(name));
    expect(present.sort()).toEqual(['ELB_HISTORY_LIMIT', 'ELB_RECONCILE_SCHEDULE', 'ELB_ROLLOUT_TIMEOUT_SECONDS']);
    expect(settings.get('ELB_ROLLOUT_TIMEOUT_SECONDS')).toBe('900');
    expect(settings.get('ELB_RECONCILE_SCHEDULE')).toBe('0 */5 * * * *');
    expect(settings.get('ELB_HISTORY_LIMIT')).toBe('20');
  });

  it('defines one reader role per cluster resource group with exactly the reads adapters/kube.ts makes', () => {
    const source = readFileSync(join(repoRoot, 'adapters', 'kube.ts'), 'utf8');
    const calls = unique([...source.matchAll(/this\.(?:core|apps)\.([A-Za-z]+)\(/g)].map((m) => m[1]!));
    expect(calls.length).toBeGreaterThan(0);
    const unmapped = calls.filter((c) => !(c in dataActionOfKubeCall));
    expect(unmapped, 'client-node calls without a data action in this test (and in the reader role)').toEqual([]);
    const needed = unique(calls.map((c) => dataActionOfKubeCall[c]!));

    const definitions = customRole(snapshot, 'elb-control cluster reader');
    const groups = unique(expectedTargets.map((t) => groupId(t).toLowerCase()));
    expect(
      definitions
        .map((d) => (d.properties!.assignableScopes as string[]).map((s) => s.toLowerCase()))
        .flat()
        .sort(),
    ).toEqual(groups);
    expect(new Set(definitions.map((d) => d.properties!.roleName)).size).toBe(definitions.length);
    for (const definition of definitions) {
      const properties = definition.properties!;
      expect(properties.type).toBe('CustomRole');
      const permissions = properties.permissions as JsonObject[];
      expect(permissions).toHaveLength(1);
      expect(permissions[0]!.actions).toEqual([]);
      expect(permissions[0]!.notActions).toEqual([]);
      expect(permissions[0]!.notDataActions).toEqual([]);
      expect(unique(permissions[0]!.dataActions as string[])).toEqual(needed);
    }
  });

  it('grants the Function App identity exactly: storage, telemetry, its secret, the registry, and per cluster Cluster User plus the reader role on the namespace', () => {
    const expected = [
      grant(role.storageBlobDataOwner, storageId),
      grant(role.storageQueueDataContributor, storageId),
      grant(role.storageTableDataContributor, storageId),
      grant(role.monitoringMetricsPublisher, insightsId),
      grant(role.keyVaultSecretsUser, secretId),
      grant(role.acrPull, registryId),
      grant(`custom:${registryGroup.toLowerCase()}`, registryId), // registry reader
      grant(`custom:${registryGroup.toLowerCase()}`, registryId), // registry builder
      ...expectedTargets.flatMap((t) => [
        grant(role.aksClusterUser, clusterId(t)),
        grant(`custom:${groupId(t).toLowerCase()}`, `${clusterId(t)}/namespaces/${t.namespace}`), // reader
        grant(`custom:${groupId(t).toLowerCase()}`, clusterId(t)), // starter
      ]),
    ];
    expect(grantsOf(snapshot, functionIdentity)).toEqual(expected.sort());
  });

  it('grants the exec identity exactly what the deploy phases need, and nothing in any namespace', () => {
    const delegatingAssignments: string[] = [];
    const expected = unique([
      grant(role.keyVaultSecretsUser, secretId),
      grant(role.acrPull, registryId),
      ...expectedTargets.flatMap((t) => [
        grant(role.aksClusterUser, clusterId(t)),
        grant(role.aksRbacClusterAdmin, clusterId(t)),
        grant(role.rbacAdministrator, clusterId(t)),
        grant(role.managedIdentityContributor, groupId(t)),
      ]),
      grant(role.rbacAdministrator, workloadStorageId),
    ]);
    expect(unique(grantsOf(snapshot, execIdentity))).toEqual(expected);

    // Every role-assigning grant carries its ABAC condition.
    for (const a of ofType(snapshot, 'Microsoft.Authorization/roleAssignments')) {
      if (!String(a.properties!.roleDefinitionId).endsWith(role.rbacAdministrator)) continue;
      delegatingAssignments.push(a.id);
      expect(a.properties!.conditionVersion, a.id).toBe('2.0');
      expect(String(a.properties!.condition), a.id).toContain('ServicePrincipal');
    }
    expect(delegatingAssignments).toHaveLength(expectedTargets.length + 1);
  });

  it('grants the registry reader and builder roles to the Function App alone, on the registry alone, with exactly the actions of its calls', () => {
    for (const [name, actions] of [
      ['elb-control registry reader', registryReaderActions],
      ['elb-control registry builder', registryBuilderActions],
    ] as const) {
      const definitions = customRole(snapshot, name);
      expect(definitions, name).toHaveLength(1);
      const definition = definitions[0]!;
      // Defined in the registry's group, assignable only there, assigned only on the registry.
      expect(definition.id.toLowerCase(), name).toMatch(new RegExp(`^${registryGroup.toLowerCase()}/providers/`));
      expect(definition.properties!.type).toBe('CustomRole');
      expect((definition.properties!.assignableScopes as string[]).map((s) => s.toLowerCase())).toEqual([
        registryGroup.toLowerCase(),
      ]);
      expect(permissionsOf(definition), name).toEqual({
        actions: [...actions].sort(),
        notActions: [],
        dataActions: [],
        notDataActions: [],
      });
      expect(holdersOf(snapshot, definition), name).toEqual([`${functionIdentity}|${registryId.toLowerCase()}`]);
    }
  });

  it('grants the cluster starter role to the Function App alone, on each cluster alone, to read and start it', () => {
    const definitions = customRole(snapshot, 'elb-control cluster starter');
    const groups = unique(expectedTargets.map((t) => groupId(t).toLowerCase()));
    expect(
      definitions
        .map((d) => (d.properties!.assignableScopes as string[]).map((s) => s.toLowerCase()))
        .flat()
        .sort(),
    ).toEqual(groups);
    for (const definition of definitions) {
      expect(definition.properties!.type).toBe('CustomRole');
      expect(permissionsOf(definition)).toEqual({
        actions: [...clusterStarterActions].sort(),
        notActions: [],
        dataActions: [],
        notDataActions: [],
      });
      const group = String((definition.properties!.assignableScopes as string[])[0]).toLowerCase();
      const clustersInGroup = expectedTargets.filter((t) => groupId(t).toLowerCase() === group);
      expect(holdersOf(snapshot, definition)).toEqual(
        clustersInGroup.map((t) => `${functionIdentity}|${clusterId(t).toLowerCase()}`).sort(),
      );
    }
  });

  it('allows no custom role a wildcard, a write, a delete, a credential, a log, a stop or a task edit', () => {
    const definitions = ofType(snapshot, 'Microsoft.Authorization/roleDefinitions');
    // Per cluster group: the reader and the starter; the registry's group: the reader and the builder.
    expect(definitions).toHaveLength(2 * unique(expectedTargets.map((t) => groupId(t).toLowerCase())).length + 2);
    for (const definition of definitions) {
      const { actions, dataActions } = permissionsOf(definition);
      for (const action of [...actions, ...dataActions]) {
        expect(action, `${String(definition.properties!.roleName)}: ${action}`).not.toMatch(forbiddenAction);
      }
      // assignable in exactly one resource group
      const scopes = definition.properties!.assignableScopes as string[];
      expect(scopes).toHaveLength(1);
      expect(scopes[0]).toMatch(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/);
    }
    // The control: the pattern does catch what it is there to catch.
    for (const bad of [
      'Microsoft.ContainerRegistry/registries/*',
      'Microsoft.ContainerRegistry/registries/write',
      'Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action',
      'Microsoft.ContainerRegistry/registries/listCredentials/action',
      'Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action',
      'Microsoft.ContainerRegistry/registries/tasks/write',
      'Microsoft.ContainerService/managedClusters/stop/action',
      'Microsoft.ContainerService/managedClusters/delete',
      'Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action',
    ]) {
      expect(bad).toMatch(forbiddenAction);
    }
  });

  it(
    'with grantRegistryBuild = false drops the registry builder role and its assignment, and nothing else',
    () => {
      const on = snapshot;
      const off = snapshotMain({ ...threeTargets, grantRegistryBuild: false }, scope);
      expect(customRole(on, 'elb-control registry builder')).toHaveLength(1);
      expect(customRole(off, 'elb-control registry builder')).toEqual([]);
      expect(
        ofType(off, 'Microsoft.Authorization/roleDefinitions').some((d) =>
          permissionsOf(d).actions.some((a) => /scheduleRun|runs\/cancel/.test(a)),
        ),
      ).toBe(false);
      // The reads stay: the monitor still shows the registry's facts and builds.
      const reader = customRole(off, 'elb-control registry reader');
      expect(reader).toHaveLength(1);
      expect(holdersOf(off, reader[0]!)).toEqual([`${functionIdentity}|${registryId.toLowerCase()}`]);
      // Exactly one grant fewer, the builder on the registry.
      const removed = [...grantsOf(on, functionIdentity)];
      for (const g of grantsOf(off, functionIdentity)) removed.splice(removed.indexOf(g), 1);
      expect(removed).toEqual([grant(`custom:${registryGroup.toLowerCase()}`, registryId)]);
      expect(grantsOf(off, execIdentity)).toEqual(grantsOf(on, execIdentity));
    },
    cliTimeout,
  );

  it(
    'with notifyWebhooksAction = set stores the webhooks in Key Vault only, referenced by ELB_NOTIFY_WEBHOOKS, readable by the Function App alone (keep: bicep.test.ts)',
    () => {
      const webhooks = JSON.stringify([
        {
          name: 'ops',
          url: 'https://example.webhook.office.com/webhookb2/x@y/IncomingWebhook/s3cr3t',
          format: 'teams',
        },
      ]);
      const on = snapshotMain({ ...threeTargets, notifyWebhooksAction: 'set', notifyWebhooks: webhooks }, scope);
      const notifySecret = `${single(on, 'Microsoft.KeyVault/vaults').id}/secrets/notify-webhooks`;
      // The value goes into the one secret, from the secure parameter (which even the snapshot does not resolve).
      const secrets = ofType(on, 'Microsoft.KeyVault/vaults/secrets');
      expect(secrets.map((r) => r.id)).toEqual([notifySecret]);
      expect(secrets[0]!.properties!.value).toBe("[parameters('notifyWebhooks')]");
      const elsewhere = on.predictedResources.filter((r) => r.id !== notifySecret);
      expect(JSON.stringify(elsewhere)).not.toContain('s3cr3t');
      // The app reads it through a Key Vault reference to the secret's version.
      const setting = appSettings(on).get('ELB_NOTIFY_WEBHOOKS') ?? '';
      expect(setting).toMatch(
        /^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\(.*notify-webhooks.*secretUriWithVersion\)\]$/,
      );
      // Exactly one grant more, Key Vault Secrets User on that secret, for the Function App; none for the exec server.
      const added = [...grantsOf(on, functionIdentity)];
      for (const g of grantsOf(snapshot, functionIdentity)) added.splice(added.indexOf(g), 1);
      expect(added).toEqual([grant(role.keyVaultSecretsUser, notifySecret)]);
      expect(grantsOf(on, execIdentity)).toEqual(grantsOf(snapshot, execIdentity));

      // none (the default): no setting, no grant.
      expect(appSettings(snapshot).has('ELB_NOTIFY_WEBHOOKS')).toBe(false);
      expect(grantsOf(snapshot, functionIdentity)).not.toContain(grant(role.keyVaultSecretsUser, notifySecret));
    },
    cliTimeout,
  );

  it('names a repeated grant the same way, so targets sharing a resource group do not collide', () => {
    // ARM refuses a second assignment of one role to one principal at one scope under another name.
    const names = new Map<string, Set<string>>();
    for (const a of ofType(snapshot, 'Microsoft.Authorization/roleAssignments')) {
      const key = [assignmentScope(a.id), a.properties!.roleDefinitionId, a.properties!.principalId]
        .join('|')
        .toLowerCase();
      names.set(key, (names.get(key) ?? new Set()).add(a.name));
    }
    const clashes = [...names].filter(([, set]) => set.size > 1).map(([key]) => key);
    expect(clashes).toEqual([]);
  });

  it('gives every assignment to a custom role a role definition this deployment creates', () => {
    const defined = new Set(
      ofType(snapshot, 'Microsoft.Authorization/roleDefinitions').map((d) =>
        roleDefinitionId(d.id.split('/')[2]!, d.name).toLowerCase(),
      ),
    );
    for (const a of ofType(snapshot, 'Microsoft.Authorization/roleAssignments')) {
      const definition = String(a.properties!.roleDefinitionId).toLowerCase();
      const guid = definition.split('/').pop()!;
      expect(grantedBuiltInRoles.has(guid) || defined.has(definition), `${a.id} → ${definition}`).toBe(true);
    }
  });
});

describe('main.example.bicepparam evaluated (bicep snapshot)', () => {
  it(
    'sets no tuning setting when deployTuning is not given (the app defaults apply)',
    () => {
      const example = readFileSync(join(repoRoot, 'bicep', 'main.example.bicepparam'), 'utf8');
      expect(example).toMatch(/^using 'main\.bicep'$/m);
      expect(example).not.toMatch(/deployTuning/);
      const snapshot = snapshotOf(withoutUsing(example), scope);
      const settings = appSettings(snapshot);
      expect(tuningSettings.filter((name) => settings.has(name))).toEqual([]);
      // No waves given: no ELB_WAVES, so every target updates on its own.
      expect(settings.has('ELB_WAVES')).toBe(false);
      expect(referencedResource(settings.get('ELB_EXEC_IDENTITY_CLIENT_ID') ?? '', 'clientId')).toBe(execIdentity);
      // One target: the namespace reader and the starter on its cluster, the registry reader and builder.
      expect(grantsOf(snapshot, functionIdentity).filter((g) => g.startsWith('custom:'))).toHaveLength(4);
    },
    cliTimeout,
  );

  it(
    'refuses a deployTuning value out of the app\u2019s bounds and an unknown tuning name',
    () => {
      const base = {
        containerRegistryResourceId: registryId,
        execImage: 'elbacr01.azurecr.io/elb-control-exec:0.1.0',
        execTokenAction: 'keep',
        targets: [targets[0]!] as unknown as Json,
      };
      expect(() => snapshotMain({ ...base, deployTuning: { ELB_HISTORY_LIMIT: 0 } }, scope)).toThrow(
        /bicep snapshot failed/,
      );
      expect(() => snapshotMain({ ...base, deployTuning: { ELB_UNKNOWN_SECONDS: 5 } }, scope)).toThrow(
        /bicep snapshot failed/,
      );
    },
    cliTimeout,
  );
});
