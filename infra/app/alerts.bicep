// The action group the pipeline's alerts go to, and (optionally) the alert rules that feed it.
//
// The action group is created here with no receiver: the `alerts` function key its webhook needs only
// exists once the code is deployed, so the azd hook (infra/hooks/postdeploy.sh / .ps1, run after
// deploy and after provision) sets the webhook receiver. A re-provision puts the group back to no
// receiver until that hook runs again right after it.
//
// For every site in alertTargetSiteIds: the metric rules of "Troubleshoot HTTP 502/503 errors in Azure
// App Service" (memory, CPU, response time, requests, 5xx, health check) on the site, CpuPercentage and
// MemoryPercentage on its plan, and one Service Health rule (incidents) on this subscription, all on
// the action group. Stateful rules (autoMitigate), so Resolved notifications reach the pipeline too.
// Shapes: Microsoft.Insights metricAlerts 2018-03-01 (metricAlert_API.json), activityLogAlerts 2020-10-01,
// actionGroups 2023-01-01 (Azure/azure-rest-api-specs, specification/monitor).
param tags object

@maxLength(12)
@description('Short name of the action group (shown in SMS and mail; at most 12 characters).')
param actionGroupShortName string

param actionGroupName string

@description('Resource ids of App Service sites (/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}) to create the alert rules on.')
param alertTargetSiteIds array

@description('Create the Service Health alert rule (incidents in this subscription) on the action group.')
param serviceHealthAlertEnabled bool

@description('Thresholds of the rules, each over a 5-minute window evaluated every minute.')
param thresholds {
  @description('Http5xx, Total: more server errors than this.')
  http5xx: int
  @description('MemoryWorkingSet, Average, bytes: a working set above this.')
  memoryWorkingSetBytes: int
  @description('HealthCheckStatus, Average, percent of healthy instances: below this.')
  healthCheckStatusPercent: int
  @description('CpuTime, Total, seconds: more CPU time than this (300 is one core busy for the whole window).')
  cpuTimeSeconds: int
  @description('HttpResponseTime, Average, seconds: slower than this.')
  httpResponseTimeSeconds: int
  @description('Requests, Total: more requests than this.')
  requests: int
  @description('Plan CpuPercentage, Average: above this (PolicyOptions.CpuHighPercent is 80).')
  planCpuPercent: int
  @description('Plan MemoryPercentage, Average: above this (PolicyOptions.MemoryHighPercent is 85).')
  planMemoryPercent: int
}

var siteCriteria = [
  { metric: 'Http5xx', operator: 'GreaterThan', threshold: thresholds.http5xx, aggregation: 'Total', severity: 1 }
  { metric: 'MemoryWorkingSet', operator: 'GreaterThan', threshold: thresholds.memoryWorkingSetBytes, aggregation: 'Average', severity: 2 }
  { metric: 'HealthCheckStatus', operator: 'LessThan', threshold: thresholds.healthCheckStatusPercent, aggregation: 'Average', severity: 1 }
  { metric: 'CpuTime', operator: 'GreaterThan', threshold: thresholds.cpuTimeSeconds, aggregation: 'Total', severity: 2 }
  { metric: 'HttpResponseTime', operator: 'GreaterThan', threshold: thresholds.httpResponseTimeSeconds, aggregation: 'Average', severity: 2 }
  { metric: 'Requests', operator: 'GreaterThan', threshold: thresholds.requests, aggregation: 'Total', severity: 3 }
]

var planCriteria = [
  { metric: 'CpuPercentage', operator: 'GreaterThan', threshold: thresholds.planCpuPercent, aggregation: 'Average', severity: 2 }
  { metric: 'MemoryPercentage', operator: 'GreaterThan', threshold: thresholds.planMemoryPercent, aggregation: 'Average', severity: 2 }
]

// One entry per (site, rule): Bicep loops do not nest, so the pairs are built first.
var siteRules = flatten(map(range(0, length(alertTargetSiteIds)), i => map(siteCriteria, c => union(c, { site: i }))))
var planRules = flatten(map(range(0, length(alertTargetSiteIds)), i => map(planCriteria, c => union(c, { site: i }))))

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
  }
}

// The sites, read where they live, for their plan ids.
resource targetSites 'Microsoft.Web/sites@2024-04-01' existing = [for id in alertTargetSiteIds: {
  name: last(split(id, '/'))
  scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
}]

resource siteAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for rule in siteRules: {
  name: '${last(split(alertTargetSiteIds[rule.site], '/'))}-${rule.metric}-${take(uniqueString(alertTargetSiteIds[rule.site]), 6)}'
  location: 'global'
  tags: tags
  properties: {
    description: '${rule.metric} of ${last(split(alertTargetSiteIds[rule.site], '/'))}: ${rule.aggregation} ${rule.operator} ${rule.threshold} over 5 minutes (AutoRemediate).'
    severity: rule.severity
    enabled: true
    scopes: [alertTargetSiteIds[rule.site]]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: rule.metric
          metricNamespace: 'Microsoft.Web/sites'
          metricName: rule.metric
          operator: rule.operator
          threshold: rule.threshold
          timeAggregation: rule.aggregation
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}]

// A plan shared by two target sites gets its rules once per site (a rule's name cannot depend on the
// plan id, which is only known when the site is read); the pipeline folds repeats into one incident.
resource planAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for rule in planRules: {
  name: '${last(split(alertTargetSiteIds[rule.site], '/'))}-plan-${rule.metric}-${take(uniqueString(alertTargetSiteIds[rule.site]), 6)}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Plan ${rule.metric} of ${last(split(alertTargetSiteIds[rule.site], '/'))}: ${rule.aggregation} ${rule.operator} ${rule.threshold} over 5 minutes (AutoRemediate).'
    severity: rule.severity
    enabled: true
    scopes: [targetSites[rule.site].properties.serverFarmId]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: rule.metric
          metricNamespace: 'Microsoft.Web/serverfarms'
          metricName: rule.metric
          operator: rule.operator
          threshold: rule.threshold
          timeAggregation: rule.aggregation
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}]

// Service Health incidents in this subscription, so the platform check knows about Azure incidents.
resource serviceHealth 'Microsoft.Insights/activityLogAlerts@2020-10-01' = if (serviceHealthAlertEnabled) {
  name: '${actionGroupName}-service-health'
  location: 'global'
  tags: tags
  properties: {
    description: 'Azure Service Health incidents in this subscription (AutoRemediate platform check).'
    enabled: true
    scopes: [subscription().id]
    condition: {
      allOf: [
        { field: 'category', equals: 'ServiceHealth' }
        { field: 'properties.incidentType', equals: 'Incident' }
      ]
    }
    actions: {
      actionGroups: [{ actionGroupId: actionGroup.id }]
    }
  }
}

output actionGroupId string = actionGroup.id
output actionGroupName string = actionGroup.name
