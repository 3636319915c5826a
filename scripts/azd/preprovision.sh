#!/bin/sh
# azd preprovision hook. Checks the values bicep/main.bicepparam needs from the azd environment (asking for them on a
# terminal), then makes sure the exec server image of this checkout is in the registry: it is built there with ACR
# Tasks (`az acr build`, no local Docker engine) unless an image with the same content tag exists. The reference is
# stored as ELB_EXEC_IMAGE for the provision that follows.
set -eu
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1091 # lib.sh is checked on its own (test/scripts.test.ts runs shellcheck on every script)
. scripts/azd/lib.sh

ask ELB_REGISTRY_RESOURCE_ID "resource id of the container registry holding elb-openapi" \
  "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>"
ask ELB_TARGETS "the AKS clusters, as a JSON array" \
  '[{"name":"prod","resourceGroup":"rg-aks","clusterName":"aks-elb"}]'

case $ELB_REGISTRY_RESOURCE_ID in
  /subscriptions/*/[Rr]esource[Gg]roups/*/providers/[Mm]icrosoft.[Cc]ontainer[Rr]egistry/registries/*) ;;
  *) hook_fail "ELB_REGISTRY_RESOURCE_ID is not a container registry resource id: $ELB_REGISTRY_RESOURCE_ID" ;;
esac
node -e '
  const t = JSON.parse(process.argv[1]);
  if (!Array.isArray(t) || t.length === 0 || t.some((x) => !x || typeof x.name !== "string")) process.exit(1);
' "$ELB_TARGETS" 2>/dev/null || hook_fail "ELB_TARGETS must be a non-empty JSON array of targets with a name"

registry=${ELB_REGISTRY_RESOURCE_ID##*/}
subscription=$(printf '%s' "$ELB_REGISTRY_RESOURCE_ID" | cut -d/ -f3)
tag=$(exec_image_tag)
image="$EXEC_REPOSITORY:$tag"

if az acr repository show --subscription "$subscription" --name "$registry" --image "$image" >/dev/null 2>&1; then
  hook_log "exec image $image is already in $registry"
else
  hook_log "building exec image $image in $registry (ACR Tasks; the context is what .dockerignore admits)"
  az acr build --subscription "$subscription" --registry "$registry" --image "$image" --file exec/Dockerfile .
fi
login_server=$(az acr show --subscription "$subscription" --name "$registry" --query loginServer --output tsv)
[ -n "$login_server" ] || hook_fail "could not read the login server of $registry"
azd env set ELB_EXEC_IMAGE "$login_server/$image" >/dev/null
hook_log "ELB_EXEC_IMAGE=$login_server/$image"
