// Optional alerts: messages in any dead-letter queue, and the app's own events for work that needs a person
// (a parked message, a message being dead-lettered, an order that needs a mapping). Email goes to alertEmail
// when it is given.

@description('Azure region of the log alert.')
param location string

@description('Base name used in the alert names.')
param namePrefix string

@description('Resource id of the Service Bus namespace.')
param serviceBusNamespaceId string

@description('Resource id of the Log Analytics workspace behind Application Insights.')
param workspaceId string

@description('Names of the app\'s events (the "event" field of its JSON log lines) that raise an alert.')
param alertEventNames string[]

@description('Email address that receives the alerts; empty: alerts without notification.')
param alertEmail string = ''

@description('Tags for every resource.')
param tags object = {}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take('amzconnect', 12)
    enabled: true
    emailReceivers: [
      {
        name: 'admin'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroups = empty(alertEmail) ? [] : [actionGroup.id]

resource deadLetterAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'A message is in a Service Bus dead-letter queue: see the review records (/api/status) and replay after fixing the cause.'
    severity: 2
    enabled: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'deadLetteredMessages'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [
      for id in actionGroups: {
        actionGroupId: id
      }
    ]
  }
}

// The app writes each event as one JSON log line ({"event": "<name>", ...}, src/platform/telemetry.ts), which
// workspace-based Application Insights keeps in the AppTraces table. host.json excludes traces (with requests
// and exceptions) from adaptive sampling, so every event has its row and a count of rows is exact: a single
// parked message is never sampled away before the alert sees it (test/unit/bicep checks the two agree).
var eventList = join(map(alertEventNames, name => '\'${name}\''), ', ')

resource eventAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-${namePrefix}-needs-review'
  location: location
  tags: tags
  properties: {
    displayName: 'd365-amazon-connect: work needs review'
    description: 'The app parked or dead-lettered a message, or an order needs a mapping: a mapping or data problem needs a person (see /api/status and /api/deadletters).'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'AppTraces | where Message startswith \'{\' | extend appEvent = tostring(parse_json(Message).event) | where appEvent in (${eventList})'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}
