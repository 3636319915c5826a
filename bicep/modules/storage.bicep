metadata name = 'elb-control storage'
metadata description = 'Storage account of the Function App: identity-based only (no shared keys), with the Durable task hub, the targets/deployments tables, the deployment package container and the Event Grid dead-letter container.'

import { resourceTagsType } from 'types.bicep'

@description('Required. Storage account name (3-24 lower-case letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location of the account.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Required. Resource id of the Function App identity (AzureWebJobsStorage, Durable task hub, tables, deployment package).')
param functionIdentityResourceId string

@description('Required. Principal id of the Function App identity.')
param functionPrincipalId string

@description('Required. Resource id of the Event Grid identity, which may write dead-lettered events to one container.')
param deadLetterWriterIdentityResourceId string

@description('Required. Principal id of the Event Grid identity.')
param deadLetterWriterPrincipalId string

@description('Optional. Name of the blob container Event Grid dead-letters undeliverable events into.')
param deadLetterContainerName string = 'eventgrid-deadletter'

// The Functions host needs blob ownership for its leases and the package, queues for Durable's work items and tables
// for Durable history plus the app's own targets/deployments tables.
var functionRoleIds = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    // Every client authenticates with Entra ID; account keys and SAS signed with them are refused.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deadLetterContainer 'containers' = {
      name: deadLetterContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource targetsTable 'tables' = {
      name: 'targets'
    }

    resource deploymentsTable 'tables' = {
      name: 'deployments'
    }
  }
}

resource functionRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in functionRoleIds: {
    name: guid(account.id, functionIdentityResourceId, roleId)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      description: 'elb-control Function App: identity-based AzureWebJobsStorage'
    }
  }
]

// Scoped to the dead-letter container alone, not the account.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    account::blobService::deadLetterContainer.id,
    deadLetterWriterIdentityResourceId,
    storageBlobDataContributorRoleId
  )
  scope: account::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      storageBlobDataContributorRoleId
    )
    principalId: deadLetterWriterPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Event Grid subscription: write dead-lettered ImagePushed events'
  }
}

@description('Name of the storage account.')
output name string = account.name

@description('Resource id of the storage account.')
output resourceId string = account.id

@description('Blob endpoint of the storage account.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Name of the dead-letter container.')
output deadLetterContainerName string = account::blobService::deadLetterContainer.name
