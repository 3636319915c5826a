metadata name = 'elb-control access to one AKS cluster'
metadata description = 'Deployed into the cluster resource group: what the exec identity needs for the deploy phases (credentials, Kubernetes apply, the workload identity) and what the Function App needs to read cluster state.'

import { builtInRoleIds, delegatedRoleCondition } from 'rbac.bicep'
import { clusterAccessType } from 'types.bicep'

@description('Required. Name of the AKS cluster in this resource group.')
param clusterName string

@description('Required. Resource id of the exec container identity (names the role assignments).')
param execIdentityResourceId string

@description('Required. Principal id of the exec container identity.')
param execPrincipalId string

@description('Required. Resource id of the Function App identity (names the role assignments).')
param functionIdentityResourceId string

@description('Required. Principal id of the Function App identity.')
param functionPrincipalId string

@description('Optional. Kubernetes rights of the exec identity: clusterAdmin (needed when the manifests bind cluster-wide roles or create the namespace) or namespaceAdmin (Azure Kubernetes Service RBAC Admin: roles and bindings inside namespaces, no namespace or cluster-wide writes).')
param clusterAccess clusterAccessType = 'clusterAdmin'

resource cluster 'Microsoft.ContainerService/managedClusters@2026-08-01' existing = {
  name: clusterName
}

var execClusterRoles = [
  // az aks get-credentials (user credentials, never the admin certificate); also reads the OIDC issuer.
  builtInRoleIds.aksClusterUser
  clusterAccess == 'clusterAdmin' ? builtInRoleIds.aksRbacClusterAdmin : builtInRoleIds.aksRbacAdmin
]

var functionClusterRoles = [
  builtInRoleIds.aksClusterUser // the API server address
  builtInRoleIds.aksRbacReader // deployments, pods, services, events; not secrets
]

resource execOnCluster 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in execClusterRoles: {
    name: guid(cluster.id, execIdentityResourceId, roleId)
    scope: cluster
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: execPrincipalId
      principalType: 'ServicePrincipal'
      description: 'elb-control exec server: deploy elb-openapi to this cluster'
    }
  }
]

resource functionOnCluster 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in functionClusterRoles: {
    name: guid(cluster.id, functionIdentityResourceId, roleId)
    scope: cluster
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      description: 'elb-control Function App: read the state of elb-openapi on this cluster'
    }
  }
]

// setup_workload_identity creates the elb-openapi managed identity and its federated credential here.
resource execIdentities 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, execIdentityResourceId, builtInRoleIds.managedIdentityContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      builtInRoleIds.managedIdentityContributor
    )
    principalId: execPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control exec server: create the elb-openapi workload identity and its federated credential'
  }
}

// ...and lets that workload identity fetch cluster credentials, which needs a role assignment: allowed for that one
// role, on this cluster, to service principals only.
resource execGrantsClusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, execIdentityResourceId, builtInRoleIds.roleBasedAccessControlAdministrator)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      builtInRoleIds.roleBasedAccessControlAdministrator
    )
    principalId: execPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control exec server: grant the elb-openapi workload identity AKS Cluster User on this cluster, nothing else'
    condition: delegatedRoleCondition([builtInRoleIds.aksClusterUser])
    conditionVersion: '2.0'
  }
}
