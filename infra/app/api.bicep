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
      appSettings: concat([
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
      ], mailAppSettings)
    }
  }
}

output functionAppName string = functionApp.name
output defaultUrl string = 'https://${functionApp.properties.defaultHostName}'
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
