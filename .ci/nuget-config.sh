# Sourced by .ci/consumer-smoke.sh and .ci/footprint.sh (not run).
# nuget.config: the local feed plus the machine's enabled sources, each package pattern mapped to one of them.
# write_nuget_config <file> <packages folder> <local feed>
write_nuget_config() {
  local sources
  sources="$(dotnet nuget list source --format short | awk '$1 == "E" {print $2}')"
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo "  <config><add key=\"globalPackagesFolder\" value=\"$2\" /></config>"
    echo "  <fallbackPackageFolders><clear /><add key=\"machine\" value=\"${NUGET_PACKAGES:-$HOME/.nuget/packages}\" /></fallbackPackageFolders>"
    echo '  <packageSources><clear />'
    echo "    <add key=\"local\" value=\"$3\" />"
    local i=0 s
    for s in $sources; do echo "    <add key=\"machine$i\" value=\"$s\" />"; i=$((i + 1)); done
    echo '  </packageSources>'
    echo '  <packageSourceMapping>'
    echo '    <packageSource key="local"><package pattern="ZeroDepMqtt.*" /><package pattern="zdmqtt" /></packageSource>'
    i=0
    for s in $sources; do
      echo "    <packageSource key=\"machine$i\"><package pattern=\"*\" /></packageSource>"
      i=$((i + 1))
    done
    echo '  </packageSourceMapping>'
    echo '</configuration>'
  } >"$1"
}

