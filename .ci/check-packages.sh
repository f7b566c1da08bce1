#!/usr/bin/env bash
# Checks the packages that `dotnet pack ZeroDepMqtt.sln -c Release` wrote to ./artifacts (or $1): prints each one's
# dependency list from its .nuspec and size, and fails on a dependency outside the budget, or on a package without
# its README, licence expression, repository URL, XML docs or symbol package. Called from .ci/run.
# The repository URL is a placeholder until the project has a public repository (Directory.Build.props): the script
# says so for every package that carries it, and fails on it when REQUIRE_REPOSITORY_URL=1 (set that for a release).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FEED="${1:-$ROOT/artifacts}"

# The dependency budget: package -> the only dependencies it may have.
declare -A ALLOWED=(
  [ZeroDepMqtt.Protocol]=""
  [ZeroDepMqtt.Transport]="ZeroDepMqtt.Protocol BouncyCastle.Cryptography"
  [ZeroDepMqtt.Sink]="ZeroDepMqtt.Transport ZeroDepMqtt.Protocol"
  [zdmqtt]=""   # a .NET tool carries its assemblies inside; it has no package dependencies
)
# What each package must contain besides its README and nuspec.
declare -A MUST_HOLD=(
  [ZeroDepMqtt.Protocol]="lib/net10.0/ZeroDepMqtt.Protocol.dll lib/net10.0/ZeroDepMqtt.Protocol.xml"
  [ZeroDepMqtt.Transport]="lib/net10.0/ZeroDepMqtt.Transport.dll lib/net10.0/ZeroDepMqtt.Transport.xml"
  [ZeroDepMqtt.Sink]="lib/net10.0/ZeroDepMqtt.Sink.dll lib/net10.0/ZeroDepMqtt.Sink.xml"
  [zdmqtt]="tools/net10.0/any/zdmqtt.dll tools/net10.0/any/DotnetToolSettings.xml"
)

fail=0
problem() { echo "FAIL: $*" >&2; fail=1; }

for id in ZeroDepMqtt.Protocol ZeroDepMqtt.Transport ZeroDepMqtt.Sink zdmqtt; do
  shopt -s nullglob
  found=("$FEED/$id".[0-9]*.nupkg)
  shopt -u nullglob
  if [ ${#found[@]} -ne 1 ]; then problem "$id: expected one package in $FEED, found ${#found[@]}"; continue; fi
  nupkg="${found[0]}"
  version="$(basename "$nupkg" .nupkg)"; version="${version#"$id".}"
  nuspec="$(unzip -p "$nupkg" "$id.nuspec" | tr -d '\r')"
  deps="$(grep -o '<dependency id="[^"]*" version="[^"]*"' <<<"$nuspec" | sed -E 's/<dependency id="([^"]*)" version="([^"]*)"/\1 \2/' | sort -u || true)"
  printf '%-24s %-8s %7s KiB  depends on: %s\n' "$id" "$version" "$(( ($(stat -c %s "$nupkg") + 512) / 1024 ))" \
    "$( [ -n "$deps" ] && tr '\n' ',' <<<"$deps" | sed 's/,$//; s/,/, /g' || echo nothing)"
  while read -r dep _; do
    [ -z "$dep" ] && continue
    [[ " ${ALLOWED[$id]} " == *" $dep "* ]] || problem "$id depends on $dep, outside its budget (${ALLOWED[$id]:-nothing})"
  done <<<"$deps"
  # Several groups (one per target framework) would each need checking; there is one target framework.
  [ "$(grep -c '<group ' <<<"$nuspec" || true)" -le 1 ] || problem "$id: more than one dependency group"
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || problem "$id: no MIT licence expression"
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || problem "$id: no package README"
  grep -Eq '<repository type="git" url="https://[^"]+"' <<<"$nuspec" || problem "$id: no repository URL"
  if grep -q 'url="https://repository-url-not-set.invalid/' <<<"$nuspec"; then
    placeholder="$id: the repository URL is the placeholder of Directory.Build.props (no public repository set)"
    if [ "${REQUIRE_REPOSITORY_URL:-0}" = 1 ]; then problem "$placeholder"; else echo "NOTE: $placeholder"; fi
  fi
  contents="$(unzip -Z1 "$nupkg")"
  for file in README.md ${MUST_HOLD[$id]}; do
    grep -qx "$file" <<<"$contents" || problem "$id: $file missing from the package"
  done
  [ -f "$FEED/$id.$version.snupkg" ] || problem "$id: no symbol package $id.$version.snupkg"
done
[ "$fail" -eq 0 ] || exit 1
echo "packages: every dependency within budget"
