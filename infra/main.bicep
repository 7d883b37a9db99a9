// AutoRemediate: the Function App, its identity-only storage, monitoring, and a managed identity.
// Deployed by `azd up` (azure.yaml at the repository root). Plain resources only, no public
// registry modules, so it compiles offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to name and tag every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource: one where the Flex Consumption plan is offered.')
// Flex Consumption regions as Microsoft's Flex + Durable azd template lists them
// (Azure-Samples/durable-functions-quickstart-dotnet-azd infra/main.bicep, less the eastus2euap canary).
// The live list: `az functionapp list-flexconsumption-locations`
// (https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#view-currently-supported-regions).
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user (or service principal), granted data access to the storage account for local debugging against Azure, never a read of the dumps. Empty to skip.')
param principalId string = ''

@description('Largest alert or event body the pipeline accepts, in bytes (Ingest__MaxBodyBytes).')
param ingestMaxBodyBytes int = 1048576

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    deploymentContainerName: 'app-package-${resourceToken}'
    retainedContainerNames: [dumpsContainerName, evidenceContainerName]
    dumpRetentionDays: dumpRetentionDays
    vnetEnabled: vnetEnabled
  }
}

// ---- Issue 14, part 2: mail in Azure (Azure Communication Services Email) -------------------------
// AcsEmail (default): an email service with an Azure-managed domain, a communication service linked to
// it, the Function App's identity allowed to send, and the Mail__* app settings that point the pipeline
// at it. Smtp: none of that; set Mail__Host/Port/UseTls/UserName/From/PublicBaseUrl yourself and
// Mail__Password as a Key Vault reference (README "Mail in Azure").
@allowed(['AcsEmail', 'Smtp'])
@description('How approval mail goes out: AcsEmail (Azure Communication Services Email, deployed here) or Smtp (your relay, configured by hand).')
param mailProvider string = 'AcsEmail'

@description('Where Communication Services keeps its data at rest (AcsEmail), for example United States or Europe.')
param mailDataLocation string = 'United States'

var mailWithAcs = mailProvider == 'AcsEmail'

module mail 'app/mail.bicep' = if (mailWithAcs) {
  name: 'mail'
  scope: rg
  params: {
    tags: tags
    emailServiceName: 'ecs-${resourceToken}'
    communicationServiceName: 'acs-${resourceToken}'
    dataLocation: mailDataLocation
  }
}

module mailRole 'app/mail-role.bicep' = if (mailWithAcs) {
  name: 'mail-role'
  scope: rg
  params: {
    communicationServiceName: mail!.outputs.communicationServiceName
    identityPrincipalId: api.outputs.identityPrincipalId
  }
}

// Approval links are built on the app's own address; it is the api module's functionAppName on the
// default *.azurewebsites.net host (api.bicep sets no unique-hostname scope).
var mailAppSettings = mailWithAcs ? [
  { name: 'Mail__Provider', value: 'AcsEmail' }
  { name: 'Mail__AcsEndpoint', value: mail!.outputs.endpoint }
  { name: 'Mail__From', value: mail!.outputs.senderAddress }
  { name: 'Mail__PublicBaseUrl', value: 'https://${abbrs.webSitesFunctions}api-${resourceToken}.azurewebsites.net/' }
] : []
// ---- end of issue 14 part 2 ------------------------------------------------------------------------

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    location: location
    tags: tags
    functionAppName: '${abbrs.webSitesFunctions}api-${resourceToken}'
    planName: '${abbrs.webServerFarms}${resourceToken}'
    identityName: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    ingestMaxBodyBytes: ingestMaxBodyBytes
    virtualNetworkSubnetId: vnetEnabled ? vnet!.outputs.appSubnetId : ''
    mailAppSettings: mailAppSettings // issue 14 part 2 (mail block above)
    operatorSettings: union(operatorSettings, approvalTimeoutSettings)
    operatorLists: operatorLists
    operatorListMaps: operatorListMaps
    policyFreezeWindows: empty(policyFreezeWindows) ? [] : json(policyFreezeWindows)
    mailPassword: mailPassword
    pageAuthCookieKey: pageAuthCookieKey
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityPrincipalId: api.outputs.identityPrincipalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    dumpsContainerName: dumpsContainerName
  }
}

