// d365-amazon-connect in one resource group: Flex Consumption Function App with a system-assigned identity,
// Storage (identity only), Service Bus queues, Key Vault (secret values are set afterwards, never here),
// Log Analytics + Application Insights (Entra-authenticated), least-privilege roles and optional alerts.
//
//   az deployment group create -g <rg> -f bicep/main.bicep -p bicep/main.parameters.json
//
// Every app setting the app reads is set below with the same name as in src/**/settings.ts (a unit test,
// test/unit/bicep/bicep.test.ts, checks that they agree). docs/deploy.md explains each parameter.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------------------

@description('Short base name of the resources (lowercase letters, digits and hyphens); a unique suffix is added.')
@minLength(3)
@maxLength(20)
param appName string = 'd365amz'

@description('Azure region of the resources.')
param location string = resourceGroup().location

@description('Tags for every resource.')
param tags object = {}

@description('Upper limit of Function App instances (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the Durable Functions group (orchestrations and activities). 1 as Microsoft recommends for Durable Functions on Flex Consumption; 0 saves the baseline cost of one idle instance, durable work then waits for a cold start.')
@minValue(0)
@maxValue(10)
param durableAlwaysReadyInstances int = 1

@description('Days that logs are kept in Log Analytics.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Optional object id of the administrator (user or group) who sets the Key Vault secret values; gets Key Vault Secrets Officer. Empty: none.')
param keyVaultAdminPrincipalId string = ''

@description('Changes the Key Vault name. Key Vault keeps a deleted vault, and its name, for 90 days (soft delete with purge protection), so a resource group deleted and created again within that time cannot create a vault of the same name: either recover the deleted vault first (az keyvault recover; it comes back with its secrets) or set any new value here, e.g. 2, for a new empty vault. Empty: the name of the first deployment.')
param keyVaultNameSeed string = ''

