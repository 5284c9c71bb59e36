#!/usr/bin/env bash
# Two ayaka-edge builds side by side, for a before/after of one change (scenario 1's shape, or scenario 4's):
#
#   Benchmarks/harness/ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS] [SECONDS] [get|reject] [backend|static]
#                                                            # defaults: 5 8 get backend
#
# Starts one reference backend and both proxies (same config: the harness's own, rendered by bench.py into
# Benchmarks/peers/generated/ayaka-edge-base.yaml, or -reject.yaml for `reject`; run.sh once first), then runs
# wrk (2 threads, 64 connections, GET /users/@me with a session) against each in turn, alternating the order
# every round. Prints req/s and the proxy's CPU per request (user + system time from /proc) for each round and
# the medians, and the ratio after / before. Loopback only; everything it starts is stopped on exit.
# `static` puts the run.sh `--upstream static` nginx (one worker, a fixed small JSON answer) behind both proxies
# instead of the reference backend: the proxies' own cost is then most of the machine's, and a change in it shows
# with less noise.
# Run it both ways round: with the same binary on both sides the second side has measured up to ~6 % more CPU per
# request on this machine, so a smaller ratio from one orientation is no result.
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); rounds=${3:-5}; seconds=${4:-8}; scenario=${5:-get}
upstream=${6:-backend}
cd "$(dirname "$0")/../.."
config=Benchmarks/peers/generated/ayaka-edge-$([ "$scenario" = reject ] && echo reject || echo base).yaml
[ -f "$config" ] || { echo "no $config: run Benchmarks/harness/run.sh --quick once to render it" >&2; exit 1; }
source Benchmarks/harness/common.sh
start_backend "$before"
rest_upstream=$up_rest
if [ "$upstream" = static ]; then start_static_upstream; rest_upstream=$static_rest; fi

declare -A port pid
for side in before after; do
    rest=$(free_port)
    # The rendered config with this run's ports and a metrics database of its own.
    python3 - "$config" "$dir/$side.yaml" "$rest" "$(free_port)" "$(free_port)" "$rest_upstream" "$up_gw" "$dir/$side.sqlite" <<'EOF'
import re, sys
src, dst, rest, gw, admin, up_rest, up_gw, db = sys.argv[1:]
text = open(src).read()
text = re.sub(r'listen: \{[^}]*\}', f'listen: {{rest: "127.0.0.1:{rest}", gateway: "127.0.0.1:{gw}", admin: "127.0.0.1:{admin}"}}', text)
text = re.sub(r'rest: \["http://[^"]*"\]', f'rest: ["http://127.0.0.1:{up_rest}"]', text)
text = re.sub(r'gateway: \["ws://[^"]*"\]', f'gateway: ["ws://127.0.0.1:{up_gw}"]', text)
text = re.sub(r'database: "[^"]*"', f'database: "{db}"', text)
open(dst, "w").write(text)
EOF
    binary=$([ "$side" = before ] && echo "$before" || echo "$after")
    "$binary" serve --config "$dir/$side.yaml" --log-level warning > "$dir/$side.log" 2>&1 & pid[$side]=$!; pids+=($!)
    port[$side]=$rest
done
wait_for "${port[before]}" "${port[after]}" "$up_rest" "$rest_upstream"
session=$(new_session ab)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run() {  # side -> "req/s cpu_us_per_request"
    local side=$1 t0 t1 requests
    t0=$(cpu_ticks "${pid[$side]}")
    wrk -t2 -c64 -d"${seconds}s" -H "Authorization: $session" "http://127.0.0.1:${port[$side]}/users/@me" > "$dir/wrk.txt"
    t1=$(cpu_ticks "${pid[$side]}")
    requests=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
    python3 -c "print(round($requests / $seconds), round(($t1 - $t0) / $hz * 1e6 / $requests, 1))"
}
for side in before after; do run "$side" > /dev/null; done  # warm-up
: > "$dir/results"
for round in $(seq "$rounds"); do
    order=$([ $((round % 2)) -eq 1 ] && echo "before after" || echo "after before")
    for side in $order; do
        read -r rps cpu < <(run "$side")
        echo "round $round $side: $rps req/s, $cpu µs CPU/request"
        echo "$side $rps $cpu" >> "$dir/results"
    done
done
python3 - "$dir/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {s: (statistics.median(float(r[1]) for r in rows if r[0] == s),
           statistics.median(float(r[2]) for r in rows if r[0] == s)) for s in ("before", "after")}
for s in ("before", "after"):
    print(f"median {s}: {med[s][0]:.0f} req/s, {med[s][1]:.1f} µs CPU/request")
print(f"after / before: {med['after'][0] / med['before'][0]:.3f} req/s, {med['after'][1] / med['before'][1]:.3f} CPU/request")
EOF
