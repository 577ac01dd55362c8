// Least-privilege data roles for the Function App's managed identity (management roles such as Owner or
// Contributor grant no data access and are not given). The one broader role, Service Bus Data Owner, is scoped
// to the app's queues; see queueOwnerAssignments below. Role ids: built-in roles, see
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles

@description('Object (principal) id of the identity that receives the roles.')
param principalId string

@description('Kind of principal: ServicePrincipal for a managed identity.')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string = 'ServicePrincipal'

@description('Storage account of host storage, deployment package and state.')
param storageAccountName string

@description('Service Bus namespace of the app queues.')
param serviceBusNamespaceName string

@description('Names of the app\'s queues in that namespace.')
param serviceBusQueueNames string[] = []

@description('Give the identity Azure Service Bus Data Owner on each of the app\'s queues (never on the namespace): the Manage right that Flex Consumption\'s target-based scaling needs to read queue lengths. false: only Data Sender and Receiver on the namespace.')
param serviceBusQueueOwner bool = true

@description('Key Vault of the app secrets.')
param keyVaultName string

@description('Application Insights component the app sends telemetry to.')
param appInsightsName string

@description('Optional object id of an administrator (user or group) who may set the secret values; empty: none.')
param keyVaultAdminPrincipalId string = ''

@description('Kind of the administrator principal.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param keyVaultAdminPrincipalType string = 'User'

var roles = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Blob owner: host storage and the deployment package container (Flex); queue and table: Durable Functions
// task hub and the app's Table state.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

var serviceBusRoles = [
  roles.serviceBusDataSender
  roles.serviceBusDataReceiver
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = [
  for queueName in serviceBusQueueNames: {
    parent: serviceBus
    name: queueName
  }
]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, principalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: principalId
      principalType: principalType
    }
  }
]

resource serviceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in serviceBusRoles: {
    name: guid(serviceBus.id, principalId, roleId)
    scope: serviceBus
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: principalId
      principalType: principalType
    }
  }
]

// Flex Consumption scales a Service Bus trigger on the length of its queue ("target-based scaling"). Reading
// that length needs the Manage right; with Listen (Data Receiver) alone the platform cannot see how many
// messages wait and scales as if it did not know (Microsoft's Flex Service Bus sample grants Data Owner on the
// whole namespace for this reason). Least privilege here: Data Owner only on the app's own queues, so the
// identity can read and manage those three queues (including, in the worst case, changing or deleting them)
// but no other entity of the namespace and nothing at the namespace level. The same right lets /api/status
// show queue lengths. Trade-off and the alternative: docs/deploy.md, "Service Bus rights".
resource queueOwnerAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queueName, i) in serviceBusQueueNames: if (serviceBusQueueOwner) {
    name: guid(queues[i].id, principalId, roles.serviceBusDataOwner)
    scope: queues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
      principalId: principalId
      principalType: principalType
    }
  }
]

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: principalType
  }
}

resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: principalType
  }
}

// Lets the administrator set the secret values after deployment; the app itself only reads them.
resource keyVaultAdmin 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultAdminPrincipalId)) {
  name: guid(vault.id, keyVaultAdminPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: keyVaultAdminPrincipalId
    principalType: keyVaultAdminPrincipalType
  }
}
