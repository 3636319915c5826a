metadata name = 'elb-control exec container'
metadata description = 'Internal Container Apps environment in the virtual network and the exec server container app: internal ingress only, token from Key Vault, its own user-assigned identity.'

import { identityType, resourceTagsType } from 'types.bicep'

@description('Required. Name prefix of the resources.')
param namePrefix string

@description('Optional. Location of the resources.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Required. Subnet for the environment infrastructure (delegated to Microsoft.App/environments).')
param infrastructureSubnetResourceId string

@description('Required. Log Analytics workspace the environment sends console and system logs to.')
param workspaceResourceId string

@description('Required. Identity of the exec container: pulls its image, reads the token, signs in to Azure for az/kubectl.')
param identity identityType

@description('Required. Exec server image, e.g. myregistry.azurecr.io/elb-control-exec:0.1.0. Pulled with the exec identity from the registry host in the reference.')
param image string

@description('Required. Name of the Key Vault holding the exec token.')
param keyVaultName string

@description('Optional. Name of the Key Vault secret holding the exec token.')
param tokenSecretName string = 'exec-token'

@description('Optional. Path of the production exec policy inside the image (EXEC_POLICY); without it the server would fall back to its local policy, which has no Azure tools.')
param policyPath string = '/app/exec/policy/production.json'

@description('Optional. Commands the exec server runs at once (EXEC_MAX_CONCURRENCY).')
@minValue(1)
@maxValue(16)
param maxConcurrency int = 4

@description('Optional. CPU cores of the exec container.')
param cpu string = '1.0'

@description('Optional. Memory of the exec container.')
param memory string = '2Gi'

var execPort = 7682

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName

  resource tokenSecret 'secrets' existing = {
    name: tokenSecretName
  }
}

resource environment 'Microsoft.App/managedEnvironments@2026-07-01' = {
  name: 'cae-${namePrefix}'
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: infrastructureSubnetResourceId
      // No public inbound IP: the environment is reachable only inside the virtual network.
      internal: true
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    // Logs flow through the diagnostic setting below, so no workspace key is handed to the environment.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: false
  }
}

// 2021-05-01-preview is the current API of resource diagnostic settings; the only GA version (2016-09-01) is a
// different, subscription-level shape.
#disable-next-line use-recent-api-versions
resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource execApp 'Microsoft.App/containerApps@2026-07-01' = {
  name: 'ca-${namePrefix}-exec'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.resourceId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        // Internal only: reachable from the environment and, through the private DNS zone, from the Function App's
        // integration subnet; never from the internet.
        external: false
        targetPort: execPort
        transport: 'http'
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      registries: [
        {
          server: split(image, '/')[0]
          identity: identity.resourceId
        }
      ]
      secrets: [
        {
          // A Key Vault reference to the exact secret version the Function App also uses; rotation changes both.
          name: 'exec-token'
          keyVaultUrl: vault::tokenSecret.properties.secretUriWithVersion
          identity: identity.resourceId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'exec'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: [
            { name: 'EXEC_TOKEN', secretRef: 'exec-token' }
            { name: 'EXEC_HOST', value: '0.0.0.0' }
            { name: 'EXEC_PORT', value: string(execPort) }
            // The server refuses a non-loopback bind unless told so; ingress is the only way in.
            { name: 'EXEC_ALLOW_NON_LOOPBACK', value: 'true' }
            { name: 'EXEC_POLICY', value: policyPath }
            { name: 'EXEC_MAX_CONCURRENCY', value: string(maxConcurrency) }
            // az, kubelogin and @azure/identity pick the user-assigned identity by its client id.
            { name: 'AZURE_CLIENT_ID', value: identity.clientId }
          ]
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: execPort
              }
              periodSeconds: 30
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/healthz'
                port: execPort
              }
              periodSeconds: 10
              failureThreshold: 3
            }
          ]
        }
      ]
      // One replica: a cancel by request id must reach the replica running that request.
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

@description('Resource id of the Container Apps environment.')
output environmentResourceId string = environment.id

@description('Default domain of the environment (the private DNS zone name).')
output defaultDomain string = environment.properties.defaultDomain

@description('Static internal IP of the environment.')
output staticIp string = environment.properties.staticIp

@description('Name of the exec container app.')
output execAppName string = execApp.name

@description('Base URL of the exec server for TERMINAL_EXEC_UPSTREAM (internal FQDN, HTTPS terminated by the environment).')
output execUpstreamUrl string = 'https://${execApp.properties.configuration.ingress.fqdn}'