// ---- Issue 14 (infra): alerts wiring, least-privilege role, storage hygiene, optional VNet -------------

@allowed(['User', 'ServicePrincipal'])
@description('Type of principalId: ServicePrincipal when a pipeline (not a person) runs azd up.')
param principalType string = 'User'

@description('Resource ids of the resource groups holding the apps to remediate (/subscriptions/{sub}/resourceGroups/{rg}); the pipeline identity gets the AutoRemediate custom role on each.')
param targetResourceGroups array = []

@description('Resource ids of App Service sites to create the alert rules on (Http5xx, MemoryWorkingSet, HealthCheckStatus, CpuTime, HttpResponseTime, Requests; plan CpuPercentage, MemoryPercentage). Empty: no metric rules.')
param alertTargetSiteIds array = []

@description('Create a Service Health (incidents) alert rule on this subscription, on the pipeline\'s action group.')
param serviceHealthAlertEnabled bool = true

@description('Alert thresholds as JSON overriding any of the defaults (5-minute window, evaluated every minute; see infra/app/alerts.bicep), for example {"http5xx": 20}. Empty: the defaults.')
param alertThresholds string = ''

var defaultAlertThresholds = {
  http5xx: 10
  memoryWorkingSetBytes: 1610612736
  healthCheckStatusPercent: 100
  cpuTimeSeconds: 240
  httpResponseTimeSeconds: 5
  requests: 10000
  planCpuPercent: 80
  planMemoryPercent: 85
}
var thresholds = union(defaultAlertThresholds, empty(alertThresholds) ? {} : json(alertThresholds))

@minValue(1)
@maxValue(3650)
@description('Days after which the storage lifecycle policy deletes dump and evidence blobs.')
param dumpRetentionDays int = 30

@description('Put storage behind private endpoints (blob, queue, table) in a new VNet, with the Function App integrated into it.')
param vnetEnabled bool = false

// The dumps and evidence container names: EvidenceOptions' defaults.
var dumpsContainerName = 'dumps'
var evidenceContainerName = 'evidence'

module role 'app/role.bicep' = {
  name: 'role'
  params: {
    environmentName: environmentName
    assignableResourceGroupIds: targetResourceGroups
  }
}

module roleAssignments 'app/role-assignment.bicep' = [for id in targetResourceGroups: {
  name: 'role-${uniqueString(id)}'
  scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
  params: {
    roleDefinitionId: role.outputs.roleDefinitionId
    principalId: api.outputs.identityPrincipalId
  }
}]

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    tags: tags
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    actionGroupShortName: 'autoremed'
    alertTargetSiteIds: alertTargetSiteIds
    serviceHealthAlertEnabled: serviceHealthAlertEnabled
    thresholds: {
      http5xx: thresholds.http5xx
      memoryWorkingSetBytes: thresholds.memoryWorkingSetBytes
      healthCheckStatusPercent: thresholds.healthCheckStatusPercent
      cpuTimeSeconds: thresholds.cpuTimeSeconds
      httpResponseTimeSeconds: thresholds.httpResponseTimeSeconds
      requests: thresholds.requests
      planCpuPercent: thresholds.planCpuPercent
      planMemoryPercent: thresholds.planMemoryPercent
    }
  }
}

module vnet 'core/vnet.bicep' = if (vnetEnabled) {
  name: 'vnet'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.networkVirtualNetworks}${resourceToken}'
  }
}

module storagePrivateEndpoints 'core/storage-private-endpoints.bicep' = if (vnetEnabled) {
  name: 'storage-private-endpoints'
  scope: rg
  params: {
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    vnetName: vnet!.outputs.vnetName
    subnetId: vnet!.outputs.privateEndpointSubnetId
  }
}

// Read by the postdeploy / postprovision hook (infra/hooks) to set the action group's webhook.
output AZURE_ACTION_GROUP_ID string = alerts.outputs.actionGroupId
output AZURE_ACTION_GROUP_SHORT_NAME string = 'autoremed'
output AZURE_REMEDIATOR_ROLE_ID string = role.outputs.roleDefinitionId

// ---- end of issue 14 (infra) -------------------------------------------------------------------------

