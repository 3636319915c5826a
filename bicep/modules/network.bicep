metadata name = 'elb-control network'
metadata description = 'Virtual network joining the Function App (outbound VNet integration) to the internal Container Apps environment of the exec server.'

import { resourceTagsType } from 'types.bicep'

@description('Required. Name prefix of the resources.')
param namePrefix string

@description('Optional. Location of the network.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Optional. Address space of the virtual network.')
param addressPrefix string = '10.60.0.0/16'

@description('Optional. Subnet of the Container Apps environment infrastructure (at least /27 for a workload-profiles environment).')
param containerAppsSubnetPrefix string = '10.60.0.0/23'

@description('Optional. Subnet the Function App integrates with for outbound traffic (delegated to Microsoft.Web/serverFarms for regional VNet integration).')
param functionSubnetPrefix string = '10.60.2.0/24'

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: 'vnet-${namePrefix}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: 'snet-container-apps'
        properties: {
          addressPrefix: containerAppsSubnetPrefix
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'snet-function'
        properties: {
          addressPrefix: functionSubnetPrefix
          delegations: [
            {
              name: 'app-service-plan'
              properties: {
                serviceName: 'Microsoft.Web/serverFarms'
              }
            }
          ]
        }
      }
    ]
  }
}

@description('Resource id of the virtual network.')
output resourceId string = vnet.id

@description('Resource id of the Container Apps environment subnet.')
output containerAppsSubnetResourceId string = vnet.properties.subnets[0].id

@description('Resource id of the Function App integration subnet.')
output functionSubnetResourceId string = vnet.properties.subnets[1].id
