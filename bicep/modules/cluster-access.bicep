metadata name = 'elb-control access to one AKS cluster'
metadata description = 'Deployed into the cluster resource group: what the exec identity needs for the deploy phases (credentials, Kubernetes apply, the workload identity) and what the Function App needs to read cluster state and start a stopped cluster.'

import { builtInRoleIds, clusterReaderRoleName, clusterStarterRoleName, delegatedRoleCondition } from 'rbac.bicep'

@description('Required. Name of the AKS cluster in this resource group.')
param clusterName string

@description('Required. Kubernetes namespace of elb-openapi on this cluster (the Function App may read only there).')
param namespace string

@description('Required. Resource id of the exec container identity (names the role assignments).')
param execIdentityResourceId string

@description('Required. Principal id of the exec container identity.')
param execPrincipalId string

@description('Required. Resource id of the Function App identity (names the role assignments).')
param functionIdentityResourceId string

@description('Required. Principal id of the Function App identity.')
param functionPrincipalId string

resource cluster 'Microsoft.ContainerService/managedClusters@2026-08-01' existing = {
  name: clusterName
}

// az aks get-credentials (user credentials, never the admin certificate) and az aks show (the OIDC issuer); then the
// apply, which writes the Namespace object (cluster-scoped) and, with a target's rbac.scope = cluster, a
// ClusterRoleBinding: that needs the cluster-wide admin role.
var execClusterRoles = [
  builtInRoleIds.aksClusterUser
  builtInRoleIds.aksRbacClusterAdmin
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

// listClusterUserCredential (the API server address and CA; the app never uses the credential's user entry).
resource functionClusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, functionIdentityResourceId, builtInRoleIds.aksClusterUser)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoleIds.aksClusterUser)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Function App: find the API server of this cluster'
  }
}

// Start cluster: the power state (managedClusters.get) and managedClusters.beginStart through Azure Resource Manager, on
// this cluster only (the custom role of cluster-roles.bicep). The exec server takes no part in it.
resource functionStartsCluster 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, functionIdentityResourceId, 'elb-control-cluster-starter')
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      clusterStarterRoleName(resourceGroup().id)
    )
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Function App: read the power state of this cluster and start it when stopped'
  }
}

// Azure RBAC for Kubernetes takes a namespace as an assignment scope (<cluster id>/namespaces/<name>), which ARM has no
// resource type for; the reference below only builds that scope and is never read.
#disable-next-line BCP081
resource elbNamespace 'Microsoft.ContainerService/managedClusters/namespaces@2026-08-01' existing = {
  parent: cluster
  name: namespace
}

// The reads of adapters/kube.ts, in the elb-openapi namespace only (the custom role of cluster-roles.bicep).
resource functionReadsNamespace 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(elbNamespace.id, functionIdentityResourceId, 'elb-control-cluster-reader')
  scope: elbNamespace
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      clusterReaderRoleName(resourceGroup().id)
    )
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Function App: read the state of elb-openapi in this namespace'
  }
}

// setup_workload_identity creates the elb-openapi managed identity and its federated credential here.
resource execIdentities 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  // Lower-cased: targets in one group may spell its name differently, and both must name the same assignment.
  name: guid(toLower(resourceGroup().id), execIdentityResourceId, builtInRoleIds.managedIdentityContributor)
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
