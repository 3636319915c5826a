#!/bin/sh
# Shared by the azd hooks (scripts/azd/*.sh source it). azd runs each hook with the azd environment's values in the
# process environment; a hook that changes one stores it with `azd env set`, which later steps read.

# What exec/Dockerfile copies from the repository root: the ACR build context. .dockerignore admits exactly these
# (test/azd.test.ts compares the two), and the exec image tag is a hash of their contents.
EXEC_CONTEXT="package.json package-lock.json tsconfig.json exec core/loopback.ts"
# shellcheck disable=SC2034 # used by the hooks that source this file
EXEC_REPOSITORY=elb-control-exec

# The hook's name in its messages: the sourcing script's file name.
HOOK=$(basename "$0" .sh)

hook_log() { printf '[%s] %s\n' "$HOOK" "$*"; }
hook_fail() {
  printf '[%s] error: %s\n' "$HOOK" "$*" >&2
  exit 1
}

# ask NAME DESCRIPTION EXAMPLE: a required azd environment value. Asked for on a terminal (and stored with
# `azd env set`), a clear error without one (CI, --no-prompt).
ask() {
  name=$1
  eval "value=\${$name:-}"
  [ -n "$value" ] && return 0
  if [ -t 0 ]; then
    printf '%s (%s), e.g. %s\n%s: ' "$2" "$name" "$3" "$name" >&2
    IFS= read -r value || true
    [ -n "$value" ] || hook_fail "$name is required"
    azd env set "$name" "$value" >/dev/null
    export "$name=$value"
  else
    hook_fail "$name is not set: azd env set $name '$3'  ($2)"
  fi
}

# The exec image tag: a short hash of the build context's file names and contents (tests excluded, as in
# .dockerignore), so an unchanged checkout reuses the image already in the registry.
exec_image_tag() {
  # shellcheck disable=SC2086 # EXEC_CONTEXT is a list of paths without spaces
  find $EXEC_CONTEXT -type f ! -path 'exec/test/*' | LC_ALL=C sort | while IFS= read -r file; do
    printf '%s\n' "$file"
    sha256sum <"$file"
  done | sha256sum | cut -c1-12
}
