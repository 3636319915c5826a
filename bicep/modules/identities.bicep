metadata name = 'elb-control identities'
metadata description = 'User-assigned managed identities, one per trust boundary: the Function App, the exec container and the Event Grid system topic.'

import { identityType, resourceTagsType } from 'types.bicep'

@description('Required. Name of the Function App identity.')
param functionIdentityName string

@description('Required. Name of the exec container identity.')
param execIdentityName string

@description('Required. Name of the Event Grid identity.')
param eventsIdentityName string

@description('Optional. Location of the identities.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

// Separate identities so that a compromise of one part does not hand over another's rights (the exec container may
// change clusters; the Function App may only read them; Event Grid may only write dead letters).
resource functionIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: functionIdentityName
  location: location
  tags: tags
}

resource execIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: execIdentityName
  location: location
  tags: tags
}

resource eventsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: eventsIdentityName
  location: location
  tags: tags
}

@description('The Function App identity.')
output function identityType = {
  resourceId: functionIdentity.id
  principalId: functionIdentity.properties.principalId
  clientId: functionIdentity.properties.clientId
}

@description('The exec container identity.')
output exec identityType = {
  resourceId: execIdentity.id
  principalId: execIdentity.properties.principalId
  clientId: execIdentity.properties.clientId
}

@description('The Event Grid system topic identity (dead-letter writes).')
output events identityType = {
  resourceId: eventsIdentity.id
  principalId: eventsIdentity.properties.principalId
  clientId: eventsIdentity.properties.clientId
}
