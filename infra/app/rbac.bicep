// Data-plane roles for the pipeline identity (and optionally the deploying user): Durable Functions
// on the Azure Storage backend needs Blob, Queue and Table data access; Application Insights with
// local auth off needs Monitoring Metrics Publisher. Roles on the App Service apps the pipeline may
// remediate: the custom role of role.bicep, assigned on the target resource groups.
param storageAccountName string
param applicationInsightsName string
param identityPrincipalId string
param userPrincipalId string = ''

@allowed(['User', 'ServicePrincipal'])
@description('Type of userPrincipalId: User for a person running azd up, ServicePrincipal for a pipeline.')
param userPrincipalType string = 'User'

@description('Blob container holding process dumps (Evidence__DumpsContainer): the deploying principal may not read it.')
param dumpsContainerName string

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var identityStorageRoles = [storageBlobDataOwner, storageQueueDataContributor, storageTableDataContributor]
var userStorageRoles = [storageQueueDataContributor, storageTableDataContributor]

// Memory dumps hold whatever the process held (tokens, connection strings, personal data). The
// deploying principal gets blob access for local debugging (Durable's leases, incidents' evidence) but
// never a standing read of the dumps container: an ABAC condition on its Blob Data Contributor
// assignment refuses blob reads there. Condition grammar:
// https://learn.microsoft.com/azure/role-based-access-control/conditions-format ;
// attribute names: https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes
var noDumpReads = '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals \'${dumpsContainerName}\'))'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource identityStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in identityStorageRoles: {
  name: guid(storage.id, identityPrincipalId, role)
  scope: storage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource userStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in userStorageRoles: if (!empty(userPrincipalId)) {
  name: guid(storage.id, userPrincipalId, role)
  scope: storage
  properties: {
    principalId: userPrincipalId
    principalType: userPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource userBlobsExceptDumps 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storage.id, userPrincipalId, storageBlobDataContributor, 'no-dump-reads')
  scope: storage
  properties: {
    principalId: userPrincipalId
    principalType: userPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    description: 'Blob data for local debugging, without reading process dumps.'
    condition: noDumpReads
    conditionVersion: '2.0'
  }
}

resource identityMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}
