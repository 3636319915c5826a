// Compiles and lints every Bicep file with the real Bicep CLI (warnings count as failures), then checks the security
// properties of the compiled ARM template of main.bicep. Fails, never skips, when the CLI is missing.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BicepRun, bicepBinary, bicepDir, diagnostics, runBicep } from './bicep-cli';
import { type Snapshot, snapshotOf, withoutUsing } from './snapshot';
import {
  type ArmTemplate,
  type Json,
  type JsonObject,
  type LocatedResource,
  type TemplateNode,
  isObject,
  nodeAt,
  parameterValue,
  reachableGuids,
  resourcesOfType,
  strings,
  templateTree,
  words,
} from './arm-template';
import { builtInRole as role, grantedBuiltInRoles } from './azure-roles';

const cliTimeout = 600_000;

/**
 * The custom roles (modules/rbac.bicep names them), each with the one resource type it may be assigned on: the
 * Kubernetes reads on the elb-openapi namespace, the management-plane roles on the registry and on each cluster.
 */
const customRoles: Record<string, string> = {
  '__bicep.clusterReaderRoleName(resourceGroup().id)': "'Microsoft.ContainerService/managedClusters/namespaces'",
  '__bicep.clusterStarterRoleName(resourceGroup().id)': "'Microsoft.ContainerService/managedClusters'",
  '__bicep.registryReaderRoleName(resourceGroup().id)': "'Microsoft.ContainerRegistry/registries'",
  '__bicep.registryBuilderRoleName(resourceGroup().id)': "'Microsoft.ContainerRegistry/registries'",
};

const roleAssigningRoles = new Set([role.owner, role.userAccessAdministrator, role.rbacAdministrator]);
/** What a conditioned role-assigning identity may hand out (to the elb-openapi workload identity). */
const delegableRoles = new Set([role.aksClusterUser, role.storageBlobDataContributor]);

const forbiddenOutputWords = new Set([
  'key',
  'keys',
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwords',
  'connection',
  'credential',
  'credentials',
  'sas',
]);

/** Runs `bicep ARGS` and expects it to succeed without a single diagnostic (a warning fails too). */
function runClean(args: string[], env: Record<string, string | undefined> = {}): BicepRun {
  const run = runBicep(args, bicepDir, env);
  expect(diagnostics(run), run.stdout + run.stderr).toEqual([]);
  expect(run.status, run.stderr).toBe(0);
  return run;
}

function bicepSources(): string[] {
  const modules = readdirSync(join(bicepDir, 'modules'))
    .filter((f) => f.endsWith('.bicep'))
    .map((f) => `modules/${f}`);
  return ['main.bicep', ...modules];
}

/** What an azd environment gives main.bicepparam (README "In Azure"). */
const azdEnv = {
  AZURE_ENV_NAME: 'dev',
  AZURE_LOCATION: 'westeurope',
  ELB_REGISTRY_RESOURCE_ID:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/elbacr01',
  ELB_TARGETS: '[{"name":"prod","resourceGroup":"rg-aks","clusterName":"aks-elb"}]',
  ELB_EXEC_IMAGE: 'elbacr01.azurecr.io/elb-control-exec:0123456789ab',
};

describe('Bicep CLI', () => {
  it('is installed (scripts/ensure-bicep.sh) and runs', () => {
    const run = runBicep(['--version']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Bicep CLI version \d+\.\d+\.\d+/);
  });
});

