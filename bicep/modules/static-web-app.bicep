metadata name = 'elb-control dashboard'
metadata description = 'Static Web App (Standard) serving the dashboard, with the Function App as its linked backend and Entra ID sign-in.'

import { resourceTagsType } from 'types.bicep'

@description('Required. Name of the Static Web App.')
param name string

@description('Required. Location of the Static Web App (a region Static Web Apps is offered in).')
param location string

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Required. Resource id of the Function App to link as the /api backend.')
param functionAppResourceId string

@description('Required. Region of the Function App.')
param functionAppLocation string

@description('Optional. Client id of the Entra ID app registration for sign-in. Empty: the built-in Entra ID provider is used and roles are given by invitation.')
param entraClientId string = ''

@description('Optional. Tenant whose users may sign in with the app registration.')
param entraTenantId string = tenant().tenantId

resource site 'Microsoft.Web/staticSites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  // Standard is required for a linked backend and custom authentication.
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
  }

  resource backend 'linkedBackends' = {
    name: 'api'
    properties: {
      backendResourceId: functionAppResourceId
      region: functionAppLocation
    }
  }

  // Read by the dashboard's staticwebapp.config.json (auth.identityProviders.azureActiveDirectory). The client secret
  // is not handled here: it is set once with `az staticwebapp appsettings set` so that it never enters a template.
  resource settings 'config' = if (!empty(entraClientId)) {
    name: 'appsettings'
    properties: {
      ENTRA_CLIENT_ID: entraClientId
      ENTRA_TENANT_ID: entraTenantId
    }
  }
}

@description('Name of the Static Web App.')
output name string = site.name

@description('Default host name of the dashboard.')
output defaultHostName string = site.properties.defaultHostname
