# Shared by the harness's shell scripts (sourced, not run): a temporary directory and the processes started,
# both cleaned up on exit; free loopback ports; the reference backend; a session to benchmark with.

ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# free_port: a loopback port nobody listens on, never the same twice in a run (those handed out are kept in
# $dir/ports), below the kernel's ephemeral range (ports.py).
free_port() { python3 "$(dirname "${BASH_SOURCE[0]}")/ports.py" "$dir/ports"; }

# start_backend BINARY: the reference backend on free ports ($up_rest, $up_gw), its data in $dir.
start_backend() {
    up_rest=$(free_port); up_gw=$(free_port)
    cat > "$dir/backend.yaml" <<YAML
backend:
  listen: {rest: "127.0.0.1:$up_rest", gateway: "127.0.0.1:$up_gw"}
  database: "$dir/ayaka.sqlite"
metrics:
  database: "$dir/backend-metrics.sqlite"
YAML
    "$1" backend --config "$dir/backend.yaml" --log-level warning > "$dir/backend.log" 2>&1 & pids+=($!)
}

# start_static_upstream: run.sh's `--upstream static` nginx (one worker, a fixed small JSON answer for every route)
# on a free port ($static_rest), its files in $dir.
start_static_upstream() {
    static_rest=$(free_port)
    sed -e "s#\${NOFILE}#20000#; s#\${WORKER_CONNECTIONS}#19900#; s#\${RUNDIR}#$dir#g; s#\${UP_REST_PORT}#$static_rest#" \
        -e 's#\${STATIC_BODY}#{"id":914911731724132352,"username":"bench","separator":1,"email":"bench@example.com"}#' \
        "$(dirname "${BASH_SOURCE[0]}")/../peers/templates/static-upstream.nginx.conf.tmpl" > "$dir/static.conf"
    nginx -c "$dir/static.conf" -p "$dir/" -e "$dir/static-error.log" > /dev/null 2>&1 & pids+=($!)
}

# wait_for PORT...: until each answers HTTP on loopback (10 s at most).
wait_for() {
    for _ in $(seq 100); do
        local all=1
        for port in "$@"; do curl -s -o /dev/null "http://127.0.0.1:$port/" || all=0; done
        [ "$all" = 1 ] && return 0
        sleep 0.1
    done
}

# new_session NAME: signs a user up at the backend and prints its session id.
new_session() {
    curl -s -X POST "http://127.0.0.1:$up_rest/users/@me" -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"separator\": 1, \"email\": \"$1@example.com\", \"password\": \"benchmark password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["session_ids"][0])'
}