// ---- Issue 14 point 3: operator settings (README "Configuration" / "Settings in Azure") ----
// Every operator setting is a parameter fed from main.parameters.json (${AZURE_…=}), so `azd env set
// AZURE_POLICY_DRY_RUN true` + `azd provision` keeps it across re-provisioning. Empty means "not deployed":
// the code default applies. Lists are comma-separated strings deployed as Name__0, Name__1, … (the .NET
// configuration array form); dictionaries of lists and the freeze windows are JSON strings.
// (The mail helper's ACS mail settings go in their own block below this one.)
@description('Scope:AllowedSubscriptions: Subscription ids the pipeline may act in. Comma-separated; deployed as Scope__AllowedSubscriptions__0, __1, ... Empty: the code default.')
param scopeAllowedSubscriptions string = ''

@description('Scope:AllowedResourceGroups: Resource group ids (/subscriptions/{id}/resourceGroups/{name}) the pipeline may act in. Comma-separated; deployed as Scope__AllowedResourceGroups__0, __1, ... Empty: the code default.')
param scopeAllowedResourceGroups string = ''

@description('Scope:AllowedResourceIds: App Service app, slot or plan ids the pipeline may act on. Comma-separated; deployed as Scope__AllowedResourceIds__0, __1, ... Empty: the code default.')
param scopeAllowedResourceIds string = ''

@description('Approvers:Default: Approver email addresses for any app. Comma-separated; deployed as Approvers__Default__0, __1, ... Empty: the code default.')
param approversDefault string = ''

@description('Policy:MemoryHighPercent: Memory percentage above which the app is considered under memory pressure. Empty: the code default.')
param policyMemoryHighPercent string = ''

@description('Policy:CpuHighPercent: CPU percentage above which the app is considered under CPU pressure. Empty: the code default.')
param policyCpuHighPercent string = ''

@description('Policy:HttpQueueHigh: HTTP queue length considered high. Empty: the code default.')
param policyHttpQueueHigh string = ''

@description('Policy:CrashRestartsHigh: Crash restarts considered a crash loop. Empty: the code default.')
param policyCrashRestartsHigh string = ''

@description('Policy:Cooldown: Time after an action before another on the same app (TimeSpan). Empty: the code default.')
param policyCooldown string = ''

@description('Policy:MaxActionsPerAppPerDay: Most actions per app per day. Empty: the code default.')
param policyMaxActionsPerAppPerDay string = ''

@description('Policy:RecurrenceAfterRestarts: Restarts within the recurrence period after which the incident is recurring. Empty: the code default.')
param policyRecurrenceAfterRestarts string = ''

@description('Policy:RecurrencePeriod: Recurrence period (TimeSpan). Empty: the code default.')
param policyRecurrencePeriod string = ''

@description('Policy:MaxConcurrentActions: Most actions running at once across the fleet. Empty: the code default.')
param policyMaxConcurrentActions string = ''

@description('Policy:FleetBreakerApps: Apps alerting within the fleet window that trip the fleet breaker. Empty: the code default.')
param policyFleetBreakerApps string = ''

@description('Policy:FleetWindow: Fleet breaker window (TimeSpan). Empty: the code default.')
param policyFleetWindow string = ''

@description('Policy:ServiceHealthNoticeMaxAge: How long a Service Health notice counts (TimeSpan). Empty: the code default.')
param policyServiceHealthNoticeMaxAge string = ''

@description('Policy:MaxInstanceCount: Largest instance count a scale-out may set. Empty: the code default.')
param policyMaxInstanceCount string = ''

@description('Policy:DryRun: true: decide and record, but never act. Empty: the code default.')
param policyDryRun string = ''

@description('Policy:AllowedSkus: SKUs a scale-up may choose, smallest first. Comma-separated; deployed as Policy__AllowedSkus__0, __1, ... Empty: the code default.')
param policyAllowedSkus string = ''

@description('Policy:AutoApprovedPlans: Plans carried out without approval (e.g. RestartApp). Comma-separated; deployed as Policy__AutoApprovedPlans__0, __1, ... Empty: the code default.')
param policyAutoApprovedPlans string = ''

@description('Policy:LowRiskPlans: Plans considered low risk. Comma-separated; deployed as Policy__LowRiskPlans__0, __1, ... Empty: the code default.')
param policyLowRiskPlans string = ''

