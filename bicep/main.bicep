metadata name = 'elb-control'
metadata description = 'The production topology of elb-control: monitoring, identity-based storage, the Function App on a Dedicated Linux plan, Key Vault with the generated exec token, the internal exec container, Event Grid on the registry, the dashboard, and least-privilege role assignments on the registry and the clusters.'

targetScope = 'resourceGroup'

import { aksTargetType, buildSourceType, deployTuningType, resourceTagsType, waveGroupType } from 'modules/types.bicep'

// ---------------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------------

@description('Optional. Location of the resources, except the Static Web App and the Event Grid system topic (which follows the registry).')
param location string = resourceGroup().location

@description('Optional. Short lower-case name woven into every resource name.')
@minLength(2)
@maxLength(10)
param namePrefix string = 'elbctl'

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Required. Resource id of the Azure Container Registry that holds elb-openapi and the exec server image.')
param containerRegistryResourceId string

@description('Optional. Repository of elb-openapi inside the registry.')
param imageRepository string = 'elb-openapi'

@description('Optional. The pinned elb-openapi tag every target is kept on (ELB_OPENAPI_TAG).')
param openapiTag string = '3.4'

@description('Required. The AKS clusters elb-openapi is deployed to.')
@minLength(1)
param targets aksTargetType[]

@description('Optional. Waves across the targets, in update order (ELB_WAVES, docs/policies.md "Waves"). Empty: every target updates on its own.')
param waves waveGroupType[] = []

@description('Required. Exec server image in the registry, e.g. myregistry.azurecr.io/elb-control-exec:0.1.0.')
param execImage string

@description('Required. \'generate\' creates a new exec token (first deployment, or to rotate it); \'keep\' leaves the current token in Key Vault untouched.')
@allowed([
  'generate'
  'keep'
])
param execTokenAction string

@description('Optional. Leave unset: random material for a newly generated exec token. It is never stored outside Key Vault.')
@secure()
param execTokenEntropy string = '${newGuid()}${newGuid()}'

@description('Optional. Notifications (ELB_NOTIFY_WEBHOOKS, docs/policies.md#notifications): \'set\' stores notifyWebhooks in Key Vault (secret notify-webhooks); \'keep\' uses the secret already there; \'none\' sends none.')
@allowed([
  'none'
  'set'
  'keep'
])
param notifyWebhooksAction string = 'none'

@description('Conditional. The notification destinations as JSON, with their webhook URLs (secrets); used only when notifyWebhooksAction is \'set\'. Never stored outside Key Vault.')
@secure()
param notifyWebhooks string = ''

@description('Optional. Grant each cluster\'s kubelet identity AcrPull on the registry.')
param grantClusterAcrPull bool = false

@description('Optional. Let the Function App schedule and cancel ACR Tasks builds on the registry (Rebuild & Deploy, a custom role on the registry only). Off: the registry is only read, and a Rebuild & Deploy fails for lack of permission.')
param grantRegistryBuild bool = true

@description('Optional. Where Rebuild & Deploy builds elb-openapi from; an empty url leaves Rebuild & Deploy off.')
param buildSource buildSourceType = { url: '', ref: '', context: 'docker-openapi', dockerfile: 'Dockerfile' }

@description('Optional. Create the Event Grid subscription to the acrImagePushed function. Set it only after the function code is published.')
param deployEventSubscription bool = false

@description('Optional. Name of the registry\'s Event Grid system topic; a registry has at most one, so give the existing one\'s name if there is one.')
param eventGridSystemTopicName string = 'evgt-${last(split(containerRegistryResourceId, '/'))}'

@description('Optional. Region of the Static Web App (it is offered in fewer regions than the other services).')
param staticWebAppLocation string = 'westeurope'

@description('Optional. Client id of the Entra ID app registration the dashboard signs in with; empty uses the built-in provider.')
param entraClientId string = ''

@description('Optional. Durable task hub name (ELB_TASK_HUB).')
param taskHubName string = 'elbcontrol'

@description('Optional. Deploy timings and limits of the Function App (ELB_ROLLOUT_TIMEOUT_SECONDS, …); each unset one keeps the app default. Set them here rather than on the app: a redeployment replaces the app settings.')
param deployTuning deployTuningType = {}

