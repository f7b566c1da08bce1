#!/usr/bin/env bash
# Footprint figures for README's "Footprint" table, measured in one run on one Mosquitto (a free loopback port):
#   - Native AOT binary size of zdmqtt per runtime (linux-x64; linux-arm64 when the cross toolchain is installed),
#     and of a consumer app that uses only MqttClient without TLS vs one with a client-certificate path (trimming);
#   - peak RSS (VmHWM from /proc) of `zdmqtt publish` idle after CONNACK, and after publishing 64-byte lines fed at
#     about 50,000 per second for 5 s at QoS 1; the same for `mosquitto_pub -l`; and for the MQTTnet 5 publisher of
#     bench/Throughput (it cannot read stdin, so it publishes 250,000 messages unthrottled, 256 in flight, QoS 1);
#   - start to exit with no messages (process start, connect, CONNACK, DISCONNECT): an upper bound of the startup to
#     CONNACK, since Mosquitto's log has whole seconds only.
# Not part of .ci/run (several AOT publishes take minutes); run it on an idle machine: bash .ci/footprint.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/demo/mosquitto.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RATE=50000 SECONDS_PUBLISHING=5

WORK="$(mktemp -d -t zdmqtt-footprint-XXXXXX)"
BROKER_DIR="$WORK"
PUB_PID=""
cleanup() {
  [ -n "$PUB_PID" ] && kill "$PUB_PID" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  stop_processes; rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mib() { awk -v s="$1" 'BEGIN {printf "%.2f MiB", s / 1048576}'; }
kib_to_mib() { awk -v s="$1" 'BEGIN {printf "%.1f MiB", s / 1024}'; }
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
ms_now() { date +%s%N | cut -c1-13; }

echo "== building (Native AOT: zdmqtt linux-x64, linux-arm64; the consumer twice; bench/Throughput for MQTTnet)" >&2
quiet_publish() { dotnet publish "$@" -nologo -v q >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; exit 1; }; }
# Prebuilt binaries may be given (ZDMQTT_X64, ZDMQTT_ARM64, CONSUMER_PLAIN, CONSUMER_CERT: paths) to skip their builds.
ZDMQTT="${ZDMQTT_X64:-}"
if [ -z "$ZDMQTT" ]; then
  quiet_publish "$ROOT/src/Cli/zdmqtt.csproj" -c Release -r linux-x64 -p:PublishAot=true -o "$WORK/x64"
  ZDMQTT="$WORK/x64/zdmqtt"
fi
ARM64="${ZDMQTT_ARM64:-}"
if [ -z "$ARM64" ] && command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
  quiet_publish "$ROOT/src/Cli/zdmqtt.csproj" -c Release -r linux-arm64 -p:PublishAot=true -o "$WORK/arm64"
  ARM64="$WORK/arm64/zdmqtt"
fi
ARM64_SIZE="not built (no aarch64-linux-gnu-gcc: bash test.sh --install-only ci)"
[ -n "$ARM64" ] && ARM64_SIZE="$(stat -c %s "$ARM64") bytes ($(mib "$(stat -c %s "$ARM64")"))"
# The consumer, from the packages in ./artifacts (packed here when missing), through .ci/consumer-smoke.sh's config.
ls "$ROOT"/artifacts/ZeroDepMqtt.Transport.*.nupkg >/dev/null 2>&1 || dotnet pack "$ROOT/ZeroDepMqtt.sln" -c Release -v q >/dev/null
VERSION="$(basename "$(ls "$ROOT"/artifacts/ZeroDepMqtt.Protocol.[0-9]*.nupkg)" .nupkg)"; VERSION="${VERSION#ZeroDepMqtt.Protocol.}"
mkdir -p "$WORK/consumer"
cp "$ROOT/.ci/consumer/Consumer.csproj" "$ROOT/.ci/consumer/Program.cs" "$WORK/consumer/"
source "$ROOT/.ci/nuget-config.sh"
write_nuget_config "$WORK/consumer/nuget.config" "$WORK/packages" "$ROOT/artifacts"
CONSUMER_PLAIN="${CONSUMER_PLAIN:-$WORK/consumer-plain/Consumer}"
CONSUMER_CERT="${CONSUMER_CERT:-$WORK/consumer-cert/Consumer}"
for variant in plain cert; do
  cert=false; [ "$variant" = cert ] && cert=true
  [ "$variant" = plain ] && [ -x "$CONSUMER_PLAIN" ] && continue
  [ "$variant" = cert ] && [ -x "$CONSUMER_CERT" ] && continue
  quiet_publish "$WORK/consumer/Consumer.csproj" -c Release -r linux-x64 -p:ZeroDepMqttVersion="$VERSION" \
    -p:WithSink=false -p:WithClientCert=$cert -o "$WORK/consumer-$variant" "-p:IntermediateOutputPath=$WORK/obj-$variant/" \
    "-p:OutputPath=$WORK/bin-$variant/"