@description('Workflow:EscalationHold: How long a recurring or escalated app is held (TimeSpan). Empty: the code default.')
param workflowEscalationHold string = ''

@description('Workflow:DiagnosticsTimeout: Diagnostics budget (TimeSpan). Empty: the code default.')
param workflowDiagnosticsTimeout string = ''

@description('Workflow:MetricsLookback: Metrics look-back (TimeSpan). Empty: the code default.')
param workflowMetricsLookback string = ''

@description('Workflow:AutoApprove: true: every plan is auto-approved (not recommended). Empty: the code default.')
param workflowAutoApprove string = ''

@description('Workflow:ApprovalTimeout: How long an approval waits (TimeSpan). Empty: the code default.')
param workflowApprovalTimeout string = ''

@description('Workflow:ApprovalReminder: When a reminder mail goes out (TimeSpan). Empty: the code default.')
param workflowApprovalReminder string = ''

@description('Workflow:VerifyInterval: Health poll interval during verification (TimeSpan). Empty: the code default.')
param workflowVerifyInterval string = ''

@description('Workflow:VerifyHealthyFor: How long the app must stay healthy (TimeSpan). Empty: the code default.')
param workflowVerifyHealthyFor string = ''

@description('Workflow:VerifyDeadline: Verification deadline (TimeSpan). Empty: the code default.')
param workflowVerifyDeadline string = ''

@description('Workflow:MailRetryInterval: Interval between mail attempts (TimeSpan). Empty: the code default.')
param workflowMailRetryInterval string = ''

@description('Workflow:MailAttempts: Mail attempts before giving up. Empty: the code default.')
param workflowMailAttempts string = ''

@description('WebhookAuth:TenantId: Entra tenant whose tokens the webhooks require (with Audience). Empty: the code default.')
param webhookAuthTenantId string = ''

@description('WebhookAuth:Audience: Audience the webhook tokens must carry. Empty: the code default.')
param webhookAuthAudience string = ''

@description('WebhookAuth:AllowedCallerAppIds: App ids allowed to call the webhooks. Comma-separated; deployed as WebhookAuth__AllowedCallerAppIds__0, __1, ... Empty: the code default.')
param webhookAuthAllowedCallerAppIds string = ''

@description('WebhookAuth:RequiredRole: App role the webhook caller must hold. Empty: the code default.')
param webhookAuthRequiredRole string = ''

@description('WebhookAuth:Instance: Entra authority (sovereign clouds). Empty: the code default.')
param webhookAuthInstance string = ''

@description('DecisionAuth:TenantId: Entra tenant of the approvers\' tokens (with Audience). Empty: the code default.')
param decisionAuthTenantId string = ''

@description('DecisionAuth:Audience: Audience of the decision tokens. Empty: the code default.')
param decisionAuthAudience string = ''

@description('DecisionAuth:RequiredRole: App role an approver must hold. Empty: the code default.')
param decisionAuthRequiredRole string = ''

@description('DecisionAuth:Instance: Entra authority (sovereign clouds). Empty: the code default.')
param decisionAuthInstance string = ''

@description('PageAuth:TenantId: Entra tenant of the incident pages\' sign-in. Empty: the code default.')
param pageAuthTenantId string = ''

@description('PageAuth:ClientId: App registration (client id) of the incident pages\' sign-in. Empty: the code default.')
param pageAuthClientId string = ''

@description('PageAuth:AllowedRoles: App roles allowed to read the incident pages. Comma-separated; deployed as PageAuth__AllowedRoles__0, __1, ... Empty: the code default.')
param pageAuthAllowedRoles string = ''

@description('PageAuth:SessionLifetime: Incident page session lifetime (TimeSpan). Empty: the code default.')
param pageAuthSessionLifetime string = ''

@description('PageAuth:Instance: Entra authority (sovereign clouds). Empty: the code default.')
param pageAuthInstance string = ''

@description('Mail:Host: SMTP server (empty: no mail). Empty: the code default.')
param mailHost string = ''

@description('Mail:Port: SMTP port. Empty: the code default.')
param mailPort string = ''

@description('Mail:UseTls: SMTP TLS mode (None, StartTls, SslOnConnect). Empty: the code default.')
param mailUseTls string = ''