@description('Optional. Size of the Function App\'s Dedicated plan (docs/decisions/0001-function-hosting-plan.md).')
@allowed([
  'B1'
  'S1'
  'P0v3'
  'P1v3'
  'P2v3'
])
param functionPlanSku string = 'P0v3'

@description('Optional. Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Optional. Address space of the virtual network joining the Function App and the exec container.')
param vnetAddressPrefix string = '10.60.0.0/16'

@description('Optional. Subnet of the Container Apps environment (at least /27).')
param containerAppsSubnetPrefix string = '10.60.0.0/23'

@description('Optional. Subnet of the Function App VNet integration.')
param functionSubnetPrefix string = '10.60.2.0/24'

// ---------------------------------------------------------------------------------------------------------------
// Names and derived values
// ---------------------------------------------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id, namePrefix)
var prefix = toLower(namePrefix)
var storageAccountName = take('st${prefix}${suffix}', 24)
var keyVaultName = take('kv-${prefix}-${suffix}', 24)
var functionAppName = 'func-${prefix}-${suffix}'
var staticWebAppName = 'stapp-${prefix}-${suffix}'
var appInsightsName = 'appi-${prefix}'
var functionIdentityName = 'id-${prefix}-func'
var execIdentityName = 'id-${prefix}-exec'
var eventsIdentityName = 'id-${prefix}-events'

// Resource ids known before anything is deployed; they name the role assignments, so What-If can predict them.
var functionIdentityResourceId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', functionIdentityName)
var execIdentityResourceId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', execIdentityName)
var eventsIdentityResourceId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', eventsIdentityName)

var registrySegments = split(containerRegistryResourceId, '/')
var registrySubscriptionId = registrySegments[2]
var registryResourceGroupName = registrySegments[4]
var registryName = registrySegments[8]

var normalizedTargets = map(
  targets,
  t =>
    union(
      {
        name: t.name
        kind: 'aks'
        subscriptionId: t.?subscriptionId ?? subscription().subscriptionId
        resourceGroup: t.resourceGroup
        clusterName: t.clusterName
        namespace: t.?namespace ?? 'elb-openapi'
      },
      t.?policy == null ? {} : { policy: t.?policy }
    )
)
var clusterRefs = map(normalizedTargets, t => {
  resourceId: resourceId(t.subscriptionId, t.resourceGroup, 'Microsoft.ContainerService/managedClusters', t.clusterName)
})
// The cluster resource groups, each once (case-insensitively): one set of custom role definitions per group.
var clusterGroupKeys = map(normalizedTargets, t => toLower('${t.subscriptionId}/${t.resourceGroup}'))
var clusterGroups = map(
  filter(range(0, length(normalizedTargets)), i => indexOf(clusterGroupKeys, clusterGroupKeys[i]) == i),
  i => { subscriptionId: normalizedTargets[i].subscriptionId, resourceGroup: normalizedTargets[i].resourceGroup }
)
var workloadStorageTargets = filter(targets, t => !empty(t.?workloadStorageAccountResourceId ?? ''))

// ---------------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------------

