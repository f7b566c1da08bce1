#!/usr/bin/env bash
# The fault soak (issue 7): QoS 1 and QoS 2 at full speed through a chaos proxy (pauses, black holes, cuts
# mid-packet), then again while Mosquitto is killed with SIGKILL and restarted. Prints sent/received/duplicate
# counts, loss attributed to client or broker, peak working set; exits non-zero on any client-side loss.
# Usage: bench/soak.sh [seconds-per-phase=120] [kills=20]      (CI runs a short version)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
kills="${2:-20}"
dotnet build bench/Soak -c Release -v q -nologo >/dev/null
exec dotnet bench/Soak/bin/Release/net10.0/Soak.dll --seconds "$seconds" --kills "$kills"
