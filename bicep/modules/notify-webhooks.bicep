metadata name = 'elb-control notification webhooks'
metadata description = 'Stores the notification destinations (ELB_NOTIFY_WEBHOOKS, JSON with webhook URLs, which are secrets) as the notify-webhooks Key Vault secret, or keeps the one there, and lets exactly the Function App read that one secret.'

@description('Required. Name of the Key Vault (in this resource group).')
param keyVaultName string

@description('Required. \'set\' writes webhooksJson as a new secret version; \'keep\' uses the secret as it is (e.g. set with az keyvault secret set); \'none\' configures no notifications.')
@allowed([
  'none'
  'set'
  'keep'
])
param action string

@description('Conditional. The destinations as JSON (docs/policies.md#notifications); used only when action is \'set\'.')
@secure()
param webhooksJson string = ''

@description('Required. Resource id of the Function App identity (names the role assignment).')
param readerIdentityResourceId string

@description('Required. Principal id of the Function App identity.')
param readerPrincipalId string

@description('Optional. Name of the secret.')
param secretName string = 'notify-webhooks'

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var enabled = action != 'none'

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource written 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (action == 'set') {
  parent: vault
  name: secretName
  properties: {
    value: webhooksJson
    contentType: 'elb-control notification webhooks (JSON)'
    attributes: {
      enabled: true
    }
  }
}

// The same secret whichever way it came to be; the role assignment and the app setting's reference hang on it.
resource secret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' existing = if (enabled) {
  parent: vault
  name: secretName
}

// Per-secret scope, Function App only: the exec container never sends notifications.
resource readerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (enabled) {
  name: guid(vault.id, secretName, readerIdentityResourceId, keyVaultSecretsUserRoleId)
  scope: secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'elb-control: read the notification webhooks'
  }
  dependsOn: [written]
}

@description('The ELB_NOTIFY_WEBHOOKS app setting: a Key Vault reference to the secret\'s current version (empty when action is none). A reference, not the value.')
output appSettingValue string = enabled
  ? '@Microsoft.KeyVault(SecretUri=${secret!.properties.secretUriWithVersion})'
  : ''