module identities 'modules/identities.bicep' = {
  name: 'elb-identities'
  params: {
    functionIdentityName: functionIdentityName
    execIdentityName: execIdentityName
    eventsIdentityName: eventsIdentityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'elb-monitoring'
  params: {
    namePrefix: prefix
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    appInsightsName: appInsightsName
    telemetryPublisherIdentityResourceId: functionIdentityResourceId
    telemetryPublisherPrincipalId: identities.outputs.function.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'elb-storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    functionIdentityResourceId: functionIdentityResourceId
    functionPrincipalId: identities.outputs.function.principalId
    deadLetterWriterIdentityResourceId: eventsIdentityResourceId
    deadLetterWriterPrincipalId: identities.outputs.events.principalId
  }
}

module network 'modules/network.bicep' = {
  name: 'elb-network'
  params: {
    namePrefix: prefix
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    containerAppsSubnetPrefix: containerAppsSubnetPrefix
    functionSubnetPrefix: functionSubnetPrefix
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'elb-key-vault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
  }
}

module execToken 'modules/exec-token.bicep' = {
  name: 'elb-exec-token'
  params: {
    keyVaultName: keyVaultName
    action: execTokenAction
    newToken: replace(execTokenEntropy, '-', '')
    readers: [
      { identityResourceId: functionIdentityResourceId, principalId: identities.outputs.function.principalId }
      { identityResourceId: execIdentityResourceId, principalId: identities.outputs.exec.principalId }
    ]
  }
  dependsOn: [keyVault]
}

module notifyWebhooksSecret 'modules/notify-webhooks.bicep' = {
  name: 'elb-notify-webhooks'
  params: {
    keyVaultName: keyVaultName
    action: notifyWebhooksAction
    webhooksJson: notifyWebhooks
    readerIdentityResourceId: functionIdentityResourceId
    readerPrincipalId: identities.outputs.function.principalId
  }
  dependsOn: [keyVault]
}

module registryAccess 'modules/registry-access.bicep' = {
  name: 'elb-registry-access'
  scope: resourceGroup(registrySubscriptionId, registryResourceGroupName)
  params: {
    registryName: registryName
    functionIdentityResourceId: functionIdentityResourceId
    functionPrincipalId: identities.outputs.function.principalId
    execIdentityResourceId: execIdentityResourceId
    execPrincipalId: identities.outputs.exec.principalId
    grantBuild: grantRegistryBuild
    kubeletClusterResourceIds: grantClusterAcrPull ? map(clusterRefs, c => c.resourceId) : []
    kubeletPrincipalIds: [
      for (t, i) in normalizedTargets: grantClusterAcrPull
        ? clusters[i].properties.identityProfile.kubeletidentity.objectId
        : ''
    ]
  }
}

module containerApps 'modules/container-apps.bicep' = {
  name: 'elb-container-apps'
  params: {
    namePrefix: prefix
    location: location
    tags: tags
    infrastructureSubnetResourceId: network.outputs.containerAppsSubnetResourceId
    workspaceResourceId: monitoring.outputs.workspaceResourceId
    identity: identities.outputs.exec
    image: execImage
    keyVaultName: keyVaultName
  }
  // The token must be readable (and, on a first deployment, exist) before the app references it; the image must be
  // pullable by the exec identity.
  dependsOn: [
    execToken
    registryAccess
  ]
}

module privateDns 'modules/private-dns.bicep' = {
  name: 'elb-private-dns'
  params: {
    // Named after the environment's generated domain, which exists only once the environment does.
    #disable-next-line what-if-short-circuiting
    zoneName: containerApps.outputs.defaultDomain
    staticIp: containerApps.outputs.staticIp
    virtualNetworkResourceId: network.outputs.resourceId
    tags: tags
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'elb-function-app'
  params: {
    name: functionAppName
    location: location
    tags: tags
    identity: identities.outputs.function
    storageAccountName: storageAccountName
    integrationSubnetResourceId: network.outputs.functionSubnetResourceId
    appInsightsName: appInsightsName
    keyVaultName: keyVaultName
    execUpstreamUrl: containerApps.outputs.execUpstreamUrl
    targetsJson: string(normalizedTargets)
    openapiImage: '${registryAccess.outputs.loginServer}/${imageRepository}'
    openapiTag: openapiTag
    registryResourceId: containerRegistryResourceId
    registryLoginServer: registryAccess.outputs.loginServer
    execIdentityClientId: identities.outputs.exec.clientId
    deployTuning: deployTuning
    wavesJson: empty(waves) ? '' : string(waves)
    buildSource: buildSource
    taskHubName: taskHubName
    planSku: functionPlanSku
    notifyWebhooksEnabled: notifyWebhooksAction != 'none'
    notifyWebhooksSetting: notifyWebhooksSecret.outputs.appSettingValue
  }
  dependsOn: [
    execToken
    privateDns
  ]
}

module eventGrid 'modules/event-grid.bicep' = {
  name: 'elb-event-grid'
  scope: resourceGroup(registrySubscriptionId, registryResourceGroupName)
  params: {
    registryName: registryName
    registryLocation: registryAccess.outputs.location
    systemTopicName: eventGridSystemTopicName
    tags: tags
    identity: identities.outputs.events
    deploySubscription: deployEventSubscription
    functionAppName: functionAppName
    functionAppResourceGroupName: resourceGroup().name
    functionAppSubscriptionId: subscription().subscriptionId
    repository: imageRepository
    deadLetterStorageAccountResourceId: storage.outputs.resourceId
    deadLetterContainerName: storage.outputs.deadLetterContainerName
  }
  dependsOn: [functionApp]
}

module staticWebApp 'modules/static-web-app.bicep' = {
  name: 'elb-static-web-app'
  params: {
    name: staticWebAppName
    location: staticWebAppLocation
    tags: tags
    functionAppResourceId: functionApp.outputs.resourceId
    functionAppLocation: location
    entraClientId: entraClientId
  }
}

resource clusters 'Microsoft.ContainerService/managedClusters@2026-08-01' existing = [
  for t in normalizedTargets: {
    name: t.clusterName
    scope: resourceGroup(t.subscriptionId, t.resourceGroup)
  }
]

module clusterRoles 'modules/cluster-roles.bicep' = [
  for g in clusterGroups: {
    name: take('elb-cluster-roles-${uniqueString(g.subscriptionId, toLower(g.resourceGroup))}', 64)
    scope: resourceGroup(g.subscriptionId, g.resourceGroup)
  }
]

module clusterAccessModules 'modules/cluster-access.bicep' = [
  for t in normalizedTargets: {
    name: take('elb-cluster-${t.name}', 64)
    scope: resourceGroup(t.subscriptionId, t.resourceGroup)
    params: {
      clusterName: t.clusterName
      execIdentityResourceId: execIdentityResourceId
      execPrincipalId: identities.outputs.exec.principalId
      functionIdentityResourceId: functionIdentityResourceId
      functionPrincipalId: identities.outputs.function.principalId
      namespace: t.namespace
    }
    // The reader and starter assignments name the custom roles, which must exist first.
    dependsOn: [clusterRoles]
  }
]

module workloadStorageAccess 'modules/workload-storage-access.bicep' = [
  for t in workloadStorageTargets: {
    name: take('elb-workload-storage-${t.name}', 64)
    scope: resourceGroup(
      split(t.?workloadStorageAccountResourceId!, '/')[2],
      split(t.?workloadStorageAccountResourceId!, '/')[4]
    )
    params: {
      storageAccountName: last(split(t.?workloadStorageAccountResourceId!, '/'))
      execIdentityResourceId: execIdentityResourceId
      execPrincipalId: identities.outputs.exec.principalId
    }
  }
]

// ---------------------------------------------------------------------------------------------------------------
// Outputs: names to publish code to and the dashboard address; nothing secret.
// ---------------------------------------------------------------------------------------------------------------

@description('Name of the Function App (publish the code to it).')
output functionAppName string = functionApp.outputs.name

@description('Name of the Static Web App (deploy the dashboard to it).')
output staticWebAppName string = staticWebApp.outputs.name

@description('Dashboard URL.')
output dashboardUrl string = 'https://${staticWebApp.outputs.defaultHostName}'

@description('Name of the exec server container app.')
output execContainerAppName string = containerApps.outputs.execAppName

@description('Name of the vault holding the exec token (rotate it by redeploying with execTokenAction=generate).')
output vaultName string = keyVault.outputs.name

@description('Name of the registry\'s Event Grid system topic.')
output eventGridSystemTopicName string = eventGrid.outputs.systemTopicName

// ---------------------------------------------------------------------------------------------------------------
// Outputs for the Azure Developer CLI (azure.yaml): azd saves every output in its environment, where the hooks in
// scripts/azd read them. Names only, as above. The services themselves are found by their `azd-service-name` tags.
// ---------------------------------------------------------------------------------------------------------------

@description('Region of the deployment (azd environment).')
output AZURE_LOCATION string = location

@description('Resource group of the deployment (azd environment).')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Name of the Function App, azd service `api` (scripts/azd/postdeploy.sh waits for its acrImagePushed).')
output SERVICE_API_NAME string = functionApp.outputs.name

@description('Name of the Static Web App, azd service `web`.')
output SERVICE_WEB_NAME string = staticWebApp.outputs.name

@description('Dashboard URL (printed by scripts/azd/postprovision.sh).')
output ELB_DASHBOARD_URL string = 'https://${staticWebApp.outputs.defaultHostName}'
