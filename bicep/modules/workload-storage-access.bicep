metadata name = 'elb-control delegated access to a workload storage account'
metadata description = 'Deployed into the resource group of a storage account elb-openapi uses: the exec identity may grant Storage Blob Data Contributor on that account to service principals, and nothing else.'

import { builtInRoleIds, delegatedRoleCondition } from 'rbac.bicep'

@description('Required. Name of the storage account in this resource group.')
param storageAccountName string

@description('Required. Resource id of the exec container identity (names the role assignment).')
param execIdentityResourceId string

@description('Required. Principal id of the exec container identity.')
param execPrincipalId string

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource execGrantsBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, execIdentityResourceId, builtInRoleIds.roleBasedAccessControlAdministrator)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      builtInRoleIds.roleBasedAccessControlAdministrator
    )
    principalId: execPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control exec server: grant the elb-openapi workload identity blob data access on this account, nothing else'
    condition: delegatedRoleCondition([builtInRoleIds.storageBlobDataContributor])
    conditionVersion: '2.0'
  }
}
