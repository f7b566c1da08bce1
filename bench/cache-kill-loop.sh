#!/usr/bin/env bash
# The long kill loop of the disk cache: 20 SIGKILLs per QoS (CI runs 4), broker reachable and unreachable in turn.
# Prints, per QoS, the messages delivered per run and the duplicates. Usage: bash bench/cache-kill-loop.sh [kills]
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-20}"
ZDMQTT_CACHE_KILLS="$kills" dotnet test tests/ZeroDepMqtt.Sink.Tests -c Release \
  --filter "FullyQualifiedName~CachedPublishTests.Killed_runs" --logger "console;verbosity=detailed" \
  | grep -E "qos [12]( resendAlterQueue)?:|run [0-9]+:|Passed|Failed"
