// The Function App's storage: Durable Functions' task hub, the incident tables, dump and evidence
// blobs, and the deployment package. Identity-based access only: shared keys are disabled.
param location string
param tags object
param name string
param deploymentContainerName string

@description('Blob containers whose blobs a lifecycle rule deletes after dumpRetentionDays (Evidence__DumpsContainer, Evidence__EvidenceContainer).')
param retainedContainerNames array

@minValue(1)
@description('Days after its last change a dump or evidence blob is deleted by the storage lifecycle policy.')
param dumpRetentionDays int

@description('When true, the account takes no traffic from public networks: the app reaches it through private endpoints (storage-private-endpoints.bicep).')
param vnetEnabled bool

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // As the Functions azd templates do (Azure-Samples/functions-quickstart-dotnet-azd infra/main.bicep):
    // with the VNet, public access is off and nothing bypasses the firewall.
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: vnetEnabled
      ? {
          bypass: 'None'
          defaultAction: 'Deny'
        }
      : {
          bypass: 'AzureServices'
          defaultAction: 'Allow'
        }
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
    }
  }

  // Dumps hold process memory (secrets included) and evidence copies of diagnostics: the platform deletes
  // them after dumpRetentionDays even when the retention timer (Retention__MaxAge) has not purged their
  // incident, so nothing sensitive outlives its window. Lifecycle policy shape:
  // https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'delete-dumps-and-evidence'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: ['blockBlob']
                // A prefix match starts with the container name.
                prefixMatch: [for container in retainedContainerNames: '${container}/']
              }
              actions: {
                baseBlob: {
                  delete: { daysAfterModificationGreaterThan: dumpRetentionDays }
                }
              }
            }
          }
        ]
      }
    }
  }
}

output name string = storage.name
output deploymentContainerName string = deploymentContainerName
