metadata name = 'elb-control access to the container registry'
metadata description = 'Deployed into the registry resource group: the Function App reads tags and digests, reads the registry and its ACR Tasks runs through Azure Resource Manager and (optionally) schedules and cancels builds; the exec container pulls its own image; optionally each cluster kubelet pulls elb-openapi.'

import {
  builtInRoleIds
  registryBuilderActions
  registryBuilderRoleName
  registryReaderActions
  registryReaderRoleName
} from 'rbac.bicep'

@description('Required. Name of the container registry in this resource group.')
param registryName string

@description('Required. Resource id of the Function App identity (names the role assignments).')
param functionIdentityResourceId string

@description('Required. Principal id of the Function App identity.')
param functionPrincipalId string

@description('Required. Resource id of the exec container identity (names the role assignments).')
param execIdentityResourceId string

@description('Required. Principal id of the exec container identity.')
param execPrincipalId string

@description('Optional. Let the Function App schedule and cancel ACR Tasks runs on the registry (Rebuild & Deploy).')
param grantBuild bool = true

@description('Optional. Resource ids of the clusters whose kubelet identity gets AcrPull (empty: none).')
param kubeletClusterResourceIds string[] = []

@description('Optional. Kubelet identity object ids, in the order of kubeletClusterResourceIds.')
param kubeletPrincipalIds string[] = []

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

var grants = concat(
  [
    // Tags and digests through the data plane.
    {
      key: functionIdentityResourceId
      principalId: functionPrincipalId
      roleId: builtInRoleIds.acrPull
      why: 'Function App: read tags and digests'
    }
    {
      key: execIdentityResourceId
      principalId: execPrincipalId
      roleId: builtInRoleIds.acrPull
      why: 'exec container: pull its image'
    }
  ],
  map(range(0, length(kubeletClusterResourceIds)), i => {
    key: '${kubeletClusterResourceIds[i]}/kubelet'
    principalId: kubeletPrincipalIds[i]
    roleId: builtInRoleIds.acrPull
    why: 'AKS kubelet: pull elb-openapi'
  })
)

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in grants: {
    name: guid(registry.id, grant.key, grant.roleId)
    scope: registry
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.roleId)
      principalId: grant.principalId
      principalType: 'ServicePrincipal'
      description: 'elb-control ${grant.why}'
    }
  }
]

// The management plane (Azure Resource Manager), in two custom roles because no built-in role is this narrow: the
// reads always (the monitor's registry facts and builds), the two build actions only with grantBuild. Defined in this
// group (custom role names are unique per tenant, hence the hash), assignable only here, assigned on the registry.
var groupHash = uniqueString(toLower(resourceGroup().id))

resource registryReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: registryReaderRoleName(resourceGroup().id)
  properties: {
    roleName: 'elb-control registry reader ${groupHash}'
    description: 'elb-control Function App: read a container registry (login server, SKU, location) and its ACR Tasks runs'
    type: 'CustomRole'
    permissions: [
      {
        actions: registryReaderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource registryBuilder 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (grantBuild) {
  name: registryBuilderRoleName(resourceGroup().id)
  properties: {
    roleName: 'elb-control registry builder ${groupHash}'
    description: 'elb-control Function App: schedule and cancel ACR Tasks runs on a container registry; no logs, settings or credentials'
    type: 'CustomRole'
    permissions: [
      {
        actions: registryBuilderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource functionReadsRegistry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, functionIdentityResourceId, 'elb-control-registry-reader')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      registryReaderRoleName(resourceGroup().id)
    )
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Function App: read the registry and its ACR Tasks runs'
  }
  dependsOn: [registryReader]
}

resource functionBuildsOnRegistry 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantBuild) {
  name: guid(registry.id, functionIdentityResourceId, 'elb-control-registry-builder')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      registryBuilderRoleName(resourceGroup().id)
    )
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Function App: Rebuild & Deploy (schedule and cancel ACR Tasks builds)'
  }
  dependsOn: [registryBuilder]
}

@description('Login server of the registry, e.g. myregistry.azurecr.io.')
output loginServer string = registry.properties.loginServer

@description('Location of the registry (its Event Grid system topic must be there).')
output location string = registry.location
