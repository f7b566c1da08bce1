#!/usr/bin/env bash
# AOT smoke test: publish zdmqtt with Native AOT (zero trim/AOT warnings allowed), report the binary size, and run
# the native binary once against a real Mosquitto. Exits non-zero on any failure. Called from .ci/run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/demo/mosquitto.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

BROKER_DIR="$(mktemp -d -t zdmqtt-aot-XXXXXX)"
cleanup() { stop_processes; rm -rf "$BROKER_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# clang and zlib1g-dev (the AOT link) and Mosquitto come from test.sh's one list of prerequisites.
bash "$ROOT/test.sh" --install-only
ensure_mosquitto

OUT="$BROKER_DIR/aot"
echo "== dotnet publish src/Cli -c Release -p:PublishAot=true"
dotnet publish "$ROOT/src/Cli/zdmqtt.csproj" -c Release -p:PublishAot=true -o "$OUT" -nologo 2>&1 | tee "$BROKER_DIR/publish.log"
# Trim and AOT analysis warnings are IL2xxx/IL3xxx; any warning at all fails the smoke test.
if grep -E "warning (IL[0-9]+|[A-Z]+[0-9]+)" "$BROKER_DIR/publish.log" >/dev/null; then
  echo "FAIL: the AOT publish has warnings:" >&2
  grep -E "warning" "$BROKER_DIR/publish.log" | sort -u >&2
  exit 1
fi
BIN="$OUT/zdmqtt"
[ -x "$BIN" ] || { echo "FAIL: no native binary at $BIN" >&2; exit 1; }
SIZE=$(stat -c %s "$BIN")
echo "binary: $BIN, $SIZE bytes ($(( (SIZE + 524288) / 1048576 )) MiB)"

start_broker "$BROKER_DIR"
TOPIC="ci/aot"
start_subscriber "$BROKER_DIR/received.txt" "$TOPIC" "aot-subscriber"
printf '{"server": "tcp://127.0.0.1:%s", "topic": "%s", "qos": 1}\n' "$BROKER_PORT" "$TOPIC" >"$BROKER_DIR/aot.json"

ms_now() { date +%s%N | cut -c1-13; }

# Connect, CONNACK, DISCONNECT and exit, with no messages: the cost of starting the native binary and connecting.
# Twice: the first start also pays for reading the binary from disk.
empty_run() {
  local start end
  start=$(ms_now)
  "$BIN" publish --config "$BROKER_DIR/aot.json" --give-up-after 5 </dev/null 2>"$BROKER_DIR/empty.err" \
    || { echo "FAIL: empty publish failed:" >&2; cat "$BROKER_DIR/empty.err" >&2; exit 1; }
  end=$(ms_now)
  echo $((end - start))
}
first_ms=$(empty_run)
again_ms=$(empty_run)

LINES=$'{"n": 1, "v": 20.5}\n{"n": 2, "v": 20.7}\n\n{"n": 4, "v": 21.0}'
t2=$(ms_now)
printf '%s\n' "$LINES" | "$BIN" publish --config "$BROKER_DIR/aot.json" --give-up-after 5 2>"$BROKER_DIR/publish.err" \
  || { echo "FAIL: publish exited $?:" >&2; cat "$BROKER_DIR/publish.err" >&2; exit 1; }
t3=$(ms_now)
cat "$BROKER_DIR/publish.err"

if ! wait_for_lines "$BROKER_DIR/received.txt" 4 10; then
  echo "FAIL: the subscriber received $(wc -l <"$BROKER_DIR/received.txt") of 4 messages" >&2
  exit 1
fi
expected="$(printf '%s\n' "$LINES" | sed "s|^|$TOPIC |; s| \$||")"
# mosquitto_sub -v prints an empty payload as "(null)".
received="$(sed 's| (null)$||; s| $||' "$BROKER_DIR/received.txt")"
if [ "$received" != "$expected" ]; then
  echo "FAIL: received messages differ:" >&2
  diff <(echo "$expected") <(echo "$received") >&2 || true
  exit 1
fi
echo "subscriber received all 4 messages"

# Standard streams closed at start, as under JIT (tests/ZeroDepMqtt.Sink.Tests/Cli/ClosedStreamTests.cs). Under Native
# AOT the runtime's first dup lands on the closed descriptor: a closed stderr became a copy of stdout (the summary
# was printed there) and a closed stdout made validate abort (134).
rc=0; out="$(printf 'closed-stderr\n' | "$BIN" publish --config "$BROKER_DIR/aot.json" --give-up-after 5 2>&-)" || rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || { echo "FAIL: publish with stderr closed: exit $rc, stdout: $out" >&2; exit 1; }
rc=0; out="$(printf '{"server": "tcp://127.0.0.1:1", "topic": "t"}' >"$BROKER_DIR/nobroker.json"; "$BIN" publish --config "$BROKER_DIR/nobroker.json" --give-up-after 1 </dev/null 2>&-)" || rc=$?
[ "$rc" = 3 ] && [ -z "$out" ] || { echo "FAIL: unreachable publish with stderr closed: exit $rc (expected 3), stdout: $out" >&2; exit 1; }
rc=0; "$BIN" validate --config "$BROKER_DIR/aot.json" >&- 2>"$BROKER_DIR/validate.err" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: validate with stdout closed: exit $rc:" >&2; cat "$BROKER_DIR/validate.err" >&2; exit 1; }
rc=0; out="$(timeout 30 "$BIN" publish --config "$BROKER_DIR/aot.json" <&- 2>"$BROKER_DIR/stdin.err")" || rc=$?
if [ "$rc" != 1 ] || [ -n "$out" ] || ! grep -q "standard input is closed" "$BROKER_DIR/stdin.err"; then
  echo "FAIL: publish with stdin closed: exit $rc (expected 1), stdout: $out, stderr:" >&2; cat "$BROKER_DIR/stdin.err" >&2; exit 1
fi
echo "closed stdin (exit 1, says so), stderr (exit 0 and 3, stdout empty), stdout (validate exit 0): as under JIT"
echo "start to exit, no messages (connect, CONNACK, DISCONNECT): ${first_ms} ms first, ${again_ms} ms again"
echo "start to exit, 4 messages at QoS 1 (all PUBACKs):          $((t3 - t2)) ms"
echo "AOT smoke test passed"
