metadata name = 'elb-control cluster roles'
metadata description = 'Deployed into a cluster resource group: the custom roles of the Function App there, each with exactly the calls it makes and assignable only in that group.'

import { clusterReaderDataActions, clusterReaderRoleName, clusterStarterActions, clusterStarterRoleName } from 'rbac.bicep'

// Custom role names are unique per tenant, so the names carry a hash of the group; several elb-control installations
// targeting clusters in one group share the same definitions (same name, same content).
var groupHash = uniqueString(toLower(resourceGroup().id))

resource clusterReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: clusterReaderRoleName(resourceGroup().id)
  properties: {
    roleName: 'elb-control cluster reader ${groupHash}'
    description: 'elb-control Function App: read the elb-openapi Deployment, pods, events, Service and token Secret in its namespace'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: clusterReaderDataActions
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

// Assigned on each cluster (cluster-access.bicep), never on the group.
resource clusterStarter 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: clusterStarterRoleName(resourceGroup().id)
  properties: {
    roleName: 'elb-control cluster starter ${groupHash}'
    description: 'elb-control Function App: read an AKS cluster (its power state) and start it; never stop, change or delete it'
    type: 'CustomRole'
    permissions: [
      {
        actions: clusterStarterActions
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
