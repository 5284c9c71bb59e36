#!/usr/bin/env bash
# Soak run: the release proxy (with its embedded reference backend) on free loopback ports under mixed REST
# (wrk + mixed.lua) and gateway (gateway_clients.py, ~200 WebSocket sessions) traffic; samples the proxy's
# RSS every 5 s and reports its growth after the warm-up, and every error. Not part of CI.
#
#   Scripts/soak/run.sh                      # 10 minutes
#   SOAK_DURATION=120 SOAK_WARMUP=30 Scripts/soak/run.sh
#
# Knobs (environment): SOAK_DURATION (s, 600), SOAK_WARMUP (s, 60), SOAK_REST_CONNECTIONS (16),
# SOAK_DELAY_MS (per-connection pause between REST requests, 10: bounds the load), SOAK_WS_CONNECTIONS (200),
# SOAK_USERS (20), SOAK_MAX_GROWTH (percent, 5), SOAK_SKIP_BUILD=1 (reuse .build/release/ayaka-edge),
# SOAK_BIN (run this binary instead, no build),
# SOAK_KEEP=1 (keep the work directory). Exit status: 0 when RSS growth < SOAK_MAX_GROWTH and no errors.
# Everything listens on 127.0.0.1; every process started here is stopped on exit.
set -euo pipefail

DURATION=${SOAK_DURATION:-600}
WARMUP=${SOAK_WARMUP:-60}
REST_CONNECTIONS=${SOAK_REST_CONNECTIONS:-16}
export SOAK_DELAY_MS=${SOAK_DELAY_MS:-10}
WS_CONNECTIONS=${SOAK_WS_CONNECTIONS:-200}
USERS=${SOAK_USERS:-20}
MAX_GROWTH=${SOAK_MAX_GROWTH:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ayaka-soak.XXXXXX")
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -z "${SOAK_KEEP:-}" ]]; then rm -rf "$WORK"; else echo "work directory kept: $WORK"; fi
}
trap cleanup EXIT INT TERM

need() { command -v "$1" >/dev/null || { echo "soak: '$1' is missing ($2)" >&2; exit 2; }; }
need wrk "apt-get install wrk"
need python3 "apt-get install python3"
need curl "apt-get install curl"
python3 -c 'import websockets' 2>/dev/null || { echo "soak: pip install 'websockets>=12'" >&2; exit 2; }

if [[ -z "${SOAK_SKIP_BUILD:-}" && -z "${SOAK_BIN:-}" ]]; then
    echo "== building release"
    (cd "$ROOT" && swift build -c release --product ayaka-edge) >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; exit 1; }
fi
BIN=${SOAK_BIN:-"$ROOT/.build/release/ayaka-edge"}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
REST=$(free_port); GATEWAY=$(free_port); ADMIN=$(free_port); BREST=$(free_port); BGATEWAY=$(free_port)

# Limits high enough that the soak measures the proxy, with one tight rule so 429s are part of the mix.
export AYAKA_EDGE_LISTEN_REST=127.0.0.1:$REST AYAKA_EDGE_LISTEN_GATEWAY=127.0.0.1:$GATEWAY
export AYAKA_EDGE_LISTEN_ADMIN=127.0.0.1:$ADMIN
export AYAKA_EDGE_BACKEND_LISTEN='{rest: "127.0.0.1:'$BREST'", gateway: "127.0.0.1:'$BGATEWAY'"}'
export AYAKA_EDGE_BACKEND_DATABASE=$WORK/ayaka.sqlite AYAKA_EDGE_METRICS_DATABASE=$WORK/metrics.sqlite
export AYAKA_EDGE_RATE_LIMITS_GLOBAL='{limit: 1000000, per: 1s}'
export AYAKA_EDGE_RATE_LIMITS_DEFAULT='{limit: 1000000, per: 1s}'
export AYAKA_EDGE_RATE_LIMITS_ROUTES='[{name: soak.preview, method: GET, path: "/guilds/{guild_id}/preview", limit: 20, per: 1s}]'
export AYAKA_EDGE_GATEWAY_MAX_CONNECTIONS_PER_IP=$((WS_CONNECTIONS * 2))
export AYAKA_EDGE_GATEWAY_PING_INTERVAL=10s

echo "== starting ayaka-edge serve (rest :$REST, gateway :$GATEWAY, admin :$ADMIN, backend :$BREST/:$BGATEWAY)"
(cd "$WORK" && exec "$BIN" serve --log-format json --log-level info) >"$WORK/proxy.log" 2>&1 &
PROXY=$!
PIDS+=("$PROXY")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GATEWAY/available" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$GATEWAY/available" >/dev/null || { echo "proxy did not start"; cat "$WORK/proxy.log"; exit 1; }

