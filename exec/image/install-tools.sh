#!/bin/sh
# Downloads kubectl and kubelogin for the image's architecture, checks each against a SHA-256 and installs both into
# the directory given as the first argument (default /usr/local/bin). exec/Dockerfile runs it; docs/exec.md
# ("Container") explains the choices.
#
# Settings (environment; in the image build they are the Dockerfile's build arguments):
#   KUBECTL_VERSION, KUBELOGIN_VERSION  release tags, e.g. v1.32.4
#   KUBECTL_SHA256, KUBELOGIN_SHA256    optional: the expected digest of the download for this architecture. When set
#                                       it is checked instead of the checksum file the project publishes beside it.
#   TARGETARCH                          amd64 or arm64 (BuildKit sets it; without it, this machine's architecture)
#
# Without a pinned digest, each download is checked against the checksum file its project publishes next to it, as
# the projects' own install instructions do. A missing or malformed checksum file fails the build: never unchecked.
# Nothing is installed unless every download passed its check.
set -eu

dest=${1:-/usr/local/bin}

fail() {
  echo "install-tools: $*" >&2
  exit 1
}

arch=${TARGETARCH:-}
if [ -z "$arch" ]; then
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "cannot tell the architecture from 'uname -m' ($(uname -m)); set TARGETARCH to amd64 or arm64" ;;
  esac
fi
case "$arch" in
  amd64 | arm64) ;;
  *) fail "TARGETARCH '$arch' is not supported (amd64 or arm64)" ;;
esac

# The versions become part of download URLs, so only tag-like values are accepted.
release_tag() { # NAME VALUE
  case "$2" in
    v[0-9]*) ;;
    *) fail "$1 '$2' is not a release tag like v1.2.3" ;;
  esac
  case "$2" in
    *[!0-9A-Za-z.+-]*) fail "$1 '$2' is not a release tag like v1.2.3" ;;
  esac
  printf '%s\n' "$2"
}
kubectl_version=$(release_tag KUBECTL_VERSION "${KUBECTL_VERSION:-}")
kubelogin_version=$(release_tag KUBELOGIN_VERSION "${KUBELOGIN_VERSION:-}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# HTTPS only, redirects included (both projects redirect to a CDN).
fetch() { # URL FILE
  curl -fsSL --proto '=https' --proto-redir '=https' --retry 3 -o "$2" "$1"
}

# Prints DIGEST in lower case when it is 64 hex digits; fails otherwise, naming where it came from.
sha256_value() { # DIGEST SOURCE
  digest=$(printf '%s' "$1" | tr 'A-F' 'a-f')
  case "$digest" in
    *[!0-9a-f]* | '') fail "$2 is not a SHA-256 (64 hex digits): '$1'" ;;
  esac
  [ "${#digest}" -eq 64 ] || fail "$2 is not a SHA-256 (64 hex digits): '$1'"
  printf '%s\n' "$digest"
}

# Downloads URL to FILE and checks it against PINNED, or else against the published URL.sha256.
fetch_verified() { # URL FILE PINNED PIN_NAME
  fetch "$1" "$2" || fail "download failed: $1"
  if [ -n "$3" ]; then
    expected=$(sha256_value "$3" "build argument $4")
    origin="build argument $4"
  else
    fetch "$1.sha256" "$2.sha256" ||
      fail "no published checksum at $1.sha256 (pin one with --build-arg $4=<sha256>)"
    # kubectl's file holds the digest alone; kubelogin's holds "<digest>  <file name>".
    published=$(awk 'NR == 1 { print $1 }' "$2.sha256")
    expected=$(sha256_value "$published" "the published checksum $1.sha256")
    origin="$1.sha256"
  fi
  actual=$(sha256sum "$2" | awk '{ print $1 }')
  [ "$actual" = "$expected" ] ||
    fail "SHA-256 mismatch for $1: expected $expected (from $origin), got $actual"
  echo "install-tools: $1 matches $origin"
}

fetch_verified "https://dl.k8s.io/release/$kubectl_version/bin/linux/$arch/kubectl" \
  "$work/kubectl" "${KUBECTL_SHA256:-}" KUBECTL_SHA256
fetch_verified "https://github.com/Azure/kubelogin/releases/download/$kubelogin_version/kubelogin-linux-$arch.zip" \
  "$work/kubelogin.zip" "${KUBELOGIN_SHA256:-}" KUBELOGIN_SHA256

unzip -q "$work/kubelogin.zip" -d "$work/kubelogin" || fail "cannot unpack the kubelogin archive"
kubelogin="$work/kubelogin/bin/linux_$arch/kubelogin"
[ -f "$kubelogin" ] || fail "the kubelogin archive has no bin/linux_$arch/kubelogin"

mkdir -p "$dest"
install -m 0755 "$work/kubectl" "$dest/kubectl"
install -m 0755 "$kubelogin" "$dest/kubelogin"
echo "install-tools: installed kubectl $kubectl_version and kubelogin $kubelogin_version ($arch) into $dest"
