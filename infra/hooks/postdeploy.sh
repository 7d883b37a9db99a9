#!/bin/sh
# azd hook (postdeploy, and postprovision so a re-provision does not leave the action group without
# its webhook): points the pipeline's action group at the Function App's /api/alerts with the
# `alerts` function key and the common alert schema on, or at a secure webhook (Entra ID token from
# Azure Monitor) when the WEBHOOK_AUTH_* azd env values are set. Idempotent: every run PUTs the whole
# action group again (what Bicep creates, plus the receiver). The key is never printed.
#
# Reads azd env values (azd injects them; test with `azd hooks run postdeploy`):
#   AZURE_RESOURCE_GROUP, AZURE_FUNCTION_NAME, AZURE_FUNCTION_URL, AZURE_ACTION_GROUP_ID,
#   AZURE_ACTION_GROUP_SHORT_NAME, AZURE_ENV_NAME (Bicep outputs / azd), and optionally
#   WEBHOOK_AUTH_TENANT_ID, WEBHOOK_AUTH_AUDIENCE (the app registration's identifier URI) and
#   WEBHOOK_AUTH_OBJECT_ID (the app registration's object id) for a secure webhook.
# Needs the Azure CLI signed in (`az login`) to the same subscription.
set -eu

: "${AZURE_RESOURCE_GROUP:?azd env value AZURE_RESOURCE_GROUP is not set (run azd provision first)}"
: "${AZURE_FUNCTION_NAME:?azd env value AZURE_FUNCTION_NAME is not set}"
: "${AZURE_FUNCTION_URL:?azd env value AZURE_FUNCTION_URL is not set}"
: "${AZURE_ACTION_GROUP_ID:?azd env value AZURE_ACTION_GROUP_ID is not set}"
: "${AZURE_ACTION_GROUP_SHORT_NAME:?azd env value AZURE_ACTION_GROUP_SHORT_NAME is not set}"

tenant="${WEBHOOK_AUTH_TENANT_ID:-}"
audience="${WEBHOOK_AUTH_AUDIENCE:-}"
object_id="${WEBHOOK_AUTH_OBJECT_ID:-}"
if [ -n "$tenant$audience$object_id" ] && { [ -z "$tenant" ] || [ -z "$audience" ] || [ -z "$object_id" ]; }; then
  echo "postdeploy: set all three of WEBHOOK_AUTH_TENANT_ID, WEBHOOK_AUTH_AUDIENCE and WEBHOOK_AUTH_OBJECT_ID for a secure webhook, or none." >&2
  exit 1
fi

# The function-level key of `alerts` (az functionapp function keys list). It exists only once the code
# is deployed: on the first `azd up` the postprovision run fails here (continueOnError) and the
# postdeploy run sets the webhook.
key=$(az functionapp function keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_NAME" \
  --function-name alerts --query default --output tsv 2>/dev/null) || key=""
if [ -z "$key" ]; then
  echo "postdeploy: the 'alerts' function of $AZURE_FUNCTION_NAME has no key yet (code not deployed?); the action group keeps no webhook until this hook runs after 'azd deploy'." >&2
  exit 1
fi

# Percent-encode the characters of a base64 key that mean something in a query string.
code=$(printf '%s' "$key" | sed -e 's/%/%25/g' -e 's/+/%2B/g' -e 's#/#%2F#g' -e 's/=/%3D/g')
unset key
url="${AZURE_FUNCTION_URL%/}/api/alerts?code=$code"

if [ -n "$tenant" ]; then
  receiver=$(printf '{"name":"autoremediate","serviceUri":"%s","useCommonAlertSchema":true,"useAadAuth":true,"objectId":"%s","identifierUri":"%s","tenantId":"%s"}' \
    "$url" "$object_id" "$audience" "$tenant")
  kind="secure webhook (Entra ID)"
else
  receiver=$(printf '{"name":"autoremediate","serviceUri":"%s","useCommonAlertSchema":true}' "$url")
  kind="webhook"
fi

# The body holds the key: a private temporary file, removed on exit; never on a command line.
umask 077
body=$(mktemp)
trap 'rm -f "$body"' EXIT INT TERM
printf '{"location":"global","tags":{"azd-env-name":"%s"},"properties":{"groupShortName":"%s","enabled":true,"webhookReceivers":[%s]}}' \
  "${AZURE_ENV_NAME:-}" "$AZURE_ACTION_GROUP_SHORT_NAME" "$receiver" > "$body"
unset receiver url code

# PUT on the action group (Microsoft.Insights/actionGroups 2023-01-01). A relative URL: az rest adds
# the signed-in cloud's Resource Manager endpoint. --output none: the answer would echo the key.
az rest --method put --url "${AZURE_ACTION_GROUP_ID}?api-version=2023-01-01" --body "@$body" --output none

echo "postdeploy: action group ${AZURE_ACTION_GROUP_ID##*/} -> ${kind} ${AZURE_FUNCTION_URL%/}/api/alerts (common alert schema on; key not shown)."
