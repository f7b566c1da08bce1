#!/usr/bin/env bash
# Fuzzes the protocol core with AFL++ and SharpFuzz; CI-friendly (no TTY, root, unattended).
#   fuzz/run.sh [decoder|session|all] [seconds per harness]     default: all 180
# Installs afl++ and the sharpfuzz tool if missing, publishes the harness in Release, instruments
# ZeroDepMqtt.Protocol.dll, runs afl-fuzz from fuzz/corpus/<harness>, and prints executions, crashes and hangs.
# Findings stay in fuzz/out/<harness>/default/{crashes,hangs}. Exits 1 when a crash was found.
# FUZZ_RESUME=1 continues from the queue of the previous run in fuzz/out instead of the seeds (long runs in parts).
set -euo pipefail
cd "$(dirname "$0")/.."

harness=${1:-all}
seconds=${2:-180}
timeout_ms=${FUZZ_TIMEOUT_MS:-5000}
case "$harness" in
  all) harnesses=(decoder session) ;;
  decoder|session) harnesses=("$harness") ;;
  *) echo "usage: fuzz/run.sh [decoder|session|all] [seconds]" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "seconds must be a whole number" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "installing afl++"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null 2>&1; then
  echo "installing SharpFuzz.CommandLine"
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

out=fuzz/out
bin=$out/bin
plain=$out/plain
rm -rf "$bin" "$plain"
dotnet publish fuzz/ZeroDepMqtt.Fuzz/ZeroDepMqtt.Fuzz.csproj -c Release -o "$bin" -v q --nologo
# Findings are replayed by an uninstrumented copy: instrumented code needs afl-fuzz's shared memory.
cp -r "$bin" "$plain"
# Only the code under test is instrumented: coverage of the harness itself would only add noise.
sharpfuzz "$bin/ZeroDepMqtt.Protocol.dll"

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
# The target is `dotnet`, which carries no AFL marker; SharpFuzz's fork server speaks the protocol itself.
export AFL_SKIP_BIN_CHECK=1
# The machine is shared: do not insist on a free core of our own.
export AFL_NO_AFFINITY=1

count() { find "$1" -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l; }
status=0
for h in "${harnesses[@]}"; do
  findings=$out/$h
  input="fuzz/corpus/$h"
  if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -d "$findings/default/queue" ]; then input=-; else rm -rf "$findings"; fi
  echo "== $h: afl-fuzz for ${seconds}s (log: $findings.log)"
  AFL_AUTORESUME=1 afl-fuzz -i "$input" -o "$findings" -t "$timeout_ms" -m none -V "$seconds" \
    -- dotnet "$bin/ZeroDepMqtt.Fuzz.dll" "$h" </dev/null >"$findings.log" 2>&1 || {
      echo "afl-fuzz failed for $h; last lines of its log:"; tail -n 30 "$findings.log"; exit 1; }
  stats=$findings/default/fuzzer_stats
  field() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" {print $2}' "$stats"; }
  crashes=$(count "$findings/default/crashes")
  hangs=$(count "$findings/default/hangs")
  echo "$h: execs_done=$(field execs_done) execs_per_sec=$(field execs_per_sec) corpus=$(field corpus_count) crashes=$crashes hangs=$hangs"
  for f in "$findings"/default/crashes/id:* "$findings"/default/hangs/id:*; do
    [ -f "$f" ] || continue
    echo "-- $f: $(od -An -tx1 -v "$f" | tr -d ' \n' | head -c 400)"
    dotnet "$plain/ZeroDepMqtt.Fuzz.dll" "$h" --replay "$f" | head -n 3 || true
  done
  [ "$crashes" -eq 0 ] || status=1
done
exit $status
