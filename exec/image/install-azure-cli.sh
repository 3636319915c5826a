#!/bin/sh
# Installs the Azure CLI at one pinned version from Microsoft's signed Debian repository (apt checks the package
# signatures and digests), then removes the tools it needed and the apt lists. exec/Dockerfile runs it as root.
#
# Settings (environment; the Dockerfile's build argument):
#   AZURE_CLI_VERSION  the azure-cli package version, e.g. 2.67.0
set -eu

fail() {
  echo "install-azure-cli: $*" >&2
  exit 1
}

version=${AZURE_CLI_VERSION:-}
case "$version" in
  '' | *[!0-9.]*) fail "AZURE_CLI_VERSION '$version' is not a version like 2.67.0" ;;
esac

# The Debian release name (e.g. bookworm) picks the repository suite and the package build.
# shellcheck source=/dev/null # the image's file, not part of this repository
. /etc/os-release
codename=${VERSION_CODENAME:?/etc/os-release has no VERSION_CODENAME}
arch=$(dpkg --print-architecture)

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl gnupg
mkdir -p /etc/apt/keyrings
# Into a file first: in a pipe, a failed download would go unnoticed by sh.
curl -fsSL --proto '=https' -o /tmp/microsoft.asc https://packages.microsoft.com/keys/microsoft.asc
gpg --dearmor -o /etc/apt/keyrings/microsoft.gpg /tmp/microsoft.asc
rm /tmp/microsoft.asc
echo "deb [arch=$arch signed-by=/etc/apt/keyrings/microsoft.gpg] https://packages.microsoft.com/repos/azure-cli/ $codename main" \
  >/etc/apt/sources.list.d/azure-cli.list
apt-get update
apt-get install -y --no-install-recommends "azure-cli=$version-1~$codename"
apt-get purge -y curl gnupg
apt-get autoremove -y
rm -rf /var/lib/apt/lists/*