done
dotnet build "$ROOT/bench/Throughput/Throughput.csproj" -c Release -nologo -v q >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; exit 1; }
MQTTNET_DLL="$ROOT/bench/Throughput/bin/Release/net10.0/Throughput.dll"

ensure_mosquitto
start_broker "$BROKER_DIR"
printf '{"server": "tcp://127.0.0.1:%s", "topic": "footprint", "qos": 1, "protocolVersion": "3.1.1", "clientId": "fp-zdmqtt"}\n' \
  "$BROKER_PORT" >"$WORK/fp.json"

# Startup: five runs with no input; the median.
startup() {
  local runs=() i s
  for i in 1 2 3 4 5; do
    s=$(ms_now); "$@" </dev/null >/dev/null 2>&1 || { echo "startup run of $1 failed" >&2; exit 1; }; runs+=($(( $(ms_now) - s )))
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p
}
ZD_START=$(startup "$ZDMQTT" publish --config "$WORK/fp.json" --give-up-after 5)
MP_START=$(startup mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t footprint -q 1 -l -i fp-mosquitto-pub)

# One line block of $RATE/10 lines of 64 bytes, written every 100 ms for $SECONDS_PUBLISHING s.
line="$(printf '%064d' 0 | tr 0 x)"
block="$WORK/block.txt"
awk -v n=$((RATE / 10)) -v l="$line" 'BEGIN {for (i = 0; i < n; i++) print l}' >"$block"

# measure_stdin <client-id> <command...>: idle RSS after CONNACK, then RSS after the paced input; sets IDLE PEAK RATE_SEEN.
measure_stdin() {
  local id="$1"; shift
  local before
  before=$(grep -c "as $id " "$BROKER_DIR/mosquitto.log" || true)
  mkfifo "$WORK/in-$id"
  "$@" <"$WORK/in-$id" >/dev/null 2>"$WORK/$id.err" &
  PUB_PID=$!
  exec 3>"$WORK/in-$id"
  # Connected once the broker logs one more connection of this client id than before (the startup runs used it too).
  local i seen=no
  for i in $(seq 1 200); do
    [ "$(grep -c "as $id " "$BROKER_DIR/mosquitto.log")" -gt "$before" ] && { seen=yes; break; }
    sleep 0.1
  done
  [ "$seen" = yes ] || { echo "$id did not connect" >&2; cat "$WORK/$id.err" >&2; exit 1; }
  sleep 1   # idle after CONNACK: let the process settle before reading its peak
  IDLE=$(hwm "$PUB_PID")
  local start end
  start=$(ms_now)
  for i in $(seq 1 $((SECONDS_PUBLISHING * 10))); do
    cat "$block" >&3
    # Pace to $RATE lines per second: sleep only what is left of this 100 ms slot.
    local due=$((start + i * 100)) now
    now=$(ms_now)
    [ "$now" -lt "$due" ] && sleep "$(awk -v d=$((due - now)) 'BEGIN {printf "%.3f", d / 1000}')"
  done
  end=$(ms_now)
  RATE_SEEN=$(( RATE / 10 * SECONDS_PUBLISHING * 10 * 1000 / (end - start) ))
  # End of input: the client still drains its backlog; the high-water mark only grows, so keep sampling until exit.
  PEAK=$(hwm "$PUB_PID")
  exec 3>&-
  local h
  while kill -0 "$PUB_PID" 2>/dev/null; do
    h=$(hwm "$PUB_PID"); [ "${h:-0}" -gt "$PEAK" ] && PEAK=$h
    sleep 0.05
  done
  wait "$PUB_PID" || { echo "$id exited $?:" >&2; cat "$WORK/$id.err" >&2; exit 1; }
  PUB_PID=""
}
measure_stdin fp-zdmqtt "$ZDMQTT" publish --config "$WORK/fp.json" --give-up-after 10
ZD_IDLE=$IDLE ZD_PEAK=$PEAK ZD_RATE=$RATE_SEEN
measure_stdin fp-mosquitto-pub mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t footprint -q 1 -l -i fp-mosquitto-pub
MP_IDLE=$IDLE MP_PEAK=$PEAK MP_RATE=$RATE_SEEN

