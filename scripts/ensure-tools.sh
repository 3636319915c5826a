#!/usr/bin/env bash
# Makes sure the machine tools exist: kubectl always; for tests also Chromium, the Bicep CLI, shellcheck (every shell
# script is checked by test/shellcheck.test.ts) and unzip (exec/test/image.test.ts unpacks with it, as the image does).
# Installs with apt-get when running as root; otherwise says what is missing and how to get it.
set -euo pipefail
purpose=${1:-test}
cd "$(dirname "$0")/.."

missing=()
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
if [ "$purpose" = test ]; then
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "ensure: missing Debian packages: ${missing[*]} (install them, e.g. 'sudo apt-get install ${missing[*]}')" >&2
    exit 1
  fi
fi

if [ "$purpose" = test ] && [ -f scripts/ensure-bicep.sh ]; then
  bash scripts/ensure-bicep.sh
fi
