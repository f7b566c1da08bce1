#!/usr/bin/env bash
# The long kill loop of the disk cache: 20 SIGKILLs per QoS (CI runs 4), broker reachable and unreachable in turn.
# Prints, per QoS, the messages delivered per run and the duplicates. Usage: bash bench/cache-kill-loop.sh [kills]
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-20}"
log="${TMPDIR:-/tmp}/zdmqtt-cache-kill-loop-$$.log"
rc=0
ZDMQTT_CACHE_KILLS="$kills" ZDMQTT_KEEP_BROKER_FILES=1 dotnet test tests/ZeroDepMqtt.Sink.Tests -c Release \
  --filter "FullyQualifiedName~CachedPublishTests.Killed_runs" --logger "console;verbosity=detailed" >"$log" 2>&1 || rc=$?
# The summary lines, and for a failure its message (the assertion names the run and the missing numbers).
grep -E "qos [12]( resendAlterQueue)?:|run [0-9]+:|Passed|Failed|Error Message|Assert|Exception" "$log" | awk '!seen[$0]++'
echo "full log: $log (broker logs kept in /tmp/zdmqtt-mosquitto-*)"
exit "$rc"
