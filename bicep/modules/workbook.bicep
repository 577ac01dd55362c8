// Azure Monitor workbook over the Log Analytics workspace behind Application Insights: the app's events
// (JSON log lines with an "event" field, src/platform/telemetry.ts), its metrics, function executions and
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
