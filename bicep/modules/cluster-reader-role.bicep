metadata name = 'elb-control cluster reader role'
metadata description = 'Deployed into a cluster resource group: the custom role with exactly the Kubernetes reads the Function App makes, assignable only in that group.'

import { clusterReaderDataActions, clusterReaderRoleName } from 'rbac.bicep'

// Custom role names are unique per tenant, so the name carries a hash of the group; several elb-control installations
// targeting clusters in one group share the same definition (same name, same content).
resource clusterReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: clusterReaderRoleName(resourceGroup().id)
  properties: {
    roleName: 'elb-control cluster reader ${uniqueString(toLower(resourceGroup().id))}'
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
