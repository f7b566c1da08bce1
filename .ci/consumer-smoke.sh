#!/usr/bin/env bash
# Consumer smoke test: takes the packages that `dotnet pack ZeroDepMqtt.sln -c Release` wrote to ./artifacts as a
# stranger would. A copy of .ci/consumer (outside the repository, so none of its build files apply) restores
# ZeroDepMqtt.Protocol, .Transport and .Sink from the local feed only, publishes with Native AOT (zero warnings) and
# runs against a Mosquitto on a free port: 1,000 QoS 1 messages through MqttClient and one through MqttSink, all
# received by a subscriber. Then `dotnet tool install --tool-path` installs zdmqtt from the same feed and
# `zdmqtt validate` and `zdmqtt publish` run. Exits non-zero on any failure. Called from .ci/run after the pack.
#
# Package sources: ZeroDepMqtt.* and zdmqtt may come from ./artifacts alone (packageSourceMapping). Everything else
# comes from the machine's configured NuGet sources: BouncyCastle.Cryptography (Transport's dependency), and what
# Native AOT publish itself needs (see README, Packages). The ZeroDepMqtt packages are extracted into a fresh
# packages folder every run (the machine's folder is only a fallback for the others), so a stale cached copy of
# the same version can never stand in for the package just built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/demo/mosquitto.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
FEED="$ROOT/artifacts"
COUNT=1000

WORK="$(mktemp -d -t zdmqtt-consumer-XXXXXX)"
BROKER_DIR="$WORK"
cleanup() { stop_processes; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

shopt -s nullglob
found=("$FEED"/ZeroDepMqtt.Protocol.[0-9]*.nupkg)
shopt -u nullglob
[ ${#found[@]} -eq 1 ] || { echo "FAIL: expected one ZeroDepMqtt.Protocol package in $FEED (run dotnet pack first)" >&2; exit 1; }
VERSION="$(basename "${found[0]}" .nupkg)"; VERSION="${VERSION#ZeroDepMqtt.Protocol.}"

source "$ROOT/.ci/nuget-config.sh"

APP="$WORK/app"
mkdir -p "$APP"
cp "$ROOT/.ci/consumer/Consumer.csproj" "$ROOT/.ci/consumer/Program.cs" "$APP/"
write_nuget_config "$APP/nuget.config" "$WORK/packages" "$FEED"

echo "== consumer: restore ZeroDepMqtt $VERSION from $FEED, dotnet publish with Native AOT"
dotnet publish "$APP/Consumer.csproj" -c Release -r linux-x64 -p:ZeroDepMqttVersion="$VERSION" -o "$WORK/out" -nologo \
  2>&1 | tee "$WORK/publish.log"
if grep -E "warning [A-Z]+[0-9]+" "$WORK/publish.log" >/dev/null; then
  echo "FAIL: the consumer's AOT publish has warnings:" >&2
  grep -E "warning" "$WORK/publish.log" | sort -u >&2
  exit 1
fi
for id in zerodepmqtt.protocol zerodepmqtt.transport zerodepmqtt.sink; do
  # The restored package must be the one just packed (same bytes), taken from the local feed into the fresh folder.
  restored="$WORK/packages/$id/$VERSION/$id.$VERSION.nupkg"
  [ -f "$restored" ] || { echo "FAIL: $id $VERSION was not restored from the local feed into $WORK/packages" >&2; exit 1; }
  cmp -s "$restored" "$FEED/$(basename "$(ls "$FEED"/*.nupkg | grep -i "/$id.$VERSION.nupkg$")")" \
    || { echo "FAIL: the restored $id differs from the one in $FEED" >&2; exit 1; }
done
echo "restored from the local feed: ZeroDepMqtt.Protocol, ZeroDepMqtt.Transport, ZeroDepMqtt.Sink $VERSION"
BIN="$WORK/out/Consumer"
[ -x "$BIN" ] || { echo "FAIL: no native binary at $BIN" >&2; exit 1; }
echo "consumer binary: $(stat -c %s "$BIN") bytes"

ensure_mosquitto
start_broker "$BROKER_DIR"
TOPIC="ci/consumer"
start_subscriber "$WORK/received.txt" "$TOPIC" "consumer-subscriber"
timeout 120 "$BIN" "tcp://127.0.0.1:$BROKER_PORT" "$TOPIC" "$COUNT" || { echo "FAIL: the consumer exited $?" >&2; exit 1; }
if ! wait_for_lines "$WORK/received.txt" $((COUNT + 1)) 30; then
  echo "FAIL: the subscriber received $(wc -l <"$WORK/received.txt") of $((COUNT + 1)) messages" >&2
  exit 1
fi
expected="$( (for i in $(seq 0 $((COUNT - 1))); do echo "$TOPIC message $i"; done; echo "$TOPIC sink message") | sort)"
if [ "$(sort "$WORK/received.txt")" != "$expected" ]; then
  echo "FAIL: the subscriber's messages differ from what was published" >&2
  diff <(echo "$expected") <(sort "$WORK/received.txt") | head -20 >&2 || true
  exit 1
fi
echo "subscriber received all $((COUNT + 1)) messages"

echo "== dotnet tool install --tool-path from the local feed"
TOOLS="$WORK/tools"
write_nuget_config "$WORK/tool-nuget.config" "$WORK/packages" "$FEED"
dotnet tool install zdmqtt --version "$VERSION" --tool-path "$TOOLS" --configfile "$WORK/tool-nuget.config"
printf '{"server": "tcp://127.0.0.1:%s", "topic": "%s", "qos": 1, "password": "s3cret-pw", "username": "u"}\n' \
  "$BROKER_PORT" "$TOPIC" >"$WORK/sink.json"
"$TOOLS/zdmqtt" validate --config "$WORK/sink.json" | tee "$WORK/validate.out"
grep -q "s3cret-pw" "$WORK/validate.out" && { echo "FAIL: zdmqtt validate printed the password" >&2; exit 1; }
printf 'one\ntwo\n' | "$TOOLS/zdmqtt" publish --config "$WORK/sink.json" --give-up-after 10 \
  || { echo "FAIL: the installed zdmqtt publish exited $?" >&2; exit 1; }
wait_for_lines "$WORK/received.txt" $((COUNT + 3)) 10 \
  || { echo "FAIL: the subscriber did not get the tool's 2 messages" >&2; exit 1; }
echo "consumer smoke test passed"
