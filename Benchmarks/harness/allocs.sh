#!/usr/bin/env bash
# Heap allocations per proxied request, for one or more ayaka-edge builds side by side:
#
#   Benchmarks/harness/allocs.sh BINARY [BINARY...]     # run.sh once first (it renders the configs)
#
# Puts run.sh's static nginx upstream behind each build in turn (the harness's rendered config, scenario 1's shape
# without a session: wrk -t2 -c64 GET /users/@me), counts the process's calls to glibc's malloc with a uprobe
# (`perf probe -x libc malloc`, set up here when missing; needs root) over 3 s of load, and prints mallocs per
# request. Every Swift object, array, String storage and ByteBuffer is one malloc. Loopback only; everything
# started is stopped.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BINARY [BINARY...]" >&2; exit 2; }
binaries=(); for b in "$@"; do binaries+=("$(realpath "$b")"); done
cd "$(dirname "$0")/../.."
config=Benchmarks/peers/generated/ayaka-edge-base.yaml
[ -f "$config" ] || { echo "no $config: run Benchmarks/harness/run.sh --quick once to render it" >&2; exit 1; }
libc=$(ldconfig -p | awk '/libc.so.6 .*x86-64/ { print $NF; exit }')
perf probe -l 2>/dev/null | grep -q "probe_libc:malloc" || perf probe -q -x "$libc" malloc
source Benchmarks/harness/common.sh
start_backend "${binaries[0]}"
start_static_upstream
for binary in "${binaries[@]}"; do
    rest=$(free_port)
    sed -E "s#listen: \{[^}]*\}#listen: {rest: \"127.0.0.1:$rest\", gateway: \"127.0.0.1:$(free_port)\", admin: \"127.0.0.1:$(free_port)\"}#; s#rest: \[\"http://[^\"]*\"\]#rest: [\"http://127.0.0.1:$static_rest\"]#; s#gateway: \[\"ws://[^\"]*\"\]#gateway: [\"ws://127.0.0.1:$up_gw\"]#; s#database: \"[^\"]*\"#database: \"$dir/metrics-$rest.sqlite\"#" \
        "$config" > "$dir/edge-$rest.yaml"
    "$binary" serve --config "$dir/edge-$rest.yaml" --log-level warning > "$dir/edge-$rest.log" 2>&1 & edge=$!; pids+=($edge)
    wait_for "$rest" "$static_rest"
    wrk -t2 -c64 -d1s "http://127.0.0.1:$rest/users/@me" > /dev/null  # warm-up
    perf stat -e probe_libc:malloc -p "$edge" -o "$dir/stat-$rest.txt" & counter=$!
    sleep 0.3
    wrk -t2 -c64 -d3s "http://127.0.0.1:$rest/users/@me" > "$dir/wrk-$rest.txt"
    kill -INT "$counter"; wait "$counter" || true
    requests=$(awk '/requests in/ { print $1 }' "$dir/wrk-$rest.txt")
    mallocs=$(awk '/probe_libc:malloc/ { gsub(",", "", $1); print $1 }' "$dir/stat-$rest.txt")
    python3 -c "print(f'$binary: {$requests} requests, {$mallocs} mallocs, {$mallocs / $requests:.2f} per request')"
    kill -INT "$edge"; wait "$edge" 2>/dev/null || true
done
