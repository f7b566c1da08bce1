#!/usr/bin/env bash
# README's test command. Installs what the tests need when it is missing (Debian/Ubuntu, apt-get, as root or with
# sudo), stops the system services those packages start (the tests start their own brokers on free loopback ports),
# then runs `dotnet test ZeroDepMqtt.sln -c Release` and prints "N passed, N failed, N skipped". Exits non-zero on
# any failure.
#   bash test.sh                      install the test prerequisites, then run the tests
#   bash test.sh --install-only       install the test prerequisites only
#   bash test.sh --install-only ci    also install what .ci/run's other checks need (fuzzing, cross-AOT, qemu)
# Extra arguments after `--` go to dotnet test (e.g. bash test.sh -- --filter 'FullyQualifiedName~Tls').
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DEBIAN_FRONTEND=noninteractive

# ==== PREREQUISITES: the one list of everything the tests and CI install. =========================================
# One line each: <group> <Debian package> <a command on PATH or an absolute file that shows it is installed>
#   group "test": needed by `dotnet test` (installed by every run); group "ci": needed by .ci/run's other checks only.
# A new test prerequisite is a one-line change here.
PREREQUISITES=(
  "test mosquitto                /usr/sbin/mosquitto"           # integration tests: the real broker
  "test mosquitto-clients        mosquitto_sub"                 # CLI tests and scripts: the reference subscriber
  "test clang                    clang"                         # Native AOT link step (AOT tests, .ci/aot-smoke.sh)
  "test zlib1g-dev               /usr/include/zlib.h"           # Native AOT links zlib
  "test nodejs                   node"                          # the aedes broker of the interop tests (Node 20+)
  "test npm                      npm"                           # `npm ci` of the aedes broker's pinned packages
  "test rabbitmq-server          /usr/sbin/rabbitmq-server"     # the RabbitMQ interop tests
  "test tinyproxy                /usr/bin/tinyproxy"            # HTTP CONNECT proxy tests
  "ci   afl++                    afl-fuzz"                      # fuzz/run.sh
  "ci   gcc-aarch64-linux-gnu    aarch64-linux-gnu-gcc"         # Native AOT for linux-arm64: cross linker
  "ci   libc6-dev-arm64-cross    /usr/aarch64-linux-gnu/lib/crt1.o"
  "ci   zlib1g-dev:arm64         /usr/lib/aarch64-linux-gnu/libz.a"
  "ci   qemu-user-static         qemu-aarch64-static"           # runs the arm64 binary on this x64 machine
  "ci   musl-tools               musl-gcc"                      # Native AOT for linux-musl-x64 (when its packs are served)
)
# System services that the packages above start after installation; the tests never use them.
SERVICES=(mosquitto rabbitmq-server tinyproxy)
# ===================================================================================================================

installed() {  # $1: command name or absolute path
  if [[ "$1" == /* ]]; then [ -e "$1" ]; else command -v "$1" >/dev/null 2>&1; fi
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

stop_service() {
  if [ -d /run/systemd/system ]; then
    as_root systemctl stop "$1" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    as_root service "$1" stop >/dev/null 2>&1 || true
  fi
}

install_prerequisites() {  # $@: groups to install
  local line group package probe need=() arm64=no
  for line in "${PREREQUISITES[@]}"; do
    read -r group package probe <<<"$line"
    [[ " $* " == *" $group "* ]] || continue
    installed "$probe" && continue
    need+=("$package")
    [[ "$package" == *:arm64 ]] && arm64=yes
  done
  [ ${#need[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || {
    echo "test.sh: missing ${need[*]}, and there is no apt-get here to install them; install them yourself" >&2
    exit 1
  }
  if [ "$arm64" = yes ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    as_root dpkg --add-architecture arm64
  fi
  echo "installing: ${need[*]}"
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian starts a system service for some of these right after installation: stop the ones just installed.
  local service
  for service in "${SERVICES[@]}"; do
    [[ " ${need[*]} " == *" $service "* ]] && stop_service "$service"
  done
  return 0
}

groups=(test)
install_only=no
dotnet_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --install-only) install_only=yes; shift; [ $# -gt 0 ] && [ "$1" = ci ] && { groups+=(ci); shift; } ;;
    --) shift; dotnet_args=("$@"); break ;;
    *) echo "usage: bash test.sh [--install-only [ci]] [-- dotnet-test-arguments]" >&2; exit 2 ;;
  esac
done

install_prerequisites "${groups[@]}"
[ "$install_only" = yes ] && exit 0

command -v dotnet >/dev/null 2>&1 || {
  echo "test.sh: the .NET 10 SDK (dotnet) is not on PATH; install it first (https://dot.net)" >&2
  exit 1
}

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test ZeroDepMqtt.sln -c Release "${dotnet_args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { grep -Eo "$1: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed) failed=$(count Failed) skipped=$(count Skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  echo "tests failed (dotnet test exit $status)" >&2
  exit 1
fi