# MQTTnet: unthrottled; sample VmHWM until it exits (the high-water mark only grows, so the last sample is the peak).
count=$((RATE * SECONDS_PUBLISHING))
start=$(ms_now)
dotnet "$MQTTNET_DLL" --worker mqttnet --port "$BROKER_PORT" --topic footprint --qos 1 --size 64 --count "$count" \
  --window 256 --warmup 0 >"$WORK/mqttnet.out" 2>"$WORK/mqttnet.err" &
PUB_PID=$!
MN_PEAK=0
while kill -0 "$PUB_PID" 2>/dev/null; do
  h=$(hwm "$PUB_PID"); [ "${h:-0}" -gt "$MN_PEAK" ] && MN_PEAK=$h
  sleep 0.05
done
wait "$PUB_PID" || { echo "the MQTTnet worker failed:" >&2; cat "$WORK/mqttnet.err" >&2; exit 1; }
PUB_PID=""
MN_RATE=$(( count * 1000 / ($(ms_now) - start) ))

echo
echo "| what | zdmqtt (Native AOT) | mosquitto_pub 2.0 | MQTTnet 5.2 (JIT, bench/Throughput) |"
echo "| --- | --- | --- | --- |"
echo "| binary, linux-x64 | $(stat -c %s "$ZDMQTT") bytes ($(mib "$(stat -c %s "$ZDMQTT")")) | – | – |"
echo "| binary, linux-arm64 | $ARM64_SIZE | – | – |"
echo "| peak RSS, idle after CONNACK | $(kib_to_mib "$ZD_IDLE") | $(kib_to_mib "$MP_IDLE") | – |"
echo "| peak RSS, publishing QoS 1 64 B | $(kib_to_mib "$ZD_PEAK") at ~$ZD_RATE msg/s fed | $(kib_to_mib "$MP_PEAK") at ~$MP_RATE msg/s fed | $(kib_to_mib "$MN_PEAK") unthrottled, $MN_RATE msg/s incl. start |"
echo "| start to exit, no messages (median of 5) | $ZD_START ms | $MP_START ms | – |"
echo
echo "| consumer app (Native AOT, linux-x64, packages from ./artifacts) | binary |"
echo "| --- | --- |"
echo "| MqttClient, plain TCP only | $(stat -c %s "$CONSUMER_PLAIN") bytes ($(mib "$(stat -c %s "$CONSUMER_PLAIN")")) |"
echo "| MqttClient with a PEM client-certificate path | $(stat -c %s "$CONSUMER_CERT") bytes ($(mib "$(stat -c %s "$CONSUMER_CERT")")) |"
