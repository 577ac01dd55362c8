// Optional: lets D365 F&O send business events to the app's D365 events queue. F&O's Service Bus endpoint
// accepts only a connection string, which it reads from a Key Vault secret with its own Entra application.
// So this module creates a Send-only SAS rule on that one queue, stores its connection string in Key Vault
// (from listKeys at deployment time: it never appears in a template or parameter), and lets F&O's
// application read secrets. In F&O: System administration > Setup > Business events > Endpoints > New.

@description('Service Bus namespace of the app queues.')
param serviceBusNamespaceName string

@description('Queue that receives the D365 business events (QUEUE_D365_EVENTS).')
param queueName string

@description('Key Vault that receives the connection string secret.')
param keyVaultName string

@description('Name of the Key Vault secret that holds the Send-only connection string.')
param secretName string = 'd365-business-events-connection'

@description('Object id of the service principal of the Entra application that F&O uses to read the secret; empty: assign it by hand.')
param d365EventsPrincipalId string = ''

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName

  resource queue 'queues' existing = {
    name: queueName
  }
}

resource sendRule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2022-10-01-preview' = {
  parent: namespace::queue
  name: 'd365-business-events-send'
  properties: {
    rights: [
      'Send'
    ]
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    contentType: 'Service Bus connection string (Send only, one queue) for D365 business events'
    // F&O wants the connection string without ;EntityPath=... (it names the queue in its own field), and a
    // queue-level rule's string carries one.
    value: split(sendRule.listKeys().primaryConnectionString, ';EntityPath=')[0]
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(d365EventsPrincipalId)) {
  name: guid(connectionSecret.id, d365EventsPrincipalId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: connectionSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: d365EventsPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output secretName string = connectionSecret.name
output keyVaultDnsName string = vault.properties.vaultUri
