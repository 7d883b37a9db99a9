// Approval mail in Azure: Azure Communication Services Email with an Azure-managed domain, so mail
// works right after `azd up` with no DNS to set up and no password to keep (the Function App signs in
// with its managed identity; mail-role.bicep grants it the role). Resource types and properties:
// Azure/azure-rest-api-specs specification/communication/resource-manager/Microsoft.Communication/stable/2023-04-01
// (EmailServices.json, Domains.json, CommunicationServices.json); see shared/docs/azure-facts.md §10.4.
param tags object
param emailServiceName string
param communicationServiceName string

@description('Where Communication Services keeps its data at rest (properties.dataLocation), for example United States or Europe.')
param dataLocation string

// Communication resources are global; dataLocation decides where data rests.
resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// An Azure-managed domain (<guid>.azurecomm.net) needs no DNS records and is verified on creation.
// Its sending volume is limited; a custom domain is the way past that (README "Mail in Azure").
resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Approval mail carries one-time links: no engagement tracking rewriting them.
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [domain.id]
  }
}

output communicationServiceName string = communication.name
@description('The data-plane endpoint the pipeline posts emails:send to (Mail__AcsEndpoint).')
output endpoint string = 'https://${communication.properties.hostName}'
// An Azure-managed domain's only sender is DoNotReply@<its mail-from domain> (sender usernames cannot
// be added to Azure-managed domains: MicrosoftDocs add-multiple-senders).
@description('The sender address (Mail__From).')
output senderAddress string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
