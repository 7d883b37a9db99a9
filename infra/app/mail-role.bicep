// The Function App's identity may send through the Communication Services resource (and nothing else):
// a role assignment scoped to that one resource. Separate from mail.bicep because the app settings need
// mail.bicep's outputs before the Function App exists, and this needs the app's identity after it.
//
// Role: "Communication and Email Service Owner". No send-only built-in role is documented; the official
// docs name this one for Entra-authenticated sending over SMTP (MicrosoftDocs azure-docs
// articles/communication-services/quickstarts/email/send-email-smtp/includes/smtp-authentication-builtinrole.md);
// for the REST send the least role is undocumented and users report this one works (Microsoft Q&A
// answers/a/8269455). Scoped to the one resource, it is the least we can grant (shared/docs/azure-facts.md §10.4).
param communicationServiceName string
param identityPrincipalId string

var communicationAndEmailServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

resource sendMail 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, identityPrincipalId, communicationAndEmailServiceOwner)
  scope: communication
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwner)
  }
}
