metadata name = 'elb-control Key Vault'
metadata description = 'Key Vault with Azure RBAC authorization (no access policies), soft delete and purge protection; holds the exec token.'

import { resourceTagsType } from 'types.bicep'

@description('Required. Key Vault name (3-24 letters, digits and dashes, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location of the vault.')
param location string = resourceGroup().location

@description('Optional. Tags for every resource.')
param tags resourceTagsType = {}

@description('Optional. Days a deleted secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Data-plane access is granted per secret with role assignments, never with vault-wide access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
  }
}

@description('Name of the Key Vault.')
output name string = vault.name

@description('Resource id of the Key Vault.')
output resourceId string = vault.id
