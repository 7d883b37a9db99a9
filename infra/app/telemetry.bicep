// Issue 14 point 6: an alert on the pipeline's own failures. A log search alert rule (scheduledQueryRules,
// API 2021-08-01, the GA version in the ARM template reference for Microsoft.Insights/scheduledQueryRules) on
// the Application Insights component, counting failed requests, exceptions and error-level traces (failed
// activities and orchestrations log at Error) of the pipeline. Sent to an action group that notifies people
// (opsActionGroupId): never the group whose webhook calls the pipeline itself.
param location string
param tags object
param applicationInsightsName string
param functionAppName string

@description('Action group the pipeline-failure alert notifies (resource id). Empty: the rule fires without actions (visible in Azure Monitor only).')
param opsActionGroupId string = ''

@description('Failures in the window above which the alert fires.')
param failureThreshold int = 0

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource pipelineFailures 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'AutoRemediate pipeline failures (${functionAppName})'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'AutoRemediate pipeline failures'
    description: 'Failed requests, exceptions or error logs of the AutoRemediate Function App itself (README "Telemetry").'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
union
  (requests | where success == false | project timestamp, cloud_RoleName),
  (exceptions | project timestamp, cloud_RoleName),
  (traces | where severityLevel >= 3 | project timestamp, cloud_RoleName)
'''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: failureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: empty(opsActionGroupId) ? [] : [opsActionGroupId]
    }
  }
}

output pipelineFailureAlertId string = pipelineFailures.id
