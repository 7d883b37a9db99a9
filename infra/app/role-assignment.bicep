// Assigns the pipeline's custom role (role.bicep) to its identity on one target resource group.
targetScope = 'resourceGroup'

@description('Full resource id of the custom role definition.')
param roleDefinitionId string

@description('Principal id of the Function App\'s user-assigned identity.')
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: roleDefinitionId
  }
}
