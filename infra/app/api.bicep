// The AutoRemediate Function App on the Flex Consumption plan (Linux, .NET 10 isolated), running as
// a user-assigned managed identity that reaches storage, Application Insights and Azure Resource
// Manager without any secret.
param location string
param tags object
param functionAppName string
param planName string
param identityName string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param ingestMaxBodyBytes int
@description('The Mail__* app settings of the mail block in main.bicep (issue 14 part 2); empty when mail is not deployed.')
param mailAppSettings array = []

@description('Subnet (delegated to Microsoft.App/environments) for VNet integration; empty for none.')
param virtualNetworkSubnetId string = ''

// Issue 14 point 3: the operator settings (README "Configuration"), passed down from main.bicep so that
// `azd env set` + `azd provision` keeps them (siteConfig.appSettings replaces every app setting on each
// deployment: a setting made by hand outside this template is lost on the next provision).
@description('Scalar operator settings: app setting name (for example Policy__DryRun) → value. Empty values are not deployed: the code default applies.')
param operatorSettings object = {}

@description('List operator settings: app setting name → comma-separated items, each deployed as name__0, name__1, … (the .NET configuration array form).')
param operatorLists object = {}

@description('Dictionary-of-list settings (Approvers__ByApp …): name → { key: comma-separated items }, deployed as name__key__0, name__key__1, ….')
param operatorListMaps object = {}

@description('Policy:FreezeWindows, each { name, start, end, days (comma-separated) }, deployed as Policy__FreezeWindows__i__….')
param policyFreezeWindows array = []

@secure()
@description('Mail:Password (SMTP). Empty: not deployed.')
param mailPassword string = ''

@secure()
@description('PageAuth:CookieKey. Empty: not deployed.')
param pageAuthCookieKey string = ''

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Flex Consumption VNet integration: outbound calls (storage private endpoints) leave through the subnet.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: 40
        // One always-ready instance for the durable group keeps orchestrations from idling out.
        alwaysReady: [
          { name: 'durable', instanceCount: 1 }
        ]
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // An operator's own value (azd env set) wins over a default of the base list or the mail module.
      appSettings: concat(filter(baseSettings, b => !contains(operatorNames, b.name)), operatorAppSettings, secretSettings, filter(mailAppSettings, m => !contains(operatorNames, m.name)))
    }
  }
}

var baseSettings = [
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  { name: 'Azure__Credential', value: 'ManagedIdentity' }
  { name: 'Azure__ManagedIdentityClientId', value: identity.properties.clientId }
  { name: 'Ingest__MaxBodyBytes', value: string(ingestMaxBodyBytes) }
  // The retention timer's schedule: its binding reads %Retention:Schedule%, so the setting must exist.
  { name: 'Retention__Schedule', value: '0 30 3 * * *' }
]

// A list item per app setting: trimmed, empty items dropped.
func itemsOf(text string) string[] => filter(map(split(text, ','), v => trim(v)), v => !empty(v))

// Operator values replace the base values above of the same name (Retention__Schedule, Ingest__MaxBodyBytes).
var scalarSettings = map(filter(items(operatorSettings), s => !empty(string(s.value))), s => { name: s.key, value: string(s.value) })
var listSettings = flatten(map(items(operatorLists), l => map(range(0, length(itemsOf(l.value))), i => { name: '${l.key}__${i}', value: itemsOf(l.value)[i] })))
var listMapSettings = flatten(flatten(map(items(operatorListMaps), m => map(items(m.value), e => map(range(0, length(itemsOf(e.value))), i => { name: '${m.key}__${e.key}__${i}', value: itemsOf(e.value)[i] })))))
var freezeSettings = flatten(map(range(0, length(policyFreezeWindows)), w => concat(
  [
    { name: 'Policy__FreezeWindows__${w}__Name', value: string(policyFreezeWindows[w].?name ?? 'freeze window') }
    { name: 'Policy__FreezeWindows__${w}__Start', value: string(policyFreezeWindows[w].start) }
    { name: 'Policy__FreezeWindows__${w}__End', value: string(policyFreezeWindows[w].end) }
  ],
  map(range(0, length(itemsOf(string(policyFreezeWindows[w].?days ?? '')))), d => { name: 'Policy__FreezeWindows__${w}__Days__${d}', value: itemsOf(string(policyFreezeWindows[w].?days ?? ''))[d] }))))
var operatorAppSettings = concat(scalarSettings, listSettings, listMapSettings, freezeSettings)
var operatorNames = map(operatorAppSettings, s => s.name)
var secretSettings = concat(
  empty(mailPassword) ? [] : [{ name: 'Mail__Password', value: mailPassword }],
  empty(pageAuthCookieKey) ? [] : [{ name: 'PageAuth__CookieKey', value: pageAuthCookieKey }])

output functionAppName string = functionApp.name
output defaultUrl string = 'https://${functionApp.properties.defaultHostName}'
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