@description('Kind of the Key Vault administrator principal.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param keyVaultAdminPrincipalType string = 'User'

@description('Create the monitoring alerts (dead-letter messages, work that needs review).')
param enableAlerts bool = true

@description('Email address that receives the alerts; empty: alerts without notification.')
param alertEmail string = ''

@description('Events of the app (the "event" field of its JSON log lines) that raise the "needs review" alert.')
param alertEventNames string[] = [
  'message.parked'
  'message.deadLettering'
  'order.needsMapping'
  'inventory.d365Unavailable'
  'inventory.feedRejected'
  'inventory.skuRefused'
]

@description('Create the monitoring workbook (events, failures, throttling, dead letters) in Azure Monitor.')
param enableWorkbook bool = true

@description('Let D365 F&O send business events to the D365 events queue: creates a Send-only SAS rule on that queue and stores its connection string in Key Vault (secret d365-business-events-connection). This enables SAS on the namespace; the app itself still uses its identity.')
param enableD365BusinessEvents bool = false

@description('Object id of the service principal of the Entra application that F&O uses for its business event endpoint; gets read access to that one secret. Empty: assign it by hand.')
param d365BusinessEventsPrincipalId string = ''

@description('Extra app settings merged over the ones this template sets (tuning, e.g. {"D365_BATCH_SIZE": "50"}). Never put a secret here: secrets belong in Key Vault.')
param additionalAppSettings object = {}

// ---------------------------------------------------------------------------------------------------------
// Dynamics 365 Finance & Supply Chain (src/d365/settings.ts)
// ---------------------------------------------------------------------------------------------------------

@description('D365_BASE_URL: the F&O environment, e.g. https://contoso.operations.dynamics.com.')
param d365BaseUrl string

@description('D365_AUTH_MODE: managed-identity (the Function App identity is registered in F&O) or client-secret (an app registration; secret d365-client-secret in Key Vault).')
@allowed([
  'managed-identity'
  'client-secret'
])
param d365AuthMode string = 'managed-identity'

@description('D365_TENANT_ID: Entra tenant of the app registration (client-secret mode). Defaults to the tenant of this deployment.')
param d365TenantId string = tenant().tenantId

@description('D365_CLIENT_ID: application (client) id of the app registration (client-secret mode); empty in managed-identity mode.')
param d365ClientId string = ''

@description('D365_COMPANY: legal entity (dataAreaId) used where a mapping names none.')
param d365Company string = 'usmf'

// ---------------------------------------------------------------------------------------------------------
// Amazon Selling Partner API (src/amazon/settings.ts)
// ---------------------------------------------------------------------------------------------------------

@description('SPAPI_REGION: SP-API region of the seller account.')
@allowed([
  'na'
  'eu'
  'fe'
])
param spapiRegion string = 'na'

@description('SPAPI_SELLER_ID: the seller (merchant) id.')
param spapiSellerId string

@description('SPAPI_MARKETPLACE_IDS: marketplaces the app works in.')
param spapiMarketplaceIds string[] = [
  'ATVPDKIKX0DER'
]

@description('SPAPI_LWA_CLIENT_ID: LWA client id of the SP-API application (its secret and the refresh token go into Key Vault).')
param spapiLwaClientId string

@description('SPAPI_USE_RDT: read buyer name and address with restricted data tokens (needs Amazon\'s PII roles).')
param spapiUseRdt bool = false

// ---------------------------------------------------------------------------------------------------------
// Messages and Durable Functions (src/platform/settings.ts)
// ---------------------------------------------------------------------------------------------------------

@description('QUEUE_NOTIFICATIONS: queue of Amazon notifications received on the HTTPS endpoint.')
param queueNotifications string = 'amazon-notifications'

@description('QUEUE_ORDER_IMPORT: queue of order imports.')
param queueOrderImport string = 'order-import'

@description('QUEUE_D365_EVENTS: queue of D365 business events.')
param queueD365Events string = 'd365-events'

@description('QUEUE_FULFILLMENT: queue of fulfillment requests (MCF orders to send or follow, FBM shipments to confirm).')
param queueFulfillment string = 'fulfillment-requests'

@description('QUEUE_PRODUCTS: queue of product publish batches and listing changes Amazon notified.')
param queueProducts string = 'product-publish'

@description('QUEUE_RETURN_IMPORT: queue of return imports (one message per Amazon return).')
param queueReturnImport string = 'return-import'
@description('QUEUE_INVENTORY: queue of inventory work (pushes and FBA reconciliations asked for over HTTP, D365 inventory events, replays of refused SKUs).')
param queueInventory string = 'inventory-sync'

@description('QUEUE_JOBS: queue of jobs that HTTP calls start and answer 202 for (GET /api/jobs/{id}).')
param queueJobs string = 'jobs'

@description('QUEUE_MAX_DELIVERY_COUNT: delivery attempts before a message is dead-lettered (the queues\' maxDeliveryCount); failures that may pass are retried by scheduled copies (QUEUE_RETRY_*), so this counts crashes.')
@minValue(1)
@maxValue(2000)
param queueMaxDeliveryCount int = 10

@description('Give the app\'s identity Azure Service Bus Data Owner on each of its queues (not on the namespace): Flex Consumption needs this Manage right to read queue lengths and scale on them (target-based scaling); /api/status then shows queue lengths. false: Data Sender and Receiver only (docs/deploy.md, "Service Bus rights").')
param serviceBusQueueOwner bool = true

@description('Lock duration of the queues (ISO 8601, at most PT5M); the host renews the lock while a function runs.')
param queueLockDuration string = 'PT1M'

@description('Duplicate detection window of the queues (ISO 8601); fixed once a queue exists.')
param queueDuplicateDetectionWindow string = 'PT10M'

@description('DURABLE_TASK_HUB: Durable Functions task hub name (letters and digits); use one per environment that shares a storage account.')
param durableTaskHub string = 'AmazonConnect'

@description('STATE_TABLE_PREFIX: prefix of the tables and blob containers the app creates (letters and digits).')
param stateTablePrefix string = 'amz'

// ---------------------------------------------------------------------------------------------------------
// Flows (src/flows/*/settings.ts)
// ---------------------------------------------------------------------------------------------------------

@description('ORDERS_CATCHUP_SCHEDULE: when the order catch-up timer runs (six-field NCRONTAB, UTC).')
param ordersCatchupSchedule string = '0 */5 * * * *'

@description('SETTLEMENTS_POLL_SCHEDULE: when the app lists new settlement reports (six-field NCRONTAB, UTC).')
param settlementsPollSchedule string = '0 15 */4 * * *'

@description('SETTLEMENT_REQUIRE_APPROVAL: wait for finance\'s approval before creating a settlement journal in D365.')
param settlementRequireApproval bool = false

@description('SETTLEMENT_JOURNAL_NAME: D365 journal name of settlement journals (Daily, voucher series, number allocation at posting, no offset account; docs/settlements.md).')
param settlementJournalName string = 'GenJrn'

@description('FULFILLMENT_CATCHUP_SCHEDULE: when the safety net looks for ready MCF orders and posted FBM packing slips in D365 (six-field NCRONTAB, UTC).')
param fulfillmentCatchupSchedule string = '0 */15 * * * *'

@description('MCF_MONITOR_SCHEDULE: when the monitor follows the MCF orders Amazon has (six-field NCRONTAB, UTC).')
param mcfMonitorSchedule string = '0 */5 * * * *'

@description('SETTLEMENT_CLOSED_PERIOD: a voucher dated in a closed or on-hold ledger period stops as needs-attention, or is dated in the next open period.')
@allowed([
  'needs-attention'
  'next-open-period'
])
param settlementClosedPeriod string = 'needs-attention'

@description('PRODUCTS_SYNC_SCHEDULE: when the products sync compares D365\'s released products with the listings (six-field NCRONTAB, UTC).')
param productsSyncSchedule string = '0 10,40 * * * *'

@description('PRODUCTS_PREVIEW: always (every listing write is first sent with VALIDATION_PREVIEW) or new-listings (only new listings; patches such as prices go straight).')
@allowed([
  'always'
  'new-listings'
])
param productsPreview string = 'always'

@description('RETURNS_SYNC_SCHEDULE: when the daily returns sync runs (six-field NCRONTAB, UTC).')
param returnsSyncSchedule string = '0 30 3 * * *'

@description('RETURNS_REVIEW_AFTER_DAYS: a return without a refund, or a refund without a return, is listed for review after this many days.')
@minValue(0)
@maxValue(365)
param returnsReviewAfterDays int = 14
@description('INVENTORY_PUSH_SCHEDULE: when the FBM push sends changed D365 quantities to Amazon (six-field NCRONTAB, UTC).')
param inventoryPushSchedule string = '0 */15 * * * *'

@description('INVENTORY_FBA_SCHEDULE: when Amazon\'s FBA stock is reconciled with D365 (six-field NCRONTAB, UTC).')
param inventoryFbaSchedule string = '0 30 * * * *'

@description('INVENTORY_D365_EVENT_IDS: D365 business event ids (comma-separated) that mean on-hand changed; empty: only the timer pushes.')
param inventoryD365EventIds string = ''

// ---------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------

var baseName = toLower(appName)
var token = toLower(uniqueString(subscription().id, resourceGroup().id, baseName))
var compactName = replace(baseName, '-', '')
var functionAppName = 'func-${baseName}-${token}'
var deploymentContainerName = 'app-package-${take(baseName, 32)}-${take(token, 7)}'
// Key Vault names are global and stay taken for 90 days after a delete (purge protection): a seed the admin can
// change gives a new name (docs/deploy.md, "Deploying again after deleting the resource group"). At most 9
// characters of the base name, so the 13-character suffix always fits in the 24 a vault name may have.
var keyVaultToken = empty(keyVaultNameSeed) ? token : toLower(uniqueString(subscription().id, resourceGroup().id, baseName, keyVaultNameSeed))
var keyVaultName = 'kv${take(compactName, 9)}${keyVaultToken}'

// The queues Service Bus creates; the QUEUE_* app settings below name the same parameters.
var serviceBusQueueNames = [
  queueNotifications
  queueOrderImport
  queueD365Events
  queueFulfillment
  queueProducts
  queueReturnImport
  queueInventory
  queueJobs
]

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: 'log-${baseName}-${token}'
    appInsightsName: 'appi-${baseName}-${token}'
    retentionInDays: logRetentionInDays
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    storageAccountName: take('st${compactName}${token}', 24)
    deploymentContainerName: deploymentContainerName
    tags: tags
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    location: location
    namespaceName: 'sb-${baseName}-${token}'
    queueNames: serviceBusQueueNames
    maxDeliveryCount: queueMaxDeliveryCount
    lockDuration: queueLockDuration
    duplicateDetectionWindow: queueDuplicateDetectionWindow
    allowLocalAuth: enableD365BusinessEvents
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    keyVaultName: keyVaultName
    tags: tags
  }
}

