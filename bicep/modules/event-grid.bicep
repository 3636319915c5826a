metadata name = 'elb-control Event Grid wiring'
metadata description = 'Deployed into the registry resource group: the registry system topic and, once the function code is published, the subscription that delivers ImagePushed events for the elb-openapi repository to the acrImagePushed function, with retries and dead-lettering.'

import { identityType, resourceTagsType } from 'types.bicep'

@description('Required. Name of the container registry in this resource group.')
param registryName string

@description('Required. Name of the system topic. A registry has at most one system topic: give the existing one\'s name if there is one.')
param systemTopicName string

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Required. Identity used to write dead-lettered events (Storage Blob Data Contributor on the dead-letter container).')
param identity identityType

@description('Required. Create the event subscription. The Function App code must already be published: Event Grid validates the endpoint when the subscription is created.')
param deploySubscription bool

@description('Required. Location of the registry; its system topic must be in the same region.')
param registryLocation string

@description('Required. Name of the Function App.')
param functionAppName string

@description('Required. Resource group of the Function App.')
param functionAppResourceGroupName string

@description('Optional. Subscription of the Function App. Defaults to the subscription of this deployment.')
param functionAppSubscriptionId string = subscription().subscriptionId

@description('Optional. Name of the Event Grid triggered function.')
param functionName string = 'acrImagePushed'

@description('Required. Repository inside the registry whose pushes are delivered, e.g. elb-openapi.')
param repository string

@description('Required. Resource id of the storage account holding the dead-letter container.')
param deadLetterStorageAccountResourceId string

@description('Required. Name of the dead-letter container.')
param deadLetterContainerName string

@description('Optional. Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Optional. Minutes an event is retried before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
  scope: resourceGroup(functionAppSubscriptionId, functionAppResourceGroupName)

  resource imagePushedFunction 'functions' existing = {
    name: functionName
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: registryLocation
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.resourceId}': {}
    }
  }
  properties: {
    source: registry.id
    topicType: 'Microsoft.ContainerRegistry.Registries'
  }
}

resource imagePushed 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deploySubscription) {
  parent: systemTopic
  name: 'elb-openapi-image-pushed'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      // Delivered to the function through the platform: no webhook URL and no function key involved.
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionApp::imagePushedFunction.id
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.ContainerRegistry.ImagePushed'
      ]
      // The exact repository, not a subject prefix, so that digest-only pushes are delivered too and
      // elb-openapi-something is not.
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.target.repository'
          values: [repository]
        }
      ]
      enableAdvancedFilteringOnArrays: false
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: identity.resourceId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountResourceId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('Name of the system topic.')
output systemTopicName string = systemTopic.name
