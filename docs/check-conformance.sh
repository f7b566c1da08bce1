#!/usr/bin/env bash
# Keeps docs/conformance.md honest: every row marked "tested" must name an id that some test carries as
# [Trait("spec", "<id>")], and every Class.Method it lists must exist in the test sources with that trait.
# Usage: docs/check-conformance.sh   (exit 1 and a list of problems when the map has rotted)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
doc="$root/docs/conformance.md"
tests="$root/tests"

# id<TAB>Class.Method for every trait in the test sources.
traits="$(find "$tests" -name '*.cs' -print0 | xargs -0 awk '
  /public (sealed )?class [A-Za-z0-9_]+/ { match($0, /class [A-Za-z0-9_]+/); cls = substr($0, RSTART + 6, RLENGTH - 6); n = 0 }
  /Trait\("spec", "[^"]+"\)/ { match($0, /Trait\("spec", "[^"]+"\)/); ids[n++] = substr($0, RSTART + 15, RLENGTH - 17) }
  /public (void|bool|async Task|Task) [A-Za-z0-9_]+\(/ {
    match($0, /(void|bool|Task) [A-Za-z0-9_]+\(/); m = substr($0, RSTART, RLENGTH - 1); sub(/^[a-zA-Z]+ /, "", m)
    for (i = 0; i < n; i++) print ids[i] "\t" cls "." m
    n = 0 }')"

status=0
while IFS='|' read -r _ id rest; do
  id="$(echo "$id" | xargs)"
  [[ "$id" =~ ^MQTT ]] || continue
  [[ "$rest" == *"| tested |"* || "$rest" == " tested |"* ]] || continue
  if ! grep -q "^${id}	" <<<"$traits"; then
    echo "marked tested but no [Trait(\"spec\", \"$id\")] in tests: $id"; status=1; continue
  fi
  methods="$(awk -F'|' '{print $(NF-1)}' <<<"$rest" | tr ',' '\n' | xargs -n1 2>/dev/null || true)"
  for m in $methods; do
    if ! grep -q "^${id}	${m}$" <<<"$traits"; then
      echo "$id lists $m, which does not carry that trait (renamed or removed?)"; status=1
    fi
  done
done < "$doc"

# Ids that tests carry but the map does not mention at all.
for id in $(cut -f1 <<<"$traits" | sort -u); do
  grep -q "^| ${id} |" "$doc" || { echo "trait $id is used in tests but missing from conformance.md"; status=1; }
done

[ "$status" -eq 0 ] && echo "conformance.md: every tested row is backed by a trait ($(cut -f1 <<<"$traits" | sort -u | wc -l) ids traced)"
exit "$status"
