metadata name = 'elb-control monitoring'
metadata description = 'Log Analytics workspace and workspace-based Application Insights with local (key) authentication disabled.'

import { resourceTagsType } from 'types.bicep'

@description('Required. Name prefix of the resources.')
param namePrefix string

@description('Optional. Location of the resources.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Optional. Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Required. Name of the Application Insights component.')
param appInsightsName string

@description('Required. Resource id of the Function App identity, which publishes telemetry with Entra ID instead of the instrumentation key.')
param telemetryPublisherIdentityResourceId string

@description('Required. Principal id of that identity.')
param telemetryPublisherPrincipalId string

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: 'log-${namePrefix}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only with an Entra ID token, so the connection string alone lets nobody write here.
    DisableLocalAuth: true
  }
}

resource publisherRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, telemetryPublisherIdentityResourceId, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      monitoringMetricsPublisherRoleId
    )
    principalId: telemetryPublisherPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control Function App: publish telemetry with its managed identity'
  }
}

@description('Resource id of the Log Analytics workspace.')
output workspaceResourceId string = workspace.id

@description('Name of the Application Insights component.')
output appInsightsName string = appInsights.name
