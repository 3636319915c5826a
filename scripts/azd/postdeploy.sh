#!/bin/sh
# azd postdeploy hook: connects registry pushes (bicep/README.md, step 4). Event Grid validates the endpoint when a
# subscription is created, so the subscription to acrImagePushed can only be made once that function is published.
# After the first deploy this waits for the function to be listed, turns ELB_DEPLOY_EVENT_SUBSCRIPTION on in the azd
# environment and provisions again; later runs find it on and do nothing.
set -eu
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1091 # lib.sh is checked on its own (test/scripts.test.ts runs shellcheck on every script)
. scripts/azd/lib.sh

if [ "${ELB_DEPLOY_EVENT_SUBSCRIPTION:-false}" = true ]; then
  hook_log "the Event Grid subscription is on"
  exit 0
fi
[ -n "${AZURE_RESOURCE_GROUP:-}" ] || hook_fail "AZURE_RESOURCE_GROUP is not set (azd sets it when it provisions)"
[ -n "${SERVICE_API_NAME:-}" ] || hook_fail "SERVICE_API_NAME is not set: provision first (azd provision)"

# 30 looks 10 s apart: a zip deploy is indexed within a minute or two.
attempts=${ELB_FUNCTION_WAIT_ATTEMPTS:-30}
pause=${ELB_FUNCTION_WAIT_SECONDS:-10}
tries=0
until az functionapp function show --resource-group "$AZURE_RESOURCE_GROUP" --name "$SERVICE_API_NAME" \
  --function-name acrImagePushed --query name --output tsv >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt "$attempts" ] || hook_fail "acrImagePushed is not listed on $SERVICE_API_NAME after $attempts tries"
  hook_log "waiting for acrImagePushed on $SERVICE_API_NAME ($tries/$attempts)"
  sleep "$pause"
done

azd env set ELB_DEPLOY_EVENT_SUBSCRIPTION true >/dev/null
hook_log "acrImagePushed is published; provisioning the Event Grid subscription"
azd provision --no-prompt
