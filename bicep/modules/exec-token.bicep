metadata name = 'elb-control exec token'
metadata description = 'Stores a newly generated exec token as a new version of the exec-token Key Vault secret (or keeps the current one) and lets exactly the Function App and the exec container read that one secret.'

@description('Required. Name of the Key Vault (in this resource group).')
param keyVaultName string

@description('Required. \'generate\' writes the given token as a new secret version (first deployment, rotation); \'keep\' leaves the current version in place.')
@allowed([
  'generate'
  'keep'
])
param action string

@description('Conditional. The new token; used only when action is \'generate\'. At least 32 characters.')
@secure()
@minLength(32)
param newToken string

@description('Required. Identities that may read the secret (the Function App and the exec container): resource id (names the assignment) and principal id.')
param readers readerType[]

@description('An identity allowed to read the secret.')
type readerType = {
  @description('Required. Resource id of the identity.')
  identityResourceId: string

  @description('Required. Principal id of the identity.')
  principalId: string
}

@description('Optional. Name of the secret.')
param secretName string = 'exec-token'

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource generated 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (action == 'generate') {
  parent: vault
  name: secretName
  properties: {
    value: newToken
    contentType: 'elb-control exec server token'
    attributes: {
      enabled: true
    }
  }
}

// The same secret, read back whichever way it came to be; role assignments hang on it.
resource secret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' existing = {
  parent: vault
  name: secretName
}

// Per-secret scope: the readers cannot list or read anything else in the vault.
resource readerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for reader in readers: {
    name: guid(vault.id, secretName, reader.identityResourceId, keyVaultSecretsUserRoleId)
    scope: secret
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
      principalId: reader.principalId
      principalType: 'ServicePrincipal'
      description: 'elb-control: read the exec token'
    }
    dependsOn: [generated]
  }
]
