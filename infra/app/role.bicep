// The pipeline's least-privilege custom role: exactly the ARM actions src/AutoRemediate.Core/Azure/*
// calls on target apps and plans (a test maps each route there to its action and compares this list).
// Action names: the Microsoft.Web, Microsoft.Insights, Microsoft.ResourceHealth and
// Microsoft.AlertsManagement resource provider operations
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/web-and-mobile,
// .../permissions/monitor, .../permissions/management-and-governance).
//
// Subscription scope: a custom role definition is a subscription-level resource
// (Microsoft.Authorization/roleDefinitions); its assignableScopes list the target resource groups, which
// may sit in other subscriptions of the tenant. The assignments themselves are made per resource group
// (role-assignment.bicep), so the identity holds nothing outside the groups it remediates.
targetScope = 'subscription'

@description('Name of the azd environment, to keep one role per environment (role names are unique in a tenant).')
param environmentName string

@description('Resource ids of the resource groups the role may be assigned on (/subscriptions/{sub}/resourceGroups/{rg}).')
param assignableResourceGroupIds array

var actions = [
  // GetSiteAsync, ListSlotsAsync (a slot id is a site too: sites/{app}/slots/{slot}).
  'Microsoft.Web/sites/read'
  'Microsoft.Web/sites/slots/read'
  // GetSiteConfigAsync: config/web (health check path, workers).
  'Microsoft.Web/sites/config/read'
  'Microsoft.Web/sites/slots/config/read'
  // ListInstancesAsync.
  'Microsoft.Web/sites/instances/read'
  'Microsoft.Web/sites/slots/instances/read'
  // ListProcessesAsync, GetProcessAsync (Kudu behind ARM, on one instance).
  'Microsoft.Web/sites/instances/processes/read'
  'Microsoft.Web/sites/slots/instances/processes/read'
  // GetProcessDumpAsync: GET .../processes/{pid}/dump. The published operations list names no dump
  // action; ARM names a GET by its path, so the dump is a read under the process: '*/read' covers it
  // (and nothing but reads under a process: modules, threads).
  'Microsoft.Web/sites/instances/processes/*/read'
  'Microsoft.Web/sites/slots/instances/processes/*/read'
  // KillProcessAsync: DELETE .../processes/{pid} (end one worker on one instance).
  'Microsoft.Web/sites/instances/processes/delete'
  'Microsoft.Web/sites/slots/instances/processes/delete'
  // RestartAsync.
  'Microsoft.Web/sites/restart/action'
  'Microsoft.Web/sites/slots/restart/action'
  // ListDetectorsAsync, RunDetectorAsync.
  'Microsoft.Web/sites/detectors/read'
  'Microsoft.Web/sites/slots/detectors/read'
  // GetPlanAsync, ListPlanSitesAsync.
  'Microsoft.Web/serverfarms/read'
  'Microsoft.Web/serverfarms/sites/read'
  // UpdatePlanSkuAsync: PATCH the plan (scale out / up), then follow its long-running operation.
  'Microsoft.Web/serverfarms/write'
  'Microsoft.Web/serverfarms/operationresults/read'
  // MetricsClient: site and plan metrics.
  'Microsoft.Insights/metrics/read'
  // AutoscaleClient: autoscale settings of the plan's resource group.
  'Microsoft.Insights/autoscalesettings/read'
  // ResourceHealthClient: availabilityStatuses/current.
  'Microsoft.ResourceHealth/availabilityStatuses/read'
  // AlertsClient: the alert's monitorCondition (Fired / Resolved).
  'Microsoft.AlertsManagement/alerts/read'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'autoremediate-remediator')
  properties: {
    roleName: 'AutoRemediate remediator (${environmentName})'
    description: 'What the AutoRemediate pipeline calls on App Service apps and plans: read, processes and dumps, restart, end a process, scale the plan, metrics, autoscale and Resource Health reads, alert state.'
    type: 'customRole'
    permissions: [
      {
        actions: actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: union([subscription().id], assignableResourceGroupIds)
  }
}

output roleDefinitionId string = role.id
