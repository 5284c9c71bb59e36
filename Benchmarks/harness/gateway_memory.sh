#!/usr/bin/env bash
# ayaka-edge alone: resident memory per idle relayed WebSocket, in about 30 s (the full gateway scenario of run.sh
# takes ~5 minutes and measures nginx and HAProxy too). For before/after comparisons of the relay's memory.
#
#   Benchmarks/harness/gateway_memory.sh [CONNECTIONS] [HOLD_SECONDS]     # defaults: 9700 5
#   BIN=/path/to/other/ayaka-edge Benchmarks/harness/gateway_memory.sh     # another build (alternate two for an A/B)
#
# Starts the reference backend and ayaka-edge (release build, `.build-release`, built when missing; or $BIN) on free
# loopback ports with configs written to a temporary directory, opens CONNECTIONS identified WebSockets through
# the proxy with harness/gateway_load.py, reads the proxy's RSS with all of them open, and stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${1:-9700}
hold=${2:-5}
bin="${BIN:-$PWD/.build-release/release/ayaka-edge}"
[ -x "$bin" ] || [ -n "${BIN:-}" ] || swift build -c release --product ayaka-edge --scratch-path .build-release 2>&1 | tail -n 1
source Benchmarks/harness/common.sh
start_backend "$bin"
rest=$(free_port); gw=$(free_port); admin=$(free_port)
cat > "$dir/edge.yaml" <<EOF
listen: {rest: "127.0.0.1:$rest", gateway: "127.0.0.1:$gw", admin: "127.0.0.1:$admin"}
upstreams: {rest: ["http://127.0.0.1:$up_rest"], gateway: ["ws://127.0.0.1:$up_gw"]}
gateway: {max_connections_per_ip: 60000}
metrics: {database: "$dir/edge-metrics.sqlite"}
EOF
"$bin" serve --config "$dir/edge.yaml" --log-level warning > "$dir/edge.log" 2>&1 & edge=$!; pids+=($edge)
wait_for "$rest" "$up_rest"
session=$(new_session memory)
sleep 1
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$edge/status"; }
before=$(rss)
coproc load { python3 Benchmarks/harness/gateway_load.py --url "ws://127.0.0.1:$gw/" --session "$session" \
    --connections "$connections" --hold "$hold" --ping-interval 20; }
while read -r line <&"${load[0]}"; do
    case "$line" in
        CONNECTED*) echo "$line" ;;
        HELD*)
            after=$(rss)
            echo "RSS before ${before} KiB, with ${connections} open ${after} KiB:" \
                "$(( (after - before) * 1024 / connections )) bytes per relayed connection"
            echo close >&"${load[1]}" ;;
        RESULT*) break ;;
    esac
done
