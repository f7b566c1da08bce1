#!/usr/bin/env bash
# Demo: a local Mosquitto, a subscriber, and sensor readings piped into `zdmqtt publish`.
# Works from any directory; installs mosquitto with apt-get if missing; cleans up after itself.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/demo/mosquitto.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

BROKER_DIR="$(mktemp -d -t zdmqtt-demo-XXXXXX)"
cleanup() { stop_processes; rm -rf "$BROKER_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_mosquitto

echo "== building zdmqtt (Release)"
dotnet build "$ROOT/src/Cli/zdmqtt.csproj" -c Release -nologo -v quiet -clp:NoSummary >/dev/null
ZDMQTT="$ROOT/src/Cli/bin/Release/net10.0/zdmqtt"

echo "== starting mosquitto"
start_broker "$BROKER_DIR"
echo "mosquitto pid $BROKER_PID on 127.0.0.1:$BROKER_PORT"

TOPIC="demo/sensors"
start_subscriber "$BROKER_DIR/received.txt" "$TOPIC" "demo-subscriber"
echo "mosquitto_sub pid $SUB_PID subscribed to $TOPIC"

# The eKuiper MQTT action options, wrapped as an eKuiper rule writes them.
cat >"$BROKER_DIR/demo.json" <<JSON
{"mqtt": {"server": "tcp://127.0.0.1:$BROKER_PORT", "topic": "$TOPIC", "qos": 1,
  "protocolVersion": "3.1.1", "clientId": "zdmqtt-demo", "retained": false}}
JSON
echo "== config ($BROKER_DIR/demo.json)"
cat "$BROKER_DIR/demo.json"

READINGS='{"sensor": "boiler-1", "temperature": 71.5, "unit": "C", "ts": "2025-01-01T10:00:00Z"}
{"sensor": "boiler-1", "temperature": 72.1, "unit": "C", "ts": "2025-01-01T10:00:01Z"}
{"sensor": "pump-3", "rpm": 1480, "vibration": 0.02, "ts": "2025-01-01T10:00:01Z"}
{"sensor": "tank-2", "level": 0.83, "ts": "2025-01-01T10:00:02Z"}
{"sensor": "boiler-1", "temperature": 72.4, "unit": "C", "ts": "2025-01-01T10:00:02Z"}'
COUNT=$(printf '%s\n' "$READINGS" | wc -l)

echo "== zdmqtt publish --config demo.json  (stdin: $COUNT JSON lines)"
rc=0
printf '%s\n' "$READINGS" | "$ZDMQTT" publish --config "$BROKER_DIR/demo.json" 2>&1 || rc=$?
echo "zdmqtt exit code: $rc"
[ "$rc" -eq 0 ] || exit "$rc"

if ! wait_for_lines "$BROKER_DIR/received.txt" "$COUNT" 10; then
  echo "the subscriber received only $(wc -l <"$BROKER_DIR/received.txt") of $COUNT messages" >&2
  exit 1
fi
echo "== mosquitto_sub received ($COUNT messages)"
cat "$BROKER_DIR/received.txt"
echo "== broker log: how zdmqtt connected"
grep -F "as zdmqtt-demo" "$BROKER_DIR/mosquitto.log" | sed 's/^[0-9]*: //'
echo "== done"
