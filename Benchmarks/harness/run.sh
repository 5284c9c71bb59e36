#!/usr/bin/env bash
# ayaka-edge vs nginx vs HAProxy, side by side, on loopback. One command:
#
#   Benchmarks/harness/run.sh [--quick] [--rounds N] [--duration S] [--upstream backend|static] [...]
#   Benchmarks/harness/run.sh --only-variants [--upstream static]  # ayaka-edge variants only (metrics, fleet, tuning)
#   Benchmarks/harness/run.sh --profile [--duration S]     # perf profile of ayaka-edge under scenario 1
#
# Installs what is missing (nginx, haproxy, wrk, linux-perf, redis-server from Debian; websockets, uvloop from PyPI),
# builds ayaka-edge in release (`.build-release`) when the binary is missing (or with --build), raises the
# open-files limit, then runs bench.py, which starts every process it needs and stops them all on exit.
# Results: Benchmarks/results/latest.{md,csv,json}; raw logs: Benchmarks/results/raw/ (git-ignored).
# Not part of .ci/run. Options: bench.py --help.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

build=0
args=()
for a in "$@"; do
    case "$a" in
        --build) build=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exec python3 Benchmarks/harness/bench.py --help ;;
        *) args+=("$a") ;;
    esac
done

export DEBIAN_FRONTEND=noninteractive
needed=()
for pkg in nginx haproxy wrk linux-perf redis-server; do
    dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
if [ "${#needed[@]}" -gt 0 ]; then
    echo "installing: ${needed[*]}"
    apt-get update -qq
    # Debian's postinst scripts would start the packaged nginx/haproxy/redis services (ports 80/8404/6379): keep them
    # from starting while we install (a policy-rc.d that refuses), unless one is already in place.
    policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
    fi
    apt-get install -y -qq "${needed[@]}" >/dev/null
    [ "$policy_added" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
python3 -c 'import websockets' 2>/dev/null || python3 -m pip install -q websockets
python3 -c 'import uvloop' 2>/dev/null || python3 -m pip install -q uvloop || true

bin="$ROOT/.build-release/release/ayaka-edge"
if [ "$build" = 1 ] || [ ! -x "$bin" ]; then
    echo "building ayaka-edge (release, .build-release); this takes a while"
    swift build -c release --product ayaka-edge --scratch-path .build-release 2>&1 | tail -n 3
fi

# 10,000 relayed WebSockets need ~20,000 descriptors in one proxy process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mkdir -p Benchmarks/results/raw
pidfile_glob="Benchmarks/results/raw"
bench_pid=""
cleanup() {
    # bench.py stops its children itself; this is the safety net if it was killed hard.
    if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then kill -TERM "$bench_pid" 2>/dev/null || true; sleep 2; fi
    for f in "$pidfile_glob"/*/pids; do
        [ -f "$f" ] || continue
        [ "$f" -nt "$started_marker" ] || continue
        while read -r pid; do
            kill -0 "$pid" 2>/dev/null && kill -TERM -- "-$pid" 2>/dev/null || true
        done < "$f"
    done
    rm -f "$started_marker"
}
started_marker="$(mktemp)"
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 Benchmarks/harness/bench.py "${args[@]}" &
bench_pid=$!
wait "$bench_pid"
