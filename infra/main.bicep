// AutoRemediate: the Function App, its identity-only storage, monitoring, and a managed identity.
// Deployed by `azd up` (azure.yaml at the repository root). Plain resources only, no public
// registry modules, so it compiles offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to name and tag every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user, granted data access to the storage account for local debugging against Azure. Empty to skip.')
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
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.functionAppName
output AZURE_FUNCTION_URL string = api.outputs.defaultUrl
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_IDENTITY_CLIENT_ID string = api.outputs.identityClientId
output AZURE_MAIL_SENDER string = mailWithAcs ? mail!.outputs.senderAddress : ''