module businessEvents 'modules/businessevents.bicep' = if (enableD365BusinessEvents) {
  name: 'businessevents'
  params: {
    serviceBusNamespaceName: serviceBus.outputs.name
    queueName: queueD365Events
    keyVaultName: keyVault.outputs.name
    d365EventsPrincipalId: d365BusinessEventsPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    functionAppName: functionAppName
    planName: 'plan-${baseName}-${token}'
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    tags: tags
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusQueueNames: serviceBusQueueNames
    serviceBusQueueOwner: serviceBusQueueOwner
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultAdminPrincipalId: keyVaultAdminPrincipalId
    keyVaultAdminPrincipalType: keyVaultAdminPrincipalType
  }
}

module alerts 'modules/alerts.bicep' = if (enableAlerts) {
  name: 'alerts'
  params: {
    location: location
    namePrefix: baseName
    serviceBusNamespaceId: serviceBus.outputs.id
    workspaceId: monitoring.outputs.workspaceId
    alertEventNames: alertEventNames
    alertEmail: alertEmail
    tags: tags
  }
}

module workbook 'modules/workbook.bicep' = if (enableWorkbook) {
  name: 'workbook'
  params: {
    location: location
    displayName: 'd365-amazon-connect (${baseName})'
    workspaceId: monitoring.outputs.workspaceId
    tags: tags
  }
}

