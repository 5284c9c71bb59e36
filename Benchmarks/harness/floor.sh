#!/usr/bin/env bash
# What NIO itself costs a proxied request: RelayFloor (a bare SwiftNIO TCP relay, Benchmarks/Benchmarks/RelayFloor)
# next to ayaka-edge, nginx and HAProxy in front of the same reference backend, scenario 1's shape (wrk -t2 -c64,
# GET /users/@me with a session), alternating round by round:
#
#   Benchmarks/harness/floor.sh [ROUNDS] [SECONDS] [backend|static]   # defaults: 5 6 backend; run.sh once first
#                                                                       # (it renders the configs)
#
# Prints each round, then per contender the median req/s and CPU per request (user + system, and each apart, from
# /proc, the contender's whole process tree). `static`: run.sh's `--upstream static` nginx answers instead of the reference
# backend, so that the proxies' own cost is most of the machine's. RelayFloor parses nothing and limits nothing: its CPU per request is the least
# any proxy built on NIO's channels takes for the same exchange. Loopback only; everything started is stopped.
set -euo pipefail
rounds=${1:-5}; seconds=${2:-6}; upstream=${3:-backend}
cd "$(dirname "$0")/../.."
bin=$PWD/.build-release/release/ayaka-edge
[ -x "$bin" ] || swift build -c release --product ayaka-edge --scratch-path .build-release 2>&1 | tail -n 1
floor=$PWD/Benchmarks/.build/release/RelayFloor
[ -x "$floor" ] || (cd Benchmarks && swift build -c release --product RelayFloor 2>&1 | tail -n 1)
G=Benchmarks/peers/generated
for f in ayaka-edge-base.yaml nginx-base.conf haproxy-base.cfg; do
    [ -f "$G/$f" ] || { echo "no $G/$f: run Benchmarks/harness/run.sh --quick once to render it" >&2; exit 1; }
done
source Benchmarks/harness/common.sh
start_backend "$bin"
rest_upstream=$up_rest
if [ "$upstream" = static ]; then start_static_upstream; rest_upstream=$static_rest; fi
declare -A port pid
port[ayaka-edge]=$(free_port); port[nginx]=$(free_port); port[haproxy]=$(free_port); port[floor]=$(free_port)
# The rendered configs with this run's ports and paths.
sed -E "s#listen: \{[^}]*\}#listen: {rest: \"127.0.0.1:${port[ayaka-edge]}\", gateway: \"127.0.0.1:$(free_port)\", admin: \"127.0.0.1:$(free_port)\"}#; s#rest: \[\"http://[^\"]*\"\]#rest: [\"http://127.0.0.1:$rest_upstream\"]#; s#gateway: \[\"ws://[^\"]*\"\]#gateway: [\"ws://127.0.0.1:$up_gw\"]#; s#database: \"[^\"]*\"#database: \"$dir/edge-metrics.sqlite\"#" \
    "$G/ayaka-edge-base.yaml" > "$dir/edge.yaml"
mkdir -p "$dir/nginx"
sed -E "s#/[^ ;]*/Benchmarks/results/raw/[0-9TZ]+#$dir/nginx#g; s#server 127.0.0.1:[0-9]+;#server 127.0.0.1:$rest_upstream;#" "$G/nginx-base.conf" |
    awk -v rest="${port[nginx]}" -v gw="$(free_port)" '/listen 127.0.0.1:/ { n++; sub(/127.0.0.1:[0-9]+/, "127.0.0.1:" (n == 1 ? rest : gw)) } { print }' > "$dir/nginx.conf"
sed -E "s#/[^ ]*/Benchmarks/results/raw/[0-9TZ]+#$dir#g; s#server up 127.0.0.1:[0-9]+#server up 127.0.0.1:$rest_upstream#; s#server gw 127.0.0.1:[0-9]+#server gw 127.0.0.1:$up_gw#" "$G/haproxy-base.cfg" |
    awk -v rest="${port[haproxy]}" -v gw="$(free_port)" '/^ *bind 127.0.0.1:/ { n++; sub(/127.0.0.1:[0-9]+/, "127.0.0.1:" (n == 1 ? rest : gw)) } { print }' > "$dir/haproxy.cfg"
"$bin" serve --config "$dir/edge.yaml" --log-level warning > "$dir/edge.log" 2>&1 & pid[ayaka-edge]=$!; pids+=($!)
nginx -c "$dir/nginx.conf" > "$dir/nginx.log" 2>&1 & pid[nginx]=$!; pids+=($!)
haproxy -f "$dir/haproxy.cfg" > "$dir/haproxy.log" 2>&1 & pid[haproxy]=$!; pids+=($!)
"$floor" "${port[floor]}" "$rest_upstream" > "$dir/floor.log" 2>&1 & pid[floor]=$!; pids+=($!)
# HAProxy and RelayFloor stop on SIGTERM (the cleanup's SIGINT is for the others).
trap 'kill -TERM ${pid[haproxy]} ${pid[floor]} 2>/dev/null || true; cleanup' EXIT
wait_for "${port[ayaka-edge]}" "${port[nginx]}" "${port[haproxy]}" "$up_rest" "$rest_upstream"
session=$(new_session floor)

tree_ticks() {  # user and system ticks of a process and its children
    local user=0 system=0 p u t
    for p in $1 $(pgrep -P "$1" || true); do
        read -r u t < <(awk '{ print $14, $15 }' "/proc/$p/stat")
        user=$((user + u)); system=$((system + t))
    done
    echo "$user $system"
}
hz=$(getconf CLK_TCK)
names=(floor ayaka-edge nginx haproxy)
run() {  # name -> "req/s cpu_us_per_request user_us system_us"
    local u0 s0 u1 s1 requests
    read -r u0 s0 < <(tree_ticks "${pid[$1]}")
    wrk -t2 -c64 -d"${seconds}s" -H "Authorization: $session" "http://127.0.0.1:${port[$1]}/users/@me" > "$dir/wrk.txt"
    read -r u1 s1 < <(tree_ticks "${pid[$1]}")
    requests=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
    python3 -c "r = $requests; k = 1e6 / $hz / r
print(round(r / $seconds), round(($u1 - $u0 + $s1 - $s0) * k, 1), round(($u1 - $u0) * k, 1), round(($s1 - $s0) * k, 1))"
}
for name in "${names[@]}"; do run "$name" > /dev/null; done  # warm-up
: > "$dir/results"
for round in $(seq "$rounds"); do
    # Rotated each round: A B C D, B C D A, ...
    for i in 0 1 2 3; do
        name=${names[$(((i + round - 1) % 4))]}
        read -r rps cpu user system < <(run "$name")
        echo "round $round $name: $rps req/s, $cpu µs CPU/request (user $user, system $system)"
        echo "$name $rps $cpu $user $system" >> "$dir/results"
    done
done
python3 - "$dir/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, *values = line.split()
    rows.setdefault(name, []).append([float(v) for v in values])
median = lambda name, i: statistics.median(row[i] for row in rows[name])
floor_cpu = median("floor", 1)
for name in rows:
    cpu = median(name, 1)
    print(f"median {name}: {median(name, 0):.0f} req/s, {cpu:.1f} µs CPU/request ({cpu / floor_cpu:.2f}x RelayFloor's;"
          f" user {median(name, 2):.1f}, system {median(name, 3):.1f})")
PY
