#!/bin/sh
# azd postprovision hook. The first provision generated the exec token (ELB_EXEC_TOKEN_ACTION defaults to 'generate'
# in bicep/main.bicepparam); from then on the environment says 'keep', so no later `azd up` rotates it by accident.
# To rotate: azd env set ELB_EXEC_TOKEN_ACTION generate && azd provision (this hook sets 'keep' again afterwards).
set -eu
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1091 # lib.sh is checked on its own (test/scripts.test.ts runs shellcheck on every script)
. scripts/azd/lib.sh

if [ "${ELB_EXEC_TOKEN_ACTION:-generate}" != keep ]; then
  azd env set ELB_EXEC_TOKEN_ACTION keep >/dev/null
  hook_log "exec token generated; later provisions keep it (ELB_EXEC_TOKEN_ACTION=keep)"
fi
[ -z "${ELB_DASHBOARD_URL:-}" ] || hook_log "dashboard: $ELB_DASHBOARD_URL"
