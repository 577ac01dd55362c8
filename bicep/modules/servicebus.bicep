// Service Bus namespace and the app's queues. Local (SAS) auth is disabled unless D365 business events need
// it: the app connects with its managed identity (ServiceBusConnection__fullyQualifiedNamespace).

@description('Azure region of the resources.')
param location string

@description('Name of the Service Bus namespace.')
param namespaceName string

@description('Names of the queues to create (the app settings QUEUE_* name the same queues).')
param queueNames string[]

@description('Delivery attempts before Service Bus moves a message to the dead-letter queue.')
@minValue(1)
@maxValue(2000)
param maxDeliveryCount int = 10

@description('How long a receiver holds the lock on a message (ISO 8601, at most PT5M); the host renews it while the function runs.')
param lockDuration string = 'PT1M'

@description('Time to live of a message (ISO 8601); an expired message is dead-lettered, not dropped.')
param messageTimeToLive string = 'P14D'

@description('Window of duplicate detection by messageId (ISO 8601). Can only be set when a queue is created.')
param duplicateDetectionWindow string = 'PT10M'

@description('Allow SAS (shared key) authorization on the namespace. Only for D365 business events: F&O can send to Service Bus only with a connection string. The app itself always uses its identity.')
param allowLocalAuth bool = false

@description('Tags for every resource.')
param tags object = {}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    minimumTlsVersion: '1.2'
    disableLocalAuth: !allowLocalAuth
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      maxDeliveryCount: maxDeliveryCount
      lockDuration: lockDuration
      defaultMessageTimeToLive: messageTimeToLive
      deadLetteringOnMessageExpiration: true
      // Every message carries a stable messageId (notification id, order id + last update, D365 EventId).
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      requiresSession: false
      enableBatchedOperations: true
    }
  }
]

output id string = namespace.id
output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
