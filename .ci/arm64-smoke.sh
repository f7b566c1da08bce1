#!/usr/bin/env bash
# Native AOT for linux-arm64: cross-compiles zdmqtt on this x64 machine (clang with Debian's gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross and zlib1g-dev:arm64; zero warnings allowed), reports the binary size, and runs the arm64
# binary under qemu-user-static against a local Mosquitto: 10,000 lines at QoS 1 must end with exit 0 and reach a
# QoS 1 subscriber complete and in order. No real arm64 device runs here; when qemu cannot run .NET at all (see the
# probe below), the run is reported as skipped with the reason. Exits non-zero on any failure.
#   .ci/arm64-smoke.sh [output-folder]      keeps the binary there (default: a temporary folder)
# Prerequisites: `bash test.sh --install-only ci` (.ci/run does it first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/demo/mosquitto.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
LINES=10000

WORK="$(mktemp -d -t zdmqtt-arm64-XXXXXX)"
BROKER_DIR="$WORK"
cleanup() { stop_processes; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
OUT="${1:-$WORK/out}"

for tool in aarch64-linux-gnu-gcc qemu-aarch64-static; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is missing; run: bash test.sh --install-only ci" >&2; exit 1; }
done

echo "== dotnet publish src/Cli -c Release -r linux-arm64 -p:PublishAot=true"
dotnet publish "$ROOT/src/Cli/zdmqtt.csproj" -c Release -r linux-arm64 -p:PublishAot=true -o "$OUT" -nologo \
  2>&1 | tee "$WORK/publish.log"
if grep -E "warning [A-Z]+[0-9]+" "$WORK/publish.log" >/dev/null; then
  echo "FAIL: the arm64 AOT publish has warnings:" >&2
  grep -E "warning" "$WORK/publish.log" | sort -u >&2
  exit 1
fi
BIN="$OUT/zdmqtt"
file -b "$BIN" 2>/dev/null | grep -q "ARM aarch64" || readelf -h "$BIN" | grep -q "AArch64" \
  || { echo "FAIL: $BIN is not an arm64 executable" >&2; exit 1; }
SIZE=$(stat -c %s "$BIN")
echo "linux-arm64 binary: $SIZE bytes ($(awk -v s="$SIZE" 'BEGIN {printf "%.2f", s / 1048576}') MiB)"

# Probe: an invalid configuration must end with exit 2 at once. Under some qemu-user versions the .NET runtime never
# gets past its start-up (it spins after installing its signal handlers; Debian 12's qemu 7.2 does this here, with a
# hello-world Native AOT binary too, and .NET does not support running under qemu). Then the run below cannot happen: say so, as a skip with its reason,
# never as a pass. Any other probe result is a failure.
QEMU=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)
echo '{}' >"$WORK/invalid.json"
set +e
timeout 60 "${QEMU[@]}" "$BIN" validate --config "$WORK/invalid.json" >"$WORK/probe.out" 2>&1
probe=$?
set -e
if [ "$probe" -eq 124 ]; then
  echo "SKIPPED: the arm64 run under qemu: $("${QEMU[0]}" --version | head -1) did not get the binary past .NET"
  echo "         runtime start-up within 60 s (a known qemu-user limitation; .NET does not support qemu). The arm64"
  echo "         binary was built with zero warnings and checked to be an AArch64 executable; it was not run."
  exit 0
fi
[ "$probe" -eq 2 ] || { echo "FAIL: the arm64 probe (validate an invalid config) exited $probe, expected 2:" >&2; cat "$WORK/probe.out" >&2; exit 1; }

ensure_mosquitto
start_broker "$BROKER_DIR"
TOPIC="ci/arm64"
start_subscriber "$WORK/received.txt" "$TOPIC" "arm64-subscriber"
printf '{"server": "tcp://127.0.0.1:%s", "topic": "%s", "qos": 1, "protocolVersion": "3.1.1"}\n' \
  "$BROKER_PORT" "$TOPIC" >"$WORK/arm64.json"
seq -f "arm64 line %g" 1 "$LINES" >"$WORK/input.txt"
# -L: the arm64 dynamic loader and libc of libc6-dev-arm64-cross.
start=$(date +%s%N)
timeout 600 "${QEMU[@]}" "$BIN" publish --config "$WORK/arm64.json" \
  --input "$WORK/input.txt" --give-up-after 30 2>"$WORK/publish.err" \
  || { status=$?; echo "FAIL: zdmqtt (arm64, qemu) exited $status:" >&2; cat "$WORK/publish.err" >&2; exit 1; }
end=$(date +%s%N)
cat "$WORK/publish.err"
if ! wait_for_lines "$WORK/received.txt" "$LINES" 60; then
  echo "FAIL: the subscriber received $(wc -l <"$WORK/received.txt") of $LINES messages" >&2
  exit 1
fi
if ! diff <(sed "s|^|$TOPIC |" "$WORK/input.txt") "$WORK/received.txt" >"$WORK/diff.txt"; then
  echo "FAIL: the messages received differ from the lines sent (first differences):" >&2
  head -20 "$WORK/diff.txt" >&2
  exit 1
fi
echo "arm64 under qemu: $LINES lines at QoS 1, exit 0, all received in order ($(( (end - start) / 1000000 )) ms under emulation)"
