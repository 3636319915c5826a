// Example parameters for main.bicep. Copy it (e.g. to main.bicepparam), replace the placeholder ids and names, and
// deploy it as bicep/README.md describes. Nothing secret belongs in this file: the exec token is generated in Azure.
using 'main.bicep'

param namePrefix = 'elbctl'

param containerRegistryResourceId = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-elb-registry/providers/Microsoft.ContainerRegistry/registries/elbacr01'

param imageRepository = 'elb-openapi'

param openapiTag = '3.4'

param execImage = 'elbacr01.azurecr.io/elb-control-exec:0.1.0'

// 'generate' on the first deployment and whenever the token is to be rotated; 'keep' on every other deployment.
param execTokenAction = 'generate'

param targets = [
  {
    name: 'prod'
    resourceGroup: 'rg-elb-aks'
    clusterName: 'aks-elb-prod'
    namespace: 'elb-openapi'
    workloadStorageAccountResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-elb-data/providers/Microsoft.Storage/storageAccounts/elbdata01'
  }
]

param grantClusterAcrPull = false

// Rebuild & Deploy: the Function App may schedule and cancel ACR Tasks builds on the registry. false leaves it read-only.
param grantRegistryBuild = true
// Rebuild & Deploy's source: a public https git URL and a pinned tag or commit of it (not a branch). Empty: off.
param buildSource = {
  url: ''
  ref: ''
  context: 'docker-openapi'
  dockerfile: 'Dockerfile'
}

// Second step, after the function code is published: deploy again with true.
param deployEventSubscription = false

param staticWebAppLocation = 'westeurope'

param tags = {
  application: 'elb-control'
}
