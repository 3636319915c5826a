metadata name = 'elb-control access to the container registry'
metadata description = 'Deployed into the registry resource group: the Function App reads tags and digests (the registry id and login server are settings, not ARM reads); the exec container pulls its own image; optionally each cluster kubelet pulls elb-openapi.'

import { builtInRoleIds } from 'rbac.bicep'

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

@description('Login server of the registry, e.g. myregistry.azurecr.io.')
output loginServer string = registry.properties.loginServer

@description('Location of the registry (its Event Grid system topic must be there).')
output location string = registry.location
