#!/usr/bin/env bash
# Vendoring check: copies src/Protocol/**/*.cs, and nothing else, into a new project outside the repository (none
# of its build files apply) with no references, no InternalsVisibleTo, nullable on, implicit usings on (the `dotnet new` default; the files rely on them), every
# warning an error and the AOT/trim analyzers on, and builds it. This is the proof behind README's "Vendoring":
# a host can copy the folder. Prints the file count and total size. Exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORK="$(mktemp -d -t zdmqtt-vendor-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/Vendored/Mqtt"
(cd "$ROOT/src/Protocol" && find . -name '*.cs' -not -path './bin/*' -not -path './obj/*' -print0 \
  | xargs -0 cp --parents -t "$WORK/Vendored/Mqtt")
files=$(find "$WORK/Vendored/Mqtt" -name '*.cs' | wc -l)
bytes=$(find "$WORK/Vendored/Mqtt" -name '*.cs' -print0 | xargs -0 cat | wc -c)
cat >"$WORK/Vendored/Vendored.csproj" <<'PROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <WarningLevel>9999</WarningLevel>
    <AnalysisLevel>latest</AnalysisLevel>
    <IsAotCompatible>true</IsAotCompatible>
    <GenerateDocumentationFile>true</GenerateDocumentationFile>
  </PropertyGroup>
</Project>
PROJ
echo "== vendored core: $files files, $bytes bytes ($(( (bytes + 512) / 1024 )) KiB) of src/Protocol/**/*.cs"
grep -rl "InternalsVisibleTo" "$WORK/Vendored/Mqtt" && { echo "FAIL: the copied sources declare InternalsVisibleTo" >&2; exit 1; }
dotnet build "$WORK/Vendored/Vendored.csproj" -c Release -nologo 2>&1 | tee "$WORK/build.log"
refs=$(grep -c '<PackageReference\|<ProjectReference\|<Reference ' "$WORK/Vendored/Vendored.csproj" || true)
[ "$refs" -eq 0 ] || { echo "FAIL: the vendoring project has references" >&2; exit 1; }
grep -q "0 Warning(s)" "$WORK/build.log" || { echo "FAIL: the vendored build has warnings" >&2; exit 1; }
echo "vendoring check passed: src/Protocol builds alone"
