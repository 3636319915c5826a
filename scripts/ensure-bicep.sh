#!/usr/bin/env bash
# Makes the Bicep CLI available at .tools/bin/bicep, from the NuGet package Azure.Bicep.CommandLine.linux-x64
# restored with `dotnet` (NuGet is reachable where Bicep's own download site may not be). Idempotent: when the link
# already points at the wanted version it does nothing and prints nothing, because `npm test` calls it every time.
#
# Settings (environment):
#   ELB_BICEP_VERSION  package version to restore (default below; it must be one the NuGet feed serves)
set -euo pipefail

version=${ELB_BICEP_VERSION:-0.49.2}
package=azure.bicep.commandline.linux-x64 # NuGet lays packages out under their lower-cased id
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
work="$tools/bicep"
link="$tools/bin/bicep"
packages="$work/packages"

fail() {
  echo "ensure-bicep: $*" >&2
  exit 1
}

# Fast path: the link resolves to an executable inside the wanted version's package directory.
link_is_current() {
  [ -L "$link" ] && [ -x "$link" ] || return 1
  case "$(readlink "$link")" in
    */"$package/$version"/*) return 0 ;;
    *) return 1 ;;
  esac
}

link_is_current && exit 0

case "$version" in
  *[!0-9A-Za-z.-]* | '') fail "ELB_BICEP_VERSION '$version' is not a version number" ;;
esac
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) fail "the Bicep package used here is for linux-x64; this machine is $(uname -s)-$(uname -m)" ;;
esac
command -v dotnet >/dev/null 2>&1 ||
  fail "dotnet is not installed; it is needed to fetch the Bicep CLI from NuGet. Install the .NET SDK (8 or newer) and run this again."

mkdir -p "$work" "$tools/bin"

# Two callers at once (e.g. parallel test runs) must not restore into the same directory together.
exec 9>"$work/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
link_is_current && exit 0

echo "ensure-bicep: fetching the Bicep CLI $version from NuGet"

# A throwaway project whose only job is to download the package; nothing is built from it.
cat >"$work/restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
    <DisableImplicitNuGetFallbackFolder>true</DisableImplicitNuGetFallbackFolder>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$version]" />
  </ItemGroup>
</Project>
EOF

log="$work/restore.log"
if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
  dotnet restore "$work/restore.csproj" --packages "$packages" --nologo -v quiet >"$log" 2>&1; then
  cat "$log" >&2
  fail "dotnet restore of Azure.Bicep.CommandLine.linux-x64 $version failed (output above, also in $log)"
fi

binary=$(find "$packages/$package/$version" -type f -name bicep 2>/dev/null | head -n 1)
[ -n "$binary" ] || fail "the restored package $package $version has no 'bicep' file (looked under $packages/$package/$version)"
chmod +x "$binary"

# A relative link keeps working if the checkout is moved.
ln -sfn "../bicep/packages/${binary#"$packages/"}" "$link"
"$link" --version >/dev/null 2>&1 || fail "$link does not run ('$link --version' failed)"
echo "ensure-bicep: $("$link" --version) at .tools/bin/bicep"