// ---------------------------------------------------------------------------------------------------------
// App settings. Names as in src/**/settings.ts. No secret values: the app reads its secrets from KEY_VAULT_URI
// with its managed identity (secret names in modules/keyvault.bicep).
// ---------------------------------------------------------------------------------------------------------

var appSettings = {
  // Functions host storage (Durable Functions task hub, timer leases) through the managed identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  // Telemetry with Entra auth of the system-assigned identity (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'

  // Platform
  STORAGE_ACCOUNT_NAME: storage.outputs.name
  STATE_TABLE_PREFIX: stateTablePrefix
  KEY_VAULT_URI: keyVault.outputs.uri
  SECRET_CACHE_TTL_SECONDS: '300'
  ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  QUEUE_NOTIFICATIONS: queueNotifications
  QUEUE_ORDER_IMPORT: queueOrderImport
  QUEUE_D365_EVENTS: queueD365Events
  QUEUE_FULFILLMENT: queueFulfillment
  QUEUE_PRODUCTS: queueProducts
  QUEUE_RETURN_IMPORT: queueReturnImport
  QUEUE_INVENTORY: queueInventory
  QUEUE_MAX_DELIVERY_COUNT: string(queueMaxDeliveryCount)
  QUEUE_JOBS: queueJobs
  QUEUE_RETRY_MAX_ATTEMPTS: '30' // about 4 hours of retries at the delays below
  QUEUE_RETRY_BASE_DELAY_SECONDS: '10'
  QUEUE_RETRY_MAX_DELAY_SECONDS: '600'
  HTTP_JOB_WAIT_SECONDS: '10'
  NOTIFICATION_MAX_BODY_BYTES: '1048576'
  HEALTH_CACHE_SECONDS: '30'
  MAPPINGS_DIR: 'mappings'
  DURABLE_TASK_HUB: durableTaskHub

  // Dynamics 365 F&O
  D365_BASE_URL: d365BaseUrl
  D365_AUTH_MODE: d365AuthMode
  D365_TENANT_ID: d365TenantId
  D365_CLIENT_ID: d365ClientId
  D365_COMPANY: d365Company
  D365_BATCH_SIZE: '100'
  D365_TIMEOUT_MS: '60000'
  D365_MAX_RETRIES: '5'
  D365_DMF_SOURCE_FORMAT: 'CSV-Unicode'
  D365_DMF_FILE_ENCODING: 'auto'
  D365_DMF_PACKAGE_TEMPLATE: '' // or the data project's exported package shipped with the app, e.g. 'mappings/dmf/General journal.zip'

  // Amazon SP-API
  SPAPI_REGION: spapiRegion
  SPAPI_SELLER_ID: spapiSellerId
  SPAPI_MARKETPLACE_IDS: join(spapiMarketplaceIds, ',')
  SPAPI_LWA_CLIENT_ID: spapiLwaClientId
  SPAPI_MAX_RETRIES: '3'
  SPAPI_USE_RDT: spapiUseRdt ? 'true' : 'false'
  SPAPI_ORDERS_API: 'v0' // or '2026-01-01': Orders v0 getOrders/getOrder/getOrderItems retire 27 Mar 2027
  SPAPI_MCF_API: '2020-07-01' // or '2026-07-04' (Fulfillment Outbound; MCF returns stay on 2020-07-01)

  // Orders
  ORDERS_CATCHUP_SCHEDULE: ordersCatchupSchedule
  ORDERS_CATCHUP_OVERLAP_MINUTES: '10'
  ORDERS_INITIAL_LOOKBACK_DAYS: '3'
  ORDERS_BULK_MIN_ORDERS: '20'
  ORDERS_BULK_GROUP_SIZE: '100'
  ORDERS_SWEEP_AFTER_MINUTES: '30'

  // Settlements
  SETTLEMENTS_POLL_SCHEDULE: settlementsPollSchedule
  SETTLEMENT_REQUIRE_APPROVAL: settlementRequireApproval ? 'true' : 'false'
  SETTLEMENT_JOURNAL_NAME: settlementJournalName
  SETTLEMENT_CLOSED_PERIOD: settlementClosedPeriod

  // Fulfillment (MCF and FBM shipment confirmation)
  FULFILLMENT_CATCHUP_SCHEDULE: fulfillmentCatchupSchedule
  MCF_MONITOR_SCHEDULE: mcfMonitorSchedule
  MCF_MONITOR_FIRST_CHECK_MINUTES: '5'
  MCF_MONITOR_MAX_INTERVAL_MINUTES: '360'

  // Products
  PRODUCTS_SYNC_SCHEDULE: productsSyncSchedule
  PRODUCTS_BATCH_SIZE: '20'
  PRODUCTS_PREVIEW: productsPreview
  PRODUCTS_DEFINITION_CACHE_HOURS: '24'
  PRODUCTS_REFRESH_HOURS: '24'

  // Returns
  RETURNS_SYNC_SCHEDULE: returnsSyncSchedule
  RETURNS_SOURCES: 'fba,fbm,mcf'
  RETURNS_INITIAL_LOOKBACK_DAYS: '30'
  RETURNS_OVERLAP_DAYS: '3'
  RETURNS_REFUND_LOOKBACK_DAYS: '30'
  RETURNS_REVIEW_AFTER_DAYS: string(returnsReviewAfterDays)
  RETURNS_ORDER_WAIT_MINUTES: '120'
  // Inventory
  INVENTORY_PUSH_SCHEDULE: inventoryPushSchedule
  INVENTORY_FBA_SCHEDULE: inventoryFbaSchedule
  INVENTORY_FEED_THRESHOLD: '20'
  INVENTORY_FEED_WAIT_SECONDS: '240'
  INVENTORY_FEED_POLL_SECONDS: '15'
  INVENTORY_D365_EVENT_IDS: inventoryD365EventIds
  INVENTORY_EVENT_DEBOUNCE_SECONDS: '60'
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// Applied after the role assignments, so that the host starts with access to storage, Service Bus and Key Vault.
resource siteAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, additionalAppSettings)
  dependsOn: [
    functionApp
    rbac
  ]
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
@description('Object id of the Function App identity. Its application (client) id, for F&O: az ad sp show --id <principalId> --query appId -o tsv')
output functionAppPrincipalId string = functionApp.outputs.principalId
output keyVaultName string = keyVault.outputs.name
output keyVaultUri string = keyVault.outputs.uri
output keyVaultSecretNames string[] = keyVault.outputs.secretNames
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output storageAccountName string = storage.outputs.name
output appInsightsName string = monitoring.outputs.appInsightsName