echo "== creating $USERS users, each with a guild"
SESSIONS=()
GUILD=
for i in $(seq "$USERS"); do
    body=$(curl -sf -X POST "http://127.0.0.1:$REST/users/@me" -H 'Content-Type: application/json' \
        -d "{\"username\": \"soak$i\", \"separator\": $i, \"email\": \"soak$i@example.com\", \"password\": \"soak password $i\"}")
    session=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["session_ids"][0])' <<<"$body")
    guild=$(curl -sf -X POST "http://127.0.0.1:$REST/guilds" -H "Authorization: $session" -d '{"name": "Soak '"$i"'"}' \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    SESSIONS+=("$session")
    GUILD=${GUILD:-$guild}
done
export SOAK_SESSION=${SESSIONS[0]} SOAK_GUILD=$GUILD

echo "== sampling RSS every 5 s for ${DURATION}s (warm-up ${WARMUP}s)"
(
    start=$(date +%s)
    while kill -0 "$PROXY" 2>/dev/null; do
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PROXY/status" 2>/dev/null || echo 0)
        echo "$(( $(date +%s) - start )) $rss"
        sleep 5
    done
) >"$WORK/rss.txt" &
PIDS+=("$!")

echo "== driving traffic: wrk -c $REST_CONNECTIONS (pause ${SOAK_DELAY_MS} ms) + $WS_CONNECTIONS gateway sessions"
per_user=$(( (WS_CONNECTIONS + USERS - 1) / USERS ))
GW_PIDS=()
for session in "${SESSIONS[@]}"; do
    python3 "$HERE/gateway_clients.py" --gateway "http://127.0.0.1:$GATEWAY" --session "$session" \
        --connections "$per_user" --duration "$DURATION" >>"$WORK/gateway.log" 2>&1 &
    GW_PIDS+=("$!"); PIDS+=("$!")
done
wrk -t 2 -c "$REST_CONNECTIONS" -d "${DURATION}s" --timeout 10s -s "$HERE/mixed.lua" \
    "http://127.0.0.1:$REST" >"$WORK/wrk.log" 2>&1 &
WRK=$!
PIDS+=("$WRK")
wait "$WRK" || true
for pid in "${GW_PIDS[@]}"; do wait "$pid" || true; done
sleep 1
if kill -0 "$PROXY" 2>/dev/null; then
    PROXY_ALIVE=yes
else
    wait "$PROXY" && status=0 || status=$?
    PROXY_ALIVE="no (exit status $status; >128 is a signal; see $WORK/proxy.log, SOAK_KEEP=1 keeps it)"
fi
curl -s "http://127.0.0.1:$ADMIN/status" >"$WORK/status.txt" || true

echo "== result"
grep '^SOAK_REST' "$WORK/wrk.log" || { echo "wrk produced no summary:"; cat "$WORK/wrk.log"; }
python3 - "$WORK" "$WARMUP" "$MAX_GROWTH" "$PROXY_ALIVE" <<'PY'
import re, sys, statistics, pathlib
work, warmup, max_growth, alive = pathlib.Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
samples = [tuple(map(int, l.split())) for l in (work / "rss.txt").read_text().split("\n") if l.strip()]
after = [rss for t, rss in samples if t >= warmup and rss > 0]
problems = []
if alive != "yes":
    problems.append("the proxy exited during the run: " + alive)
if len(after) < 4:
    problems.append(f"too few RSS samples after warm-up ({len(after)}); lengthen SOAK_DURATION")
    growth = float("nan")
else:
    window = max(2, len(after) // 10)
    first, last = statistics.median(after[:window]), statistics.median(after[-window:])
    growth = (last - first) / first * 100
    print(f"RSS after warm-up: {first / 1024:.1f} MiB -> {last / 1024:.1f} MiB ({growth:+.2f}%), "
          f"peak {max(after) / 1024:.1f} MiB, {len(samples)} samples")
    if growth >= max_growth:
        problems.append(f"RSS grew {growth:.2f}% (limit {max_growth}%)")
rest = re.search(r"SOAK_REST (.*)", (work / "wrk.log").read_text())
if rest:
    fields = dict(kv.split("=") for kv in rest.group(1).split())
    for key in ("5xx", "connect_errors", "read_errors", "write_errors", "timeouts"):
        if float(fields[key]) > 0:
            problems.append(f"REST {key}={fields[key]}")
else:
    problems.append("no REST summary")
totals = {}
for line in (work / "gateway.log").read_text().splitlines():
    if line.startswith("SOAK_GATEWAY"):
        for kv in line.split()[1:]:
            k, v = kv.split("=")
            totals[k] = totals.get(k, 0) + int(v)
print("SOAK_GATEWAY " + " ".join(f"{k}={v}" for k, v in totals.items()))
for key in ("unexpected_closes", "errors"):
    if totals.get(key, 0) > 0:
        problems.append(f"gateway {key}={totals[key]}")
log_errors = [l for l in (work / "proxy.log").read_text().splitlines() if '"level":"error"' in l.replace(" ", "")
              or '"level":"critical"' in l.replace(" ", "")]
print(f"proxy log: {len(log_errors)} error lines")
for line in log_errors[:5]:
    print("  " + line[:300])
if log_errors:
    problems.append(f"{len(log_errors)} error lines in the proxy log")
print("SOAK " + ("PASS" if not problems else "FAIL: " + "; ".join(problems)))
sys.exit(1 if problems else 0)
PY