describe('bicep build and lint', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'elb-bicep-build-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it(
    'builds main.bicep and every module without a warning',
    () => {
      runClean(['build', '--pattern', '**/*.bicep', '--outdir', outDir]);
      const built = [...bicepSources()].map((f) => f.replace(/\.bicep$/, '.json'));
      for (const file of built) {
        const template = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as { $schema?: string };
        expect(template.$schema, file).toMatch(/deploymentTemplate\.json#$/);
      }
    },
    cliTimeout,
  );

  it(
    'builds the parameters example against main.bicep',
    () => {
      const run = runClean(['build-params', 'main.example.bicepparam', '--stdout']);
      const parameters = JSON.parse((JSON.parse(run.stdout) as { parametersJson: string }).parametersJson) as {
        parameters: Record<string, unknown>;
      };
      expect(Object.keys(parameters.parameters)).toEqual(
        expect.arrayContaining(['containerRegistryResourceId', 'targets', 'execImage', 'execTokenAction']),
      );
    },
    cliTimeout,
  );

  it(
    'builds main.bicepparam from an azd environment, and refuses one without the required values',
    () => {
      const run = runBicep(['build-params', 'main.bicepparam', '--stdout'], bicepDir, azdEnv);
      expect(diagnostics(run), run.stdout + run.stderr).toEqual([]);
      const { parameters } = JSON.parse((JSON.parse(run.stdout) as { parametersJson: string }).parametersJson) as {
        parameters: Record<string, { value: unknown }>;
      };
      expect(parameters.targets?.value).toEqual([{ name: 'prod', resourceGroup: 'rg-aks', clusterName: 'aks-elb' }]);
      expect(parameters.execTokenAction?.value).toBe('generate');
      expect(parameters.deployEventSubscription?.value).toBe(false);
      expect(parameters.grantRegistryBuild?.value).toBe(true);
      expect(parameters.execImage?.value).toBe(azdEnv.ELB_EXEC_IMAGE);
      for (const missing of ['ELB_REGISTRY_RESOURCE_ID', 'ELB_TARGETS', 'ELB_EXEC_IMAGE']) {
        const without = runBicep(['build-params', 'main.bicepparam', '--stdout'], bicepDir, {
          ...azdEnv,
          [missing]: undefined,
        });
        expect(without.status, missing).not.toBe(0);
        expect(without.stdout + without.stderr, missing).toContain(missing);
      }
    },
    cliTimeout,
  );

  it(
    'lints every file without a diagnostic',
    () => {
      // main.bicepparam reads the azd environment, so it is linted with one.
      runClean(['lint', '--pattern', '**/*.bicep*'], azdEnv);
    },
    cliTimeout,
  );

  it(
    'fails lint on a linter finding, because bicepconfig.json raises the rules to errors',
    () => {
      // A control: the same config must reject a file with an unused parameter and a secret-looking output.
      const dir = mkdtempSync(join(tmpdir(), 'elb-bicep-lint-'));
      try {
        copyFileSync(join(bicepDir, 'bicepconfig.json'), join(dir, 'bicepconfig.json'));
        writeFileSync(
          join(dir, 'bad.bicep'),
          'param unused string\n@secure()\nparam token string\noutput leaked string = token\n',
        );
        const run = runBicep(['lint', 'bad.bicep'], dir);
        expect(run.status).not.toBe(0);
        const found = diagnostics(run).join('\n');
        expect(found).toMatch(/Error no-unused-params/);
        expect(found).toMatch(/Error outputs-should-not-contain-secrets/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    cliTimeout,
  );
});

describe('security properties of the compiled main.bicep', () => {
  let template: ArmTemplate;
  let nodes: TemplateNode[];
  let text: string;
  let example: Snapshot;

  beforeAll(() => {
    bicepBinary(); // a missing CLI fails here with its own message
    const run = runBicep(['build', 'main.bicep', '--stdout']);
    if (run.status !== 0) throw new Error(`bicep build main.bicep failed:\n${run.stderr}`);
    template = JSON.parse(run.stdout) as ArmTemplate;
    nodes = templateTree(template);
    text = run.stdout;
    // The app settings are an expression (fixed settings plus the given tunings), so they are read evaluated.
    const parameters = readFileSync(join(bicepDir, 'main.example.bicepparam'), 'utf8');
    example = snapshotOf(withoutUsing(parameters), {
      subscriptionId: '11111111-1111-1111-1111-111111111111',
      resourceGroup: 'rg-elb-control',
      location: 'westeurope',
      tenantId: '22222222-2222-2222-2222-222222222222',
    });
  }, cliTimeout);

  const only = (type: string): LocatedResource => {
    const found = resourcesOfType(nodes, type);
    expect(
      found.map((f) => `${f.node.path}/${f.symbolicName}`),
      type,
    ).toHaveLength(1);
    return found[0]!;
  };
  const props = (r: LocatedResource): JsonObject => r.resource.properties as JsonObject;

  /** App settings of the Function App by name, as `bicep snapshot` evaluates them for the example parameters. */
  const functionAppSettings = (): Map<string, Json> => {
    const sites = example.predictedResources.filter((r) => r.type === 'Microsoft.Web/sites');
    expect(sites).toHaveLength(1);
    const raw = (sites[0]!.properties!.siteConfig as JsonObject).appSettings as Json;
    expect(Array.isArray(raw), 'appSettings evaluate to an array').toBe(true);
    return new Map((raw as JsonObject[]).map((item) => [String(item.name), item.value ?? null]));
  };

  it('has no output that could carry a secret, in main or any module', () => {
    let count = 0;
    for (const node of nodes) {
      for (const [name, output] of Object.entries(node.template.outputs ?? {})) {
        count++;
        const where = `${node.path} output ${name}`;
        expect(
          words(name).filter((w) => forbiddenOutputWords.has(w)),
          where,
        ).toEqual([]);
        expect(String(output.type).toLowerCase(), where).not.toMatch(/^secure/);
        for (const value of strings(output.value)) {
          expect(value, where).not.toMatch(/\blist[A-Za-z]*\(/);
          expect(value.toLowerCase(), where).not.toContain('connectionstring');
          for (const match of value.matchAll(/parameters\('([^']+)'\)/g)) {
            const type = String(node.template.parameters?.[match[1]!]?.type ?? '').toLowerCase();
            expect(type, `${where} uses parameter ${match[1]}`).not.toMatch(/^secure/);
          }
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  it('never reads account keys or other list* secrets anywhere', () => {
    expect(text).not.toMatch(/\blist[A-Za-z]*\(/);
    expect(text).not.toMatch(/AccountKey=|SharedAccessSignature=/);
  });

  it('keeps the exec container app on internal ingress in an internal environment, token from Key Vault', () => {
    const app = only('Microsoft.App/containerApps');
    const configuration = props(app).configuration as JsonObject;
    const ingress = configuration.ingress as JsonObject;
    expect(ingress.external).toBe(false);
    expect(ingress.allowInsecure).toBe(false);

    const environment = only('Microsoft.App/managedEnvironments');
    expect((props(environment).vnetConfiguration as JsonObject).internal).toBe(true);

    const container = ((props(app).template as JsonObject).containers as JsonObject[])[0]!;
    const env = new Map((container.env as JsonObject[]).map((e) => [String(e.name), e]));
    const tokenEnv = env.get('EXEC_TOKEN');
    expect(tokenEnv?.secretRef).toBeTypeOf('string');
    expect(tokenEnv).not.toHaveProperty('value');
    const secret = (configuration.secrets as JsonObject[]).find((s) => s.name === tokenEnv?.secretRef);
    expect(secret).toBeDefined();
    expect(secret).not.toHaveProperty('value');
    expect(String(secret?.keyVaultUrl)).toContain('secretUriWithVersion');
    expect(secret?.identity).toBe("[parameters('identity').resourceId]");

    expect(env.get('EXEC_ALLOW_NON_LOOPBACK')?.value).toBe('true');
    expect(env.get('EXEC_HOST')?.value).toBe('0.0.0.0');
    const port = parameterValue(app.node, 'execPort') ?? app.node.template.variables?.execPort;
    expect(port).toBe(7682);
    expect(ingress.targetPort).toBe("[variables('execPort')]");
    expect(env.get('EXEC_POLICY')?.value).toBe("[parameters('policyPath')]");
    expect(parameterValue(app.node, 'policyPath')).toMatch(/production\.json$/);

    const probes = container.probes as JsonObject[];
    expect(probes.map((p) => p.type).sort()).toEqual(['Liveness', 'Readiness']);
    for (const probe of probes) expect((probe.httpGet as JsonObject).path).toBe('/healthz');
  });

  it('makes storage identity-based: no shared keys, no public blobs, AzureWebJobsStorage by account name', () => {
    const account = only('Microsoft.Storage/storageAccounts');
    expect(props(account).allowSharedKeyAccess).toBe(false);
    expect(props(account).allowBlobPublicAccess).toBe(false);
    expect(props(account).minimumTlsVersion).toBe('TLS1_2');

    const settings = functionAppSettings();
    expect(settings.has('AzureWebJobsStorage')).toBe(false);
    expect(settings.get('AzureWebJobsStorage__accountName')).toBeTypeOf('string');
    expect(settings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
    expect(String(settings.get('AzureWebJobsStorage__clientId'))).toContain('clientId');
    for (const [name, value] of settings) {
      expect(name.toLowerCase(), name).not.toContain('accountkey');
      expect(String(value), name).not.toMatch(/AccountKey|SharedAccessSignature/i);
    }
    // An Azure Files content share would need the account key; a Dedicated plan runs without one.
    expect(settings.has('WEBSITE_CONTENTAZUREFILECONNECTIONSTRING')).toBe(false);
  });

  it('gives the Function App the settings of docs/contracts.md, with EXEC_TOKEN as a Key Vault reference', () => {
    const settings = functionAppSettings();
    for (const name of [
      'ELB_TARGETS',
      'ELB_OPENAPI_IMAGE',
      'ELB_OPENAPI_TAG',
      'TERMINAL_EXEC_UPSTREAM',
      'EXEC_TOKEN',
      'ELB_EXEC_IDENTITY_CLIENT_ID',
      'ELB_TASK_HUB',
      'ELB_AUTH_MODE',
      'AZURE_CLIENT_ID',
    ]) {
      expect(settings.has(name), name).toBe(true);
    }
    expect(settings.get('ELB_AUTH_MODE')).toBe('platform');
    const token = String(settings.get('EXEC_TOKEN'));
    expect(token).toMatch(/^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)'/);
    expect(token).toContain('secretUriWithVersion');

    const site = only('Microsoft.Web/sites');
    expect(props(site).keyVaultReferenceIdentity).toBe("[parameters('identity').resourceId]");
    expect(props(site).httpsOnly).toBe(true);
    const siteConfig = props(site).siteConfig as JsonObject;
    expect(siteConfig.linuxFxVersion).toBe('Node|20');
    expect(settings.get('FUNCTIONS_WORKER_RUNTIME')).toBe('node');
    expect(settings.get('FUNCTIONS_EXTENSION_VERSION')).toBe('~4');
    // Loaded all the time (Durable timers, Event Grid), and every outbound call — DNS included — through the VNet.
    expect(siteConfig.alwaysOn).toBe(true);
    expect(props(site).outboundVnetRouting).toEqual({ allTraffic: true });
    // Publishing with passwords is off: deployments use Entra ID.
    const policies = resourcesOfType(nodes, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => props(p).allow)).toEqual([false, false]);
  });

  it('stores the generated exec token only in Key Vault (RBAC, purge protection), written from a secure parameter', () => {
    const vault = only('Microsoft.KeyVault/vaults');
    expect(props(vault).enableRbacAuthorization).toBe(true);
    expect(props(vault).enablePurgeProtection).toBe(true);
    expect(props(vault)).not.toHaveProperty('accessPolicies');

    const secrets = resourcesOfType(nodes, 'Microsoft.KeyVault/vaults/secrets');
    // The exec token's, and the notification webhooks' (written only from its own secure parameter).
    expect(secrets.map((r) => r.node.path).sort()).toEqual(['main/execToken', 'main/notifyWebhooksSecret']);
    const secret = secrets.find((r) => r.node.path === 'main/execToken')!;
    expect(secret.resource.condition).toBe("[equals(parameters('action'), 'generate')]");
    expect(props(secret).value).toBe("[parameters('newToken')]");
    expect(secret.node.template.parameters?.newToken?.type).toBe('securestring');
    expect(template.parameters?.execTokenEntropy?.type).toBe('securestring');
    expect(String(template.parameters?.execTokenEntropy?.defaultValue)).toContain('newGuid()');
    // The token is at least 64 hex characters: two GUIDs without dashes.
    expect(String(parameterValue(secret.node, 'newToken'))).toBe("[replace(parameters('execTokenEntropy'), '-', '')]");
  });

  it('filters the Event Grid subscription to ImagePushed of the elb-openapi repository, with retry and dead-letter', () => {
    const topic = only('Microsoft.EventGrid/systemTopics');
    expect(props(topic).topicType).toBe('Microsoft.ContainerRegistry.Registries');

    const subscription = only('Microsoft.EventGrid/systemTopics/eventSubscriptions');
    const node = subscription.node;
    // Deployable after the code: only when asked for, and off by default.
    expect(subscription.resource.condition).toBe("[parameters('deploySubscription')]");
    expect(parameterValue(node, 'deploySubscription')).toBe(false);

    const properties = props(subscription);
    expect(properties.eventDeliverySchema).toBe('EventGridSchema');
    const filter = properties.filter as JsonObject;
    expect(filter.includedEventTypes).toEqual(['Microsoft.ContainerRegistry.ImagePushed']);
    const advanced = filter.advancedFilters as JsonObject[];
    expect(advanced).toHaveLength(1);
    expect(advanced[0]).toMatchObject({ operatorType: 'StringIn', key: 'data.target.repository' });
    expect(advanced[0]!.values).toEqual(["[parameters('repository')]"]);
    expect(parameterValue(node, 'repository')).toBe('elb-openapi');

    const destination = properties.destination as JsonObject;
    expect(destination.endpointType).toBe('AzureFunction');
    const endpoint = destination.properties as JsonObject;
    expect(String(endpoint.resourceId)).toContain("'Microsoft.Web/sites/functions'");
    expect(String(endpoint.resourceId)).toContain("parameters('functionName')");
    expect(parameterValue(node, 'functionName')).toBe('acrImagePushed');
    expect(endpoint.maxEventsPerBatch).toBe(1);

    const retry = properties.retryPolicy as JsonObject;
    expect(parameterValue(node, 'maxDeliveryAttempts')).toBeGreaterThan(1);
    expect(retry.maxDeliveryAttempts).toBe("[parameters('maxDeliveryAttempts')]");
    expect(retry.eventTimeToLiveInMinutes).toBe("[parameters('eventTimeToLiveInMinutes')]");

    const deadLetter = properties.deadLetterWithResourceIdentity as JsonObject;
    expect((deadLetter.identity as JsonObject).type).toBe('UserAssigned');
    const deadLetterDestination = deadLetter.deadLetterDestination as JsonObject;
    expect(deadLetterDestination.endpointType).toBe('StorageBlob');
    expect((deadLetterDestination.properties as JsonObject).blobContainerName).toBe(
      "[parameters('deadLetterContainerName')]",
    );
  });

  it('grants only the listed roles: never Owner, Contributor or User Access Administrator', () => {
    const guids = new Set(
      (text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? []).map((g) => g.toLowerCase()),
    );
    expect([...guids].filter((g) => !grantedBuiltInRoles.has(g))).toEqual([]);
    for (const forbidden of [role.owner, role.contributor, role.userAccessAdministrator]) {
      expect(guids.has(forbidden)).toBe(false);
    }

    const assignments = resourcesOfType(nodes, 'Microsoft.Authorization/roleAssignments');
    expect(assignments.length).toBeGreaterThan(5);
    const reached = new Set<string>();
    const customGrants: string[] = [];
    for (const assignment of assignments) {
      const where = `${assignment.node.path}/${assignment.symbolicName}`;
      const properties = props(assignment);
      expect(properties.principalType, where).toBe('ServicePrincipal');
      const custom = Object.keys(customRoles).find((name) => String(properties.roleDefinitionId).includes(name));
      if (custom) {
        // A custom role, only on its one kind of resource (snapshot.test.ts checks its permissions and holder).
        customGrants.push(where);
        expect(String(assignment.resource.scope), where).toMatch(
          new RegExp(`^\\[resourceId\\(${customRoles[custom]!.replace(/[./]/g, '\\$&')},`),
        );
        continue;
      }
      const roles = reachableGuids(assignment.node, String(properties.roleDefinitionId));
      expect(roles.size, where).toBeGreaterThan(0);
      for (const r of roles) {
        expect(grantedBuiltInRoles.has(r), `${where} grants ${r}`).toBe(true);
        reached.add(r);
      }
      // Every role assignment is scoped to one resource, never to a subscription.
      if (assignment.resource.scope === undefined) {
        // Resource-group scope is accepted only for Managed Identity Contributor (workload identity creation).
        expect([...roles], where).toEqual([role.managedIdentityContributor]);
      }
    }
    expect([...reached].sort()).toEqual([...grantedBuiltInRoles].sort());
    expect(customGrants.sort()).toEqual([
      'main/clusterAccessModules/functionReadsNamespace',
      'main/clusterAccessModules/functionStartsCluster',
      'main/registryAccess/functionBuildsOnRegistry',
      'main/registryAccess/functionReadsRegistry',
    ]);
    const definitions = resourcesOfType(nodes, 'Microsoft.Authorization/roleDefinitions');
    expect(definitions.map((d) => `${d.node.path}/${d.symbolicName} ${String(d.resource.name)}`).sort()).toEqual([
      'main/clusterRoles/clusterReader [__bicep.clusterReaderRoleName(resourceGroup().id)]',
      'main/clusterRoles/clusterStarter [__bicep.clusterStarterRoleName(resourceGroup().id)]',
      'main/registryAccess/registryBuilder [__bicep.registryBuilderRoleName(resourceGroup().id)]',
      'main/registryAccess/registryReader [__bicep.registryReaderRoleName(resourceGroup().id)]',
    ]);
  });

  it('makes the registry build grant optional (grantRegistryBuild, on by default), and only the build grant', () => {
    const parameter = template.parameters?.grantRegistryBuild;
    expect(parameter?.type).toBe('bool');
    expect(parameter?.defaultValue).toBe(true);
    expect(String((parameter?.metadata as JsonObject | undefined)?.description)).toMatch(/Rebuild & Deploy/);
    const node = nodeAt(nodes, 'main/registryAccess');
    expect(parameterValue(node, 'grantBuild')).toBe(true);
    const conditioned = [
      ...resourcesOfType([node], 'Microsoft.Authorization/roleDefinitions'),
      ...resourcesOfType([node], 'Microsoft.Authorization/roleAssignments'),
    ]
      .filter((r) => r.resource.condition === "[parameters('grantBuild')]")
      .map((r) => r.symbolicName)
      .sort();
    expect(conditioned).toEqual(['functionBuildsOnRegistry', 'registryBuilder']);
  });

  it('puts an ABAC condition on every role that can assign roles, limited to the workload roles and service principals', () => {
    const assignments = resourcesOfType(nodes, 'Microsoft.Authorization/roleAssignments');
    let conditioned = 0;
    for (const assignment of assignments) {
      const where = `${assignment.node.path}/${assignment.symbolicName}`;
      const properties = props(assignment);
      const roles = reachableGuids(assignment.node, String(properties.roleDefinitionId));
      if (![...roles].some((r) => roleAssigningRoles.has(r))) continue;
      conditioned++;
      expect(properties.conditionVersion, where).toBe('2.0');
      const condition = String(properties.condition);
      const allowed = reachableGuids(assignment.node, condition);
      expect(allowed.size, where).toBeGreaterThan(0);
      for (const r of allowed) expect(delegableRoles.has(r), `${where} may grant ${r}`).toBe(true);
      // The condition body (a user-defined function) gates writes and deletes, and principal types.
      const functionName = /^\[(?:__bicep\.)?([A-Za-z]+)\(/.exec(condition)?.[1];
      const body = strings(assignment.node.template.functions as Json).join('\n') + condition;
      expect(functionName, where).toBeDefined();
      expect(body).toContain("ActionMatches{{''Microsoft.Authorization/roleAssignments/write''}}");
      expect(body).toContain("ActionMatches{{''Microsoft.Authorization/roleAssignments/delete''}}");
      expect(body).toContain(
        "@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{''ServicePrincipal''}}",
      );
      // Scoped to the cluster or the workload storage account, not a resource group.
      expect(String(assignment.resource.scope), where).toMatch(/managedClusters|storageAccounts/);
    }
    expect(conditioned).toBe(2);
  });

  it('reads the exec token with Key Vault Secrets User on the one secret, for the Function App and the exec container', () => {
    const node = nodeAt(nodes, 'main/execToken');
    const readers = resourcesOfType([node], 'Microsoft.Authorization/roleAssignments');
    expect(readers).toHaveLength(1);
    const reader = readers[0]!;
    expect([...reachableGuids(node, String(props(reader).roleDefinitionId))]).toEqual([role.keyVaultSecretsUser]);
    expect(String(reader.resource.scope)).toContain("'Microsoft.KeyVault/vaults/secrets'");
    expect(parameterValue(node, 'readers')).toHaveLength(2);
  });

  it('reads the notification webhooks with Key Vault Secrets User on their one secret, for the Function App alone', () => {
    const node = nodeAt(nodes, 'main/notifyWebhooksSecret');
    const readers = resourcesOfType([node], 'Microsoft.Authorization/roleAssignments');
    expect(readers).toHaveLength(1);
    const reader = readers[0]!;
    expect([...reachableGuids(node, String(props(reader).roleDefinitionId))]).toEqual([role.keyVaultSecretsUser]);
    expect(String(reader.resource.scope)).toContain("'Microsoft.KeyVault/vaults/secrets'");
    expect(String(parameterValue(node, 'readerPrincipalId'))).toContain('outputs.function.value.principalId');
    // Written only with `set`; granted and referenced with `set` and `keep` (the secret already in the vault).
    const written = resourcesOfType([node], 'Microsoft.KeyVault/vaults/secrets')[0]!;
    expect(written.resource.condition).toBe("[equals(parameters('action'), 'set')]");
    expect(String(reader.resource.condition)).toBe("[variables('enabled')]");
    expect(node.template.variables?.enabled).toBe("[not(equals(parameters('action'), 'none'))]");
    expect(props(written).value).toBe("[parameters('webhooksJson')]");
    expect(node.template.parameters?.webhooksJson?.type).toBe('securestring');
    expect(template.parameters?.notifyWebhooks?.type).toBe('securestring');
    expect(template.parameters?.notifyWebhooksAction?.defaultValue).toBe('none');
  });

  it('hosts the app on a Dedicated plan, a kind Static Web Apps accepts as a linked backend', () => {
    // docs/decisions/0001-function-hosting-plan.md: Consumption, Premium and Dedicated are the plans a linked
    // backend may use; only Dedicated also gives VNet integration without an Azure Files share.
    const plan = only('Microsoft.Web/serverfarms');
    expect(plan.resource.kind).toBe('linux');
    expect(props(plan).reserved).toBe(true);
    const sku = plan.resource.sku as JsonObject;
    expect(sku.name).toBe("[parameters('planSku')]");
    const node = nodeAt(nodes, 'main/functionApp');
    const allowed = (node.template.parameters?.planSku as JsonObject).allowedValues as string[];
    expect(allowed.length).toBeGreaterThan(0);
    for (const name of allowed) expect(name, name).toMatch(/^(B|S|P)\d(v3)?$/);
    const subnet = only('Microsoft.Network/virtualNetworks');
    expect(JSON.stringify(props(subnet).subnets)).toContain('Microsoft.Web/serverFarms');
  });

  it('runs the app in the platform mode behind the linked Static Web App, with the registry id its push check needs', () => {
    // The app refuses to serve in the platform mode unless the platform authenticates in front of it
    // (WEBSITE_AUTH_ENABLED); linking the Function App as the Static Web App's backend is what turns that on.
    const settings = functionAppSettings();
    expect(settings.get('ELB_AUTH_MODE')).toBe('platform');
    expect(String(settings.get('ELB_REGISTRY_RESOURCE_ID'))).toMatch(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft.ContainerRegistry\/registries\/[^/]+$/,
    );
    expect(String(props(only('Microsoft.Web/staticSites/linkedBackends')).backendResourceId)).toBe(
      "[parameters('functionAppResourceId')]",
    );
  });

  it('links the dashboard to the Function App and keeps telemetry keyless', () => {
    const backend = only('Microsoft.Web/staticSites/linkedBackends');
    expect(String(props(backend).backendResourceId)).toBe("[parameters('functionAppResourceId')]");
    const site = only('Microsoft.Web/staticSites');
    expect((site.resource.sku as JsonObject).name).toBe('Standard');
    const insights = only('Microsoft.Insights/components');
    expect(props(insights).DisableLocalAuth).toBe(true);
    expect(String(functionAppSettings().get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING'))).toContain(
      'Authorization=AAD',
    );
    expect(isObject(template.outputs?.dashboardUrl)).toBe(true);
  });
});
