metadata name = 'elb-control Function App'
metadata description = 'Dedicated (App Service) Linux plan and the Node 20 Function App: user-assigned identity, identity-based storage, VNet integration to reach the exec server, the exec token as a Key Vault reference.'

import { buildSourceType, deployTuningType, identityType, resourceTagsType } from 'types.bicep'

@description('Required. Name of the Function App (globally unique host name).')
param name string

@description('Optional. Location of the resources.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Required. Identity of the Function App.')
param identity identityType

@description('Required. Name of the storage account (AzureWebJobsStorage, Durable task hub, tables).')
param storageAccountName string

@description('Required. Subnet for outbound VNet integration (to reach the internal exec server).')
param integrationSubnetResourceId string

@description('Required. Name of the Application Insights component (in this resource group).')
param appInsightsName string

@description('Required. Name of the Key Vault holding the exec token (in this resource group).')
param keyVaultName string

@description('Optional. Name of the Key Vault secret holding the exec token.')
param tokenSecretName string = 'exec-token'

@description('Required. Exec server base URL (TERMINAL_EXEC_UPSTREAM).')
param execUpstreamUrl string

@description('Required. Client id of the exec container identity (ELB_EXEC_IDENTITY_CLIENT_ID): the exec server\'s az login --identity and kubelogin use it.')
param execIdentityClientId string

@description('Required. Targets as the app reads them from ELB_TARGETS (JSON text).')
param targetsJson string

@description('Optional. Waves as the app reads them from ELB_WAVES (JSON text); empty: no waves.')
param wavesJson string = ''

@description('Required. Image repository, host/repository (ELB_OPENAPI_IMAGE).')
param openapiImage string

@description('Required. Pinned elb-openapi tag (ELB_OPENAPI_TAG).')
param openapiTag string

@description('Required. Resource id of the container registry (ELB_REGISTRY_RESOURCE_ID), to check that an event comes from it.')
param registryResourceId string

@description('Required. Login server of the registry, e.g. myregistry.azurecr.io (ELB_REGISTRY_ENDPOINT is https on it).')
param registryLoginServer string

@description('Optional. Deploy timings and limits; unset ones keep the app defaults.')
param deployTuning deployTuningType = {}

@description('Optional. Rebuild & Deploy\'s source (ELB_BUILD_SOURCE_URL/REF, ELB_BUILD_CONTEXT, ELB_BUILD_DOCKERFILE); an empty url leaves it off.')
param buildSource buildSourceType = { url: '', ref: '', context: 'docker-openapi', dockerfile: 'Dockerfile' }

@description('Optional. Whether ELB_NOTIFY_WEBHOOKS is set (known at deployment time, so the settings list is too).')
param notifyWebhooksEnabled bool = false

@description('Conditional. ELB_NOTIFY_WEBHOOKS as a Key Vault reference (@Microsoft.KeyVault(SecretUri=…)); used when notifyWebhooksEnabled.')
param notifyWebhooksSetting string = ''

@description('Optional. Durable task hub name (ELB_TASK_HUB).')
param taskHubName string = 'elbcontrol'

@description('Optional. Size of the Dedicated plan. A plan that Static Web Apps accepts as a linked backend and that has VNet integration (docs/decisions/0001-function-hosting-plan.md).')
@allowed([
  'B1'
  'S1'
  'P0v3'
  'P1v3'
  'P2v3'
])
param planSku string = 'P0v3'

@description('Optional. Instances of the plan (the Durable task hub shares work between them).')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName

  resource tokenSecret 'secrets' existing = {
    name: tokenSecretName
  }
}

// Only the tunings given: an absent setting keeps the app's own default.
var tuningSettings = map(filter(items(deployTuning), s => s.value != null), s => {
  name: s.key
  value: string(s.value)
})

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: planSku
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.resourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.resourceId
    virtualNetworkSubnetId: integrationSubnetResourceId
    // All outbound traffic, DNS included, goes through the VNet: the exec server's name resolves only in its private
    // DNS zone.
    outboundVnetRouting: {
      allTraffic: true
    }
    siteConfig: {
      linuxFxVersion: 'Node|20'
      // A Dedicated plan unloads an idle app unless Always On is set; the Durable and Event Grid triggers need it loaded.
      alwaysOn: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(
        [
          { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
          { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }
          // Identity-based connection: no account key anywhere.
          { name: 'AzureWebJobsStorage__accountName', value: storage.name }
          { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
          { name: 'AzureWebJobsStorage__clientId', value: identity.clientId }
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
          // Application Insights accepts only Entra ID-authenticated telemetry (local auth is off).
          {
            name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
            value: 'Authorization=AAD;ClientId=${identity.clientId}'
          }
          // The tables' endpoint as the account reports it, so a sovereign cloud's suffix is right too.
          { name: 'ELB_TABLES_ENDPOINT', value: storage.properties.primaryEndpoints.table }
          { name: 'ELB_TARGETS', value: targetsJson }
          { name: 'ELB_OPENAPI_IMAGE', value: openapiImage }
          { name: 'ELB_OPENAPI_TAG', value: openapiTag }
          { name: 'ELB_REGISTRY_ENDPOINT', value: 'https://${registryLoginServer}' }
          { name: 'ELB_REGISTRY_RESOURCE_ID', value: registryResourceId }
          // This cloud's Resource Manager (listClusterUserCredential for the AKS reads).
          { name: 'ELB_ARM_ENDPOINT', value: environment().resourceManager }
          { name: 'TERMINAL_EXEC_UPSTREAM', value: execUpstreamUrl }
          // Resolved by the platform with keyVaultReferenceIdentity; the value never appears in the template or its
          // deployment history.
          {
            name: 'EXEC_TOKEN'
            value: '@Microsoft.KeyVault(SecretUri=${vault::tokenSecret.properties.secretUriWithVersion})'
          }
          // The exec container has only its user-assigned identity, so its az login --identity and kubelogin must
          // name it; the app sends it with every AKS request.
          { name: 'ELB_EXEC_IDENTITY_CLIENT_ID', value: execIdentityClientId }
          { name: 'ELB_TASK_HUB', value: taskHubName }
          { name: 'ELB_AUTH_MODE', value: 'platform' }
          // @azure/identity picks the user-assigned identity by its client id.
          { name: 'AZURE_CLIENT_ID', value: identity.clientId }
        ],
        tuningSettings,
        empty(wavesJson) ? [] : [{ name: 'ELB_WAVES', value: wavesJson }],
        // The webhook URLs are secrets: the setting is a Key Vault reference the platform resolves, like EXEC_TOKEN.
        notifyWebhooksEnabled ? [{ name: 'ELB_NOTIFY_WEBHOOKS', value: notifyWebhooksSetting }] : [],
        empty(buildSource.url)
          ? []
          : [
              { name: 'ELB_BUILD_SOURCE_URL', value: buildSource.url }
              { name: 'ELB_BUILD_SOURCE_REF', value: buildSource.ref }
              { name: 'ELB_BUILD_CONTEXT', value: buildSource.context }
              { name: 'ELB_BUILD_DOCKERFILE', value: buildSource.dockerfile }
            ]
      )
    }
  }

  // Deployments authenticate with Entra ID (az functionapp deployment / func publish), not publishing passwords.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

@description('Name of the Function App.')
output name string = site.name

@description('Resource id of the Function App.')
output resourceId string = site.id

@description('Default host name of the Function App.')
output defaultHostName string = site.properties.defaultHostName
