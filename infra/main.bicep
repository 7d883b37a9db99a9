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

@description('Alert thresholds (5-minute window, evaluated every minute); see infra/app/alerts.bicep.')
param alertThresholds object = {
  http5xx: 10
  memoryWorkingSetBytes: 1610612736
  healthCheckStatusPercent: 100
  cpuTimeSeconds: 240
  httpResponseTimeSeconds: 5
  requests: 10000
  planCpuPercent: 80
  planMemoryPercent: 85
}

@minValue(1)
@maxValue(3650)
@description('Days after which the storage lifecycle policy deletes dump and evidence blobs.')
param dumpRetentionDays int = 30

@description('Put storage behind private endpoints (blob, queue, table) in a new VNet, with the Function App integrated into it.')
param vnetEnabled bool = false

// Evidence__DumpsContainer / Evidence__EvidenceContainer defaults (EvidenceOptions).
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
      http5xx: alertThresholds.http5xx
      memoryWorkingSetBytes: alertThresholds.memoryWorkingSetBytes
      healthCheckStatusPercent: alertThresholds.healthCheckStatusPercent
      cpuTimeSeconds: alertThresholds.cpuTimeSeconds
      httpResponseTimeSeconds: alertThresholds.httpResponseTimeSeconds
      requests: alertThresholds.requests
      planCpuPercent: alertThresholds.planCpuPercent
      planMemoryPercent: alertThresholds.planMemoryPercent
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

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.functionAppName
output AZURE_FUNCTION_URL string = api.outputs.defaultUrl
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_IDENTITY_CLIENT_ID string = api.outputs.identityClientId
output AZURE_MAIL_SENDER string = mailWithAcs ? mail!.outputs.senderAddress : ''

