// Azure Monitor workbook over the Log Analytics workspace behind Application Insights: the app's events
// (JSON log lines with an "event" field, src/platform/telemetry.ts), the order and settlement outcomes, one
// order or settlement followed through its trace (docs/telemetry.md), metrics, function executions and
// failures, and exceptions.

@description('Azure region of the workbook.')
param location string

@description('Name shown in Azure Monitor > Workbooks.')
param displayName string

@description('Resource id of the Log Analytics workspace behind Application Insights.')
param workspaceId string

@description('Tags for every resource.')
param tags object = {}

// The app's JSON log lines, parsed once per query. Counts and sums over AppTraces, AppRequests and
// AppExceptions are exact because host.json excludes those types from sampling (Trace;Request;Exception).
var appLines = 'AppTraces | where Message startswith "{" | extend entry = parse_json(Message)'

// The events of the order and settlement paths and of messages that need a person (docs/telemetry.md).
var flowEvents = '\'order.imported\', \'order.needsMapping\', \'order.cancelAfterShipment\', \'settlement.started\', \'settlement.created\', \'settlement.posted\', \'settlement.verifyFailed\', \'settlement.needsAttention\', \'settlement.conflict\', \'settlement.duplicateJournal\', \'message.parked\', \'message.deadLettering\''

// The trace ids (W3C, src/platform/trace.ts) of the app's lines that mention the Key parameter.
var followTraces = 'let key = \'{Key}\'; let traces = ${appLines} | where isnotempty(key) and (Message has key or tostring(entry.traceId) == key) | where isnotempty(entry.traceId) | distinct traceId = tostring(entry.traceId);'

var content = {
  version: 'Notebook/1.0'
  items: [
    {
      type: 1
      name: 'title'
      content: {
        json: '## d365-amazon-connect\nEvents that need a person (parked or dead-lettered messages, orders that need a mapping), throughput and failures. Review records: `/api/status`, dead letters: `/api/deadletters`.'
      }
    }
    {
      type: 9
      name: 'parameters'
      content: {
        version: 'KqlParameterItem/1.0'
        parameters: [
          {
            id: 'time-range'
            version: 'KqlParameterItem/1.0'
            name: 'TimeRange'
            label: 'Time range'
            type: 4
            isRequired: true
            value: {
              durationMs: 86400000
            }
            typeSettings: {
              selectableValues: [
                {
                  durationMs: 3600000
                }
                {
                  durationMs: 86400000
                }
                {
                  durationMs: 604800000
                }
                {
                  durationMs: 2592000000
                }
              ]
            }
          }
          {
            id: 'key'
            version: 'KqlParameterItem/1.0'
            name: 'Key'
            label: 'Order, settlement, message or trace id'
            type: 1
            isRequired: false
            value: ''
          }
        ]
      }
    }
    {
      type: 3
      name: 'events-over-time'
      content: {
        version: 'KqlItem/1.0'
        title: 'Events of the app'
        query: '${appLines} | where isnotempty(entry.event) | summarize count() by event = tostring(entry.event), bin(TimeGenerated, {TimeRange:grain})'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'timechart'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'events-table'
      content: {
        version: 'KqlItem/1.0'
        title: 'Events by name'
        query: '${appLines} | where isnotempty(entry.event) | summarize count = count(), last = max(TimeGenerated) by event = tostring(entry.event) | order by count desc'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'table'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'outcomes'
      content: {
        version: 'KqlItem/1.0'
        title: 'Orders and settlements (order.imported by outcome, settlement results, messages that need a person)'
        query: '${appLines} | extend event = tostring(entry.event) | where event in (${flowEvents}) | summarize count = count(), last = max(TimeGenerated) by event, outcome = tostring(entry.outcome) | order by event asc, count desc'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'table'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'follow-one'
      content: {
        version: 'KqlItem/1.0'
        title: 'Follow one order or settlement: every step of the traces that mention the key (docs/telemetry.md)'
        query: '${followTraces} union (${appLines} | extend traceId = tostring(entry.traceId) | where traceId in (traces) | project TimeGenerated, traceId, function = OperationName, step = coalesce(tostring(entry.event), tostring(entry.message), tostring(entry.metric)), detail = Message), (AppRequests | where OperationId in (traces) | project TimeGenerated, traceId = OperationId, function = OperationName, step = iff(Success, \'execution succeeded\', \'execution failed\'), detail = strcat(tostring(DurationMs), \' ms\')) | order by TimeGenerated asc'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'table'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'metrics'
      content: {
        version: 'KqlItem/1.0'
        title: 'Metrics (SP-API calls and throttling, notifications, catch-up)'
        query: '${appLines} | where isnotempty(entry.metric) | summarize total = sum(todouble(entry.value)) by metric = tostring(entry.metric), bin(TimeGenerated, {TimeRange:grain})'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'timechart'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'functions'
      content: {
        version: 'KqlItem/1.0'
        title: 'Function executions'
        query: 'AppRequests | summarize executions = count(), failures = countif(Success == false), p95ms = percentile(DurationMs, 95) by function = OperationName | order by failures desc, executions desc'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'table'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
    {
      type: 3
      name: 'exceptions'
      content: {
        version: 'KqlItem/1.0'
        title: 'Exceptions'
        query: 'AppExceptions | summarize count = count(), last = max(TimeGenerated) by ProblemId, function = OperationName | top 20 by count desc'
        queryType: 0
        resourceType: 'microsoft.operationalinsights/workspaces'
        visualization: 'table'
        timeContextFromParameter: 'TimeRange'
        timeContext: {
          durationMs: 86400000
        }
      }
    }
  ]
  fallbackResourceIds: [
    workspaceId
  ]
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, workspaceId, 'd365-amazon-connect-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: workspaceId
    serializedData: string(content)
  }
}

output id string = workbook.id