@description('Mail:UserName: SMTP user name (with Password). Empty: the code default.')
param mailUserName string = ''

@description('Mail:From: Sender address. Empty: the code default.')
param mailFrom string = ''

@description('Mail:PublicBaseUrl: Base URL of approval links (default: the Function App\'s own https address). Empty: the code default.')
param mailPublicBaseUrl string = ''

@description('Mail:Timeout: SMTP timeout (TimeSpan). Empty: the code default.')
param mailTimeout string = ''

@description('Retention:Schedule: Retention timer schedule (six-field CRON). Empty: the code default.')
param retentionSchedule string = ''

@description('Retention:MaxAge: Closed incidents older than this are deleted (TimeSpan). Empty: the code default.')
param retentionMaxAge string = ''

@description('Retention:MaxIncidentsPerPass: Most incidents deleted per pass. Empty: the code default.')
param retentionMaxIncidentsPerPass string = ''

@description('Ingest:MaxTargetsPerAlert: Most targets one alert may name. Empty: the code default.')
param ingestMaxTargetsPerAlert string = ''

@description('Ingest:MaxEventsPerDelivery: Most events one Event Grid delivery may carry. Empty: the code default.')
param ingestMaxEventsPerDelivery string = ''

@description('Ingest:DependencyTimeout: Budget for storage/backend calls while ingesting (TimeSpan). Empty: the code default.')
param ingestDependencyTimeout string = ''

@description('Evidence:DumpsEnabled: false: never capture memory dumps. Empty: the code default.')
param evidenceDumpsEnabled string = ''

@description('Evidence:MaxDumpBytes: Largest dump kept, in bytes. Empty: the code default.')
param evidenceMaxDumpBytes string = ''

@description('Evidence:DumpTimeBudget: Dump capture budget (TimeSpan). Empty: the code default.')
param evidenceDumpTimeBudget string = ''

@description('Approvers:ByResourceGroup: JSON object, resource group name → comma-separated approvers. Empty: none.')
param approversByResourceGroup string = ''

@description('Approvers:ByApp: JSON object, app name → comma-separated approvers. Empty: none.')
param approversByApp string = ''

@description('Workflow:ApprovalTimeouts: JSON object, plan → TimeSpan (e.g. {"ScaleUp": "02:00:00"}). Empty: none.')
param workflowApprovalTimeouts string = ''

@description('Policy:FreezeWindows: JSON array of {"name", "start", "end", "days": "Saturday,Sunday"}. Empty: none.')
param policyFreezeWindows string = ''

@secure()
@description('Mail:Password: SMTP password (with Mail:UserName). Secret: never an output.')
param mailPassword string = ''

@secure()
@description('PageAuth:CookieKey: base64 of 32+ random bytes sealing the session cookie of the incident pages. Secret: never an output.')
param pageAuthCookieKey string = ''

