metadata name = 'elb-control private DNS for the Container Apps environment'
metadata description = 'Resolves the internal Container Apps environment domain (and its .internal. app names) to the environment static IP inside the virtual network.'

import { resourceTagsType } from 'types.bicep'

@description('Required. Default domain of the Container Apps environment; the zone takes this name.')
param zoneName string

@description('Required. Static (internal load balancer) IP of the Container Apps environment.')
param staticIp string

@description('Required. Resource id of the virtual network to link the zone to.')
param virtualNetworkResourceId string

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: zoneName
  location: 'global'
  tags: tags

  // Apps with external ingress answer on <app>.<domain>, internal-only apps on <app>.internal.<domain>.
  resource anyApp 'A' = {
    name: '*'
    properties: {
      ttl: 300
      aRecords: [{ ipv4Address: staticIp }]
    }
  }

  resource anyInternalApp 'A' = {
    name: '*.internal'
    properties: {
      ttl: 300
      aRecords: [{ ipv4Address: staticIp }]
    }
  }

  resource link 'virtualNetworkLinks' = {
    name: 'container-apps'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: virtualNetworkResourceId
      }
    }
  }
}

@description('Name of the private DNS zone.')
output name string = zone.name
