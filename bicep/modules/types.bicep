metadata name = 'elb-control shared types'
metadata description = 'User-defined types shared by main.bicep and the modules.'

@export()
@description('Resource tags.')
type resourceTagsType = {
  *: string
}

@export()
@description('A user-assigned managed identity as the other modules need it.')
type identityType = {
  @description('Required. Resource id of the identity.')
  resourceId: string

  @description('Required. Object (principal) id of the identity, for role assignments.')
  principalId: string

  @description('Required. Client (application) id of the identity, for AZURE_CLIENT_ID and the like.')
  clientId: string
}

@export()
@description('One AKS cluster elb-control deploys elb-openapi to.')
type aksTargetType = {
  @description('Required. Target name used by the API and the dashboard (letters, digits and dashes).')
  @minLength(1)
  @maxLength(63)
  name: string

  @description('Optional. Subscription id of the cluster. Defaults to the subscription of this deployment.')
  subscriptionId: string?

  @description('Required. Resource group of the cluster. The workload identity of elb-openapi is created here too.')
  resourceGroup: string

  @description('Required. Name of the AKS cluster (Entra ID integration with Azure RBAC for Kubernetes authorization enabled).')
  clusterName: string

  @description('Optional. Kubernetes namespace of elb-openapi. Defaults to elb-openapi.')
  namespace: string?

  @description('Optional. Resource id of the storage account the elb-openapi workload uses for BLAST data; its workload identity may then be granted Storage Blob Data Contributor there, and nothing else.')
  workloadStorageAccountResourceId: string?
}

@export()
@description('What the exec identity may do inside each cluster (Azure RBAC for Kubernetes authorization).')
type clusterAccessType = 'clusterAdmin' | 'namespaceAdmin'
