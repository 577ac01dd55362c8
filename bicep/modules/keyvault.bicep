// Key Vault for the app's secrets, RBAC mode. Only the secret NAMES are known here: the values are set by an
// administrator after deployment (docs/deploy.md), so no secret value ever passes through a template.

@description('Azure region of the resources.')
param location string

@description('Name of the Key Vault (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Tags for every resource.')
param tags object = {}

// The secret names the app reads (src/platform/config.ts SECRET_NAMES). Set their values with
// `az keyvault secret set --vault-name <vault> --name <name> --value ...`.
var secretNames = [
  'spapi-lwa-client-secret'
  'spapi-refresh-token'
  'd365-client-secret'
  'notification-api-key'
]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    // Public, so that the Flex Consumption app can reach it without a virtual network.
    publicNetworkAccess: 'Enabled'
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
output secretNames string[] = secretNames