// The settings above as app setting name → value (scalars) and name → comma-separated list (lists).
var operatorSettings = {
  Policy__MemoryHighPercent: policyMemoryHighPercent
  Policy__CpuHighPercent: policyCpuHighPercent
  Policy__HttpQueueHigh: policyHttpQueueHigh
  Policy__CrashRestartsHigh: policyCrashRestartsHigh
  Policy__Cooldown: policyCooldown
  Policy__MaxActionsPerAppPerDay: policyMaxActionsPerAppPerDay
  Policy__RecurrenceAfterRestarts: policyRecurrenceAfterRestarts
  Policy__RecurrencePeriod: policyRecurrencePeriod
  Policy__MaxConcurrentActions: policyMaxConcurrentActions
  Policy__FleetBreakerApps: policyFleetBreakerApps
  Policy__FleetWindow: policyFleetWindow
  Policy__ServiceHealthNoticeMaxAge: policyServiceHealthNoticeMaxAge
  Policy__MaxInstanceCount: policyMaxInstanceCount
  Policy__DryRun: policyDryRun
  Workflow__EscalationHold: workflowEscalationHold
  Workflow__DiagnosticsTimeout: workflowDiagnosticsTimeout
  Workflow__MetricsLookback: workflowMetricsLookback
  Workflow__AutoApprove: workflowAutoApprove
  Workflow__ApprovalTimeout: workflowApprovalTimeout
  Workflow__ApprovalReminder: workflowApprovalReminder
  Workflow__VerifyInterval: workflowVerifyInterval
  Workflow__VerifyHealthyFor: workflowVerifyHealthyFor
  Workflow__VerifyDeadline: workflowVerifyDeadline
  Workflow__MailRetryInterval: workflowMailRetryInterval
  Workflow__MailAttempts: workflowMailAttempts
  WebhookAuth__TenantId: webhookAuthTenantId
  WebhookAuth__Audience: webhookAuthAudience
  WebhookAuth__RequiredRole: webhookAuthRequiredRole
  WebhookAuth__Instance: webhookAuthInstance
  DecisionAuth__TenantId: decisionAuthTenantId
  DecisionAuth__Audience: decisionAuthAudience
  DecisionAuth__RequiredRole: decisionAuthRequiredRole
  DecisionAuth__Instance: decisionAuthInstance
  PageAuth__TenantId: pageAuthTenantId
  PageAuth__ClientId: pageAuthClientId
  PageAuth__SessionLifetime: pageAuthSessionLifetime
  PageAuth__Instance: pageAuthInstance
  Mail__Host: mailHost
  Mail__Port: mailPort
  Mail__UseTls: mailUseTls
  Mail__UserName: mailUserName
  Mail__From: mailFrom
  Mail__PublicBaseUrl: mailPublicBaseUrl
  Mail__Timeout: mailTimeout
  Retention__Schedule: retentionSchedule
  Retention__MaxAge: retentionMaxAge
  Retention__MaxIncidentsPerPass: retentionMaxIncidentsPerPass
  Ingest__MaxTargetsPerAlert: ingestMaxTargetsPerAlert
  Ingest__MaxEventsPerDelivery: ingestMaxEventsPerDelivery
  Ingest__DependencyTimeout: ingestDependencyTimeout
  Evidence__DumpsEnabled: evidenceDumpsEnabled
  Evidence__MaxDumpBytes: evidenceMaxDumpBytes
  Evidence__DumpTimeBudget: evidenceDumpTimeBudget
}

var operatorLists = {
  Scope__AllowedSubscriptions: scopeAllowedSubscriptions
  Scope__AllowedResourceGroups: scopeAllowedResourceGroups
  Scope__AllowedResourceIds: scopeAllowedResourceIds
  Approvers__Default: approversDefault
  Policy__AllowedSkus: policyAllowedSkus
  Policy__AutoApprovedPlans: policyAutoApprovedPlans
  Policy__LowRiskPlans: policyLowRiskPlans
  WebhookAuth__AllowedCallerAppIds: webhookAuthAllowedCallerAppIds
  PageAuth__AllowedRoles: pageAuthAllowedRoles
}

var operatorListMaps = {
  Approvers__ByResourceGroup: empty(approversByResourceGroup) ? {} : json(approversByResourceGroup)
  Approvers__ByApp: empty(approversByApp) ? {} : json(approversByApp)
}

// Workflow:ApprovalTimeouts is a dictionary of scalars: one setting per plan.
var approvalTimeoutSettings = toObject(items(empty(workflowApprovalTimeouts) ? {} : json(workflowApprovalTimeouts)), e => 'Workflow__ApprovalTimeouts__${e.key}', e => e.value)
// ---- end of issue 14 point 3 ----

// ---- Issue 14 point 6: telemetry (README "Telemetry") ----
// App Insights already has local auth off (core/monitoring.bicep) and the identity holds Monitoring Metrics
// Publisher (app/rbac.bicep); the app authenticates with APPLICATIONINSIGHTS_AUTHENTICATION_STRING (api.bicep).
@description('Resource id of an action group that notifies people about failures of the pipeline itself. Empty: the alert rule has no action.')
param opsActionGroupId string = ''

module telemetry 'app/telemetry.bicep' = {
  name: 'telemetry'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    functionAppName: api.outputs.functionAppName
    opsActionGroupId: opsActionGroupId
  }
}
// ---- end of issue 14 point 6 ----

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.functionAppName
output AZURE_FUNCTION_URL string = api.outputs.defaultUrl
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_IDENTITY_CLIENT_ID string = api.outputs.identityClientId
output AZURE_MAIL_SENDER string = mailWithAcs ? mail!.outputs.senderAddress : ''

