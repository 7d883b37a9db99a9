# azd hook (postdeploy, and postprovision so a re-provision does not leave the action group without
# its webhook): the PowerShell twin of postdeploy.sh; see there for what it does and the azd env values
# it reads. Points the pipeline's action group at /api/alerts with the `alerts` function key and the
# common alert schema on (a secure webhook when WEBHOOK_AUTH_* are set). Idempotent. Never prints the key.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_NAME', 'AZURE_FUNCTION_URL', 'AZURE_ACTION_GROUP_ID', 'AZURE_ACTION_GROUP_SHORT_NAME') {
    if (-not [Environment]::GetEnvironmentVariable($name)) {
        throw "postdeploy: azd env value $name is not set (run azd provision first)."
    }
}

$tenant = "$env:WEBHOOK_AUTH_TENANT_ID"
$audience = "$env:WEBHOOK_AUTH_AUDIENCE"
$objectId = "$env:WEBHOOK_AUTH_OBJECT_ID"
$secure = $tenant -and $audience -and $objectId
if (-not $secure -and ($tenant -or $audience -or $objectId)) {
    throw 'postdeploy: set all three of WEBHOOK_AUTH_TENANT_ID, WEBHOOK_AUTH_AUDIENCE and WEBHOOK_AUTH_OBJECT_ID for a secure webhook, or none.'
}

# The function-level key of `alerts`; it exists only once the code is deployed.
$key = az functionapp function keys list --resource-group $env:AZURE_RESOURCE_GROUP --name $env:AZURE_FUNCTION_NAME `
    --function-name alerts --query default --output tsv 2>$null
if ($LASTEXITCODE -ne 0 -or -not $key) {
    throw "postdeploy: the 'alerts' function of $($env:AZURE_FUNCTION_NAME) has no key yet (code not deployed?); the action group keeps no webhook until this hook runs after 'azd deploy'."
}

$url = "$($env:AZURE_FUNCTION_URL.TrimEnd('/'))/api/alerts?code=$([Uri]::EscapeDataString($key.Trim()))"
Remove-Variable key
$receiver = [ordered]@{ name = 'autoremediate'; serviceUri = $url; useCommonAlertSchema = $true }
if ($secure) {
    $receiver.useAadAuth = $true
    $receiver.objectId = $objectId
    $receiver.identifierUri = $audience
    $receiver.tenantId = $tenant
}

$group = [ordered]@{
    location   = 'global'
    tags       = @{ 'azd-env-name' = "$env:AZURE_ENV_NAME" }
    properties = [ordered]@{
        groupShortName   = $env:AZURE_ACTION_GROUP_SHORT_NAME
        enabled          = $true
        webhookReceivers = @($receiver)
    }
}

# The body holds the key: a temporary file removed afterwards, never on a command line.
$body = New-TemporaryFile
try {
    $group | ConvertTo-Json -Depth 5 -Compress | Set-Content -LiteralPath $body -Encoding utf8NoBOM
    # A relative URL: az rest adds the signed-in cloud's Resource Manager endpoint. --output none: the
    # answer would echo the key.
    az rest --method put --url "$($env:AZURE_ACTION_GROUP_ID)?api-version=2023-01-01" --body "@$body" --output none
    if ($LASTEXITCODE -ne 0) {
        throw 'postdeploy: updating the action group failed (see the az error above).'
    }
}
finally {
    Remove-Item -LiteralPath $body -Force -ErrorAction SilentlyContinue
}

$kind = if ($secure) { 'secure webhook (Entra ID)' } else { 'webhook' }
Write-Host "postdeploy: action group $(($env:AZURE_ACTION_GROUP_ID -split '/')[-1]) -> $kind $($env:AZURE_FUNCTION_URL.TrimEnd('/'))/api/alerts (common alert schema on; key not shown)."
