// Parameters for `azd up` / `azd provision` (azure.yaml): every value comes from the azd environment
// (`azd env set NAME VALUE`), so nothing environment-specific is committed. README "In Azure" lists them.
// For a deployment without azd, copy main.example.bicepparam instead.
using 'main.bicep'

param location = readEnvironmentVariable('AZURE_LOCATION')

param namePrefix = readEnvironmentVariable('ELB_NAME_PREFIX', 'elbctl')

param containerRegistryResourceId = readEnvironmentVariable('ELB_REGISTRY_RESOURCE_ID')

param imageRepository = readEnvironmentVariable('ELB_OPENAPI_REPOSITORY', 'elb-openapi')

param openapiTag = readEnvironmentVariable('ELB_OPENAPI_TAG', '3.4')

// A JSON array of AKS targets, e.g. [{"name":"prod","resourceGroup":"rg-aks","clusterName":"aks-elb"}].
param targets = json(readEnvironmentVariable('ELB_TARGETS'))

// Optional waves across the targets (docs/policies.md "Waves"), a JSON array of groups, e.g.
// [{"name":"canary","targets":["stage"],"soakSeconds":600},{"name":"prod","targets":["prod"]}].
param waves = json(readEnvironmentVariable('ELB_WAVES', '[]'))

// Written by scripts/azd/preprovision.sh after it built the exec image in the registry (ACR Tasks).
param execImage = readEnvironmentVariable('ELB_EXEC_IMAGE')

// 'generate' until the first provision succeeded; scripts/azd/postprovision.sh then sets 'keep'.
param execTokenAction = readEnvironmentVariable('ELB_EXEC_TOKEN_ACTION', 'generate')

// Notifications: ELB_NOTIFY_WEBHOOKS (JSON, its URLs are secrets) is written to Key Vault on each provision; without
// it, ELB_NOTIFY_WEBHOOKS_ACTION=keep uses the secret already in the vault, and the default sends none.
param notifyWebhooks = readEnvironmentVariable('ELB_NOTIFY_WEBHOOKS', '')
param notifyWebhooksAction = readEnvironmentVariable(
  'ELB_NOTIFY_WEBHOOKS_ACTION',
  empty(readEnvironmentVariable('ELB_NOTIFY_WEBHOOKS', '')) ? 'none' : 'set'
)

param grantClusterAcrPull = bool(readEnvironmentVariable('ELB_GRANT_CLUSTER_ACR_PULL', 'false'))

param grantRegistryBuild = bool(readEnvironmentVariable('ELB_GRANT_REGISTRY_BUILD', 'true'))
param buildSource = {
  url: readEnvironmentVariable('ELB_BUILD_SOURCE_URL', '')
  ref: readEnvironmentVariable('ELB_BUILD_SOURCE_REF', '')
  context: readEnvironmentVariable('ELB_BUILD_CONTEXT', 'docker-openapi')
  dockerfile: readEnvironmentVariable('ELB_BUILD_DOCKERFILE', 'Dockerfile')
}

// Turned on by scripts/azd/postdeploy.sh once the acrImagePushed function is published.
param deployEventSubscription = bool(readEnvironmentVariable('ELB_DEPLOY_EVENT_SUBSCRIPTION', 'false'))

param staticWebAppLocation = readEnvironmentVariable('ELB_STATIC_WEB_APP_LOCATION', 'westeurope')

param entraClientId = readEnvironmentVariable('ELB_ENTRA_CLIENT_ID', '')

param functionPlanSku = readEnvironmentVariable('ELB_FUNCTION_PLAN_SKU', 'P0v3')

param tags = {
  application: 'elb-control'
  'azd-env-name': readEnvironmentVariable('AZURE_ENV_NAME')
}
