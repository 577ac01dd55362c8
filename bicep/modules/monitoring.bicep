// Log Analytics workspace and a workspace-based Application Insights component that accepts only
// Entra-authenticated telemetry (disableLocalAuth): the app sends with its managed identity.

@description('Azure region of the resources.')
param location string

@description('Name of the Log Analytics workspace.')
param workspaceName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Days that logs are kept in the workspace.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Tags for every resource.')
param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Only Entra-authenticated ingestion (the app's identity holds Monitoring Metrics Publisher).
    DisableLocalAuth: true
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
// The connection string holds only the ingestion endpoint and instrumentation key, which is an id, not a
// credential once local auth is disabled.
output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
