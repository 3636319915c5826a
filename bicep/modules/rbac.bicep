metadata name = 'elb-control role helpers'
metadata description = 'Built-in role definition ids and the ABAC condition that limits what a role-assigning identity may grant.'

@export()
@description('Built-in Azure role definition ids used by elb-control (the only roles it grants).')
var builtInRoleIds = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  aksClusterUser: '4abbcc35-e782-43d8-92c5-2d3f1bd2253f'
  aksRbacClusterAdmin: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b'
  managedIdentityContributor: 'e40ec5ca-96e0-45a2-b4ff-59039f2c2b59'
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
}

// The Function App reads elb-openapi's state with @kubernetes/client-node (adapters/kube.ts): the Deployment, its pods,
// the namespace's events, the Service, and the token Secret it keeps across updates (applyManifests). No built-in
// AKS role reads Secrets without also writing, so this custom role lists exactly those reads and nothing else.
@export()
@description('Kubernetes data actions of the elb-control cluster reader role (Azure RBAC for Kubernetes authorization).')
var clusterReaderDataActions = [
  'Microsoft.ContainerService/managedClusters/apps/deployments/read'
  'Microsoft.ContainerService/managedClusters/pods/read'
  'Microsoft.ContainerService/managedClusters/events/read'
  'Microsoft.ContainerService/managedClusters/services/read'
  'Microsoft.ContainerService/managedClusters/secrets/read'
]

// One definition per cluster resource group (assignable only there), named from that group's id so every module that
// grants it computes the same id; lower-cased, because two targets may spell one group differently.
@export()
@description('Name (GUID) of the elb-control cluster reader role definition for a cluster resource group.')
func clusterReaderRoleName(resourceGroupId string) string =>
  guid(toLower(resourceGroupId), 'elb-control-cluster-reader')

// The Function App's management-plane calls on the registry through Azure Resource Manager (@azure/arm-containerregistry):
// registries.get (login server, SKU, location, id) and runs.list/runs.get (the builds the monitor shows). Reads only,
// granted whether or not Rebuild & Deploy is on. No built-in role is this narrow (bicep/README.md#roles-granted).
@export()
@description('Actions of the elb-control registry reader role: read the registry and its ACR Tasks runs.')
var registryReaderActions = [
  'Microsoft.ContainerRegistry/registries/read'
  'Microsoft.ContainerRegistry/registries/runs/read'
]

// Rebuild & Deploy: registries.beginScheduleRun (a Docker build from a public git context, so no source upload) and
// runs.beginCancel. Never the run log (runs/listLogSasUrl), the registry's settings or credentials: the task pushes
// with the registry's own task identity, not with this one.
@export()
@description('Actions of the elb-control registry builder role: schedule and cancel ACR Tasks runs.')
var registryBuilderActions = [
  'Microsoft.ContainerRegistry/registries/scheduleRun/action'
  'Microsoft.ContainerRegistry/registries/runs/cancel/action'
]

// Start cluster: managedClusters.get (the power state) and managedClusters.beginStart through Azure Resource Manager
// (@azure/arm-containerservice). Never stop, write, delete or the admin credential.
@export()
@description('Actions of the elb-control cluster starter role: read an AKS cluster and start it.')
var clusterStarterActions = [
  'Microsoft.ContainerService/managedClusters/read'
  'Microsoft.ContainerService/managedClusters/start/action'
]

// Like the reader role: one definition per resource group (the registry's, each cluster's), named from that group's
// lower-cased id, so every module that grants one computes the same id.
@export()
@description('Name (GUID) of the elb-control registry reader role definition for the registry\'s resource group.')
func registryReaderRoleName(resourceGroupId string) string => guid(toLower(resourceGroupId), 'elb-control-registry-reader')

@export()
@description('Name (GUID) of the elb-control registry builder role definition for the registry\'s resource group.')
func registryBuilderRoleName(resourceGroupId string) string =>
  guid(toLower(resourceGroupId), 'elb-control-registry-builder')

@export()
@description('Name (GUID) of the elb-control cluster starter role definition for a cluster resource group.')
func clusterStarterRoleName(resourceGroupId string) string => guid(toLower(resourceGroupId), 'elb-control-cluster-starter')

// Azure ABAC (condition version 2.0): writing or deleting a role assignment is allowed only for the listed roles and
// only for service principals (managed identities), so the holder can neither grant itself more nor grant users.
@export()
@description('Condition for a role that can assign roles: only the given role definition ids, only to service principals.')
func delegatedRoleCondition(roleDefinitionIds string[]) string =>
  '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${join(roleDefinitionIds, ', ')}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${join(roleDefinitionIds, ', ')}} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'}))'
