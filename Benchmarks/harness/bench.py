#!/usr/bin/env python3
"""ayaka-edge side by side with nginx and HAProxy: the load harness behind Benchmarks/harness/run.sh.

Starts one upstream for everyone, then ayaka-edge, nginx and HAProxy in front of it (configs rendered from
Benchmarks/peers/templates into Benchmarks/peers/generated), runs each scenario for all contenders in
alternation (round r runs the contenders in an order rotated by r: A B C, B C A, C A B, ...), then ayaka-edge
variants side by side (metrics off, fleet mode with a local redis-server, no tuning histograms) against its
default config the same way, and writes Benchmarks/results/latest.{json,csv,md}. Every process it starts is
stopped on exit. Loopback only. See Benchmarks/README.md.
"""
import argparse
import csv
import datetime
import io
import json
import os
import platform
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import ports  # this directory (run as a script)

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "Benchmarks"
HARNESS = BENCH / "harness"
TEMPLATES = BENCH / "peers" / "templates"
GENERATED = BENCH / "peers" / "generated"
RESULTS = BENCH / "results"
RAW = RESULTS / "raw"
EDGE_BIN = ROOT / ".build-release" / "release" / "ayaka-edge"

CONTENDERS = ["ayaka-edge", "nginx", "haproxy"]
PEERS = ["nginx", "haproxy"]
HIGH_LIMIT = 100_000_000  # per client IP per second: nothing is ever rejected
REJECT_LIMIT = 10  # scenario 4: the route rule allows 10 requests per second per client IP

# id, title, config set, connections, wrk script
SCENARIOS = [
    ("get", "1 small GET /users/@me", "base", 64, "get"),
    ("post16k", "2 16 KB JSON PATCH /users/@me", "base", 64, "post16k"),
    ("c1000", "3 1,000 connections GET", "base", 1000, "get"),
    ("reject", "4 rejecting: limit 10/s, most get 429", "reject", 64, "get"),
    ("xff10k", "5 10,000 client IPs via X-Forwarded-For", "xff", 64, "xff"),
]

# Scenario 5's target compares ayaka-edge with its own scenario 1. Their medians are taken minutes apart, and this
# machine's throughput drifts by more than the target's 10 % over minutes (every contender's scenario 5 came out
# 0.82-0.96x its own scenario 1 in full runs, 0.94-1.01x with the two run back to back). So the target is also
# measured with its rounds paired: a second ayaka-edge with scenario 1's config runs scenario 1 right next to each
# scenario-5 round of ayaka-edge (before it in odd rounds, after it in even ones), and the derived ratio is the
# median of the rounds' ratios. The medians' ratio is still printed.
# scenario, companion scenario, the companion's config set, its process name
PAIRED = ("xff10k", "get", "base", "ayaka-edge-paired")

# ayaka-edge variants, run side by side against `default` on scenario 1 (issues #5, #8, #9):
# id, what differs, ayaka-edge.yaml.tmpl values it overrides ({redis_port}: the harness's redis-server).
VARIANT_SCENARIO = SCENARIOS[0]
VARIANTS = [
    ("default", "default config: metrics on, memory store, tuning windows [1s, 10s, 1m, 10m, 1h]", {}),
    ("metrics-off", "metrics.enabled: false (no SQLite)", {"METRICS_ENABLED": "false"}),
    ("fleet", "rate_limits.store: redis://127.0.0.1:PORT/0 (local redis-server)",
     {"RATE_LIMIT_STORE": "redis://127.0.0.1:{redis_port}/0"}),
    ("tuning-off", "metrics.tuning_windows: [] (no tuning histograms)", {"TUNING_WINDOWS": "[]"}),
]
# label, numerator variant, denominator variant: req/s ratios of one run
VARIANT_RATIOS = [
    ("metrics on / off req/s (target >= 0.97)", "default", "metrics-off"),
    ("fleet / memory req/s (goal >= 0.8)", "fleet", "default"),
    ("tuning windows on / off req/s", "default", "tuning-off"),
]


def log(msg):
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------- processes

class Processes:
    """Every child in its own process group, logged under the run's raw directory, stopped on exit."""

    def __init__(self, rundir: Path):
        self.rundir = rundir
        self.procs = {}
        self.pidfile = rundir / "pids"

    def start(self, name, argv, cwd=None, env=None, stdin=None, stdout=None):
        logf = open(self.rundir / f"{name}.log", "ab")
        p = subprocess.Popen(argv, cwd=cwd or self.rundir, env=env or child_env(), stdin=stdin,
                             stdout=stdout if stdout is not None else logf, stderr=logf,
                             start_new_session=True)
        self.procs[name] = p
        with open(self.pidfile, "a") as f:
            f.write(f"{p.pid}\n")
        return p

    def stop(self, name, timeout=10):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(5)

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)


def child_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AYAKA_EDGE_")}
    env.setdefault("LANG", "C.UTF-8")
    return env


_PORTS_HANDED_OUT = set()


def free_port():
    """A loopback port nobody listens on, never the same twice in a run (see ports.py)."""
    return ports.free_port(_PORTS_HANDED_OUT)


def wait_port(port, proc, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{what} exited with status {proc.returncode}; see its log under {RAW}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port} within {timeout} s")


def http(method, port, path, body=None, headers=None, timeout=10):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def redis_counters(port):
    """Commands processed and CPU µs used so far by the redis-server on `port` (from INFO)."""
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "INFO"], capture_output=True,
                         text=True, timeout=10).stdout
    info = dict(line.split(":", 1) for line in out.splitlines() if ":" in line and not line.startswith("#"))
    return dict(commands=int(info["total_commands_processed"]),
                cpu_us=1e6 * (float(info["used_cpu_user"]) + float(info["used_cpu_sys"])))


def rss_kib(pid):
    """VmRSS of a process and all its descendants, in KiB."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def descendants(pid):
    """A process and all its descendants (nginx: the master and its workers)."""
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of a process tree so far (all threads), in seconds."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / CLOCK_TICKS


def render(template, out, values):
    text = (TEMPLATES / template).read_text()

    def sub(m):
        key = m.group(1)
        if key not in values:
            raise SystemExit(f"{template}: no value for ${{{key}}}")
        return str(values[key])

    out.write_text(re.sub(r"\$\{([A-Z_]+)\}", sub, text))
    return out


def median_of_rounds(rs):
    """One table row from the wrk runs of one contender (or variant) in one scenario: medians over rounds."""
    rps = [r["rps"] for r in rs]
    med = statistics.median(rps)
    total = sum(r["requests"] for r in rs)
    return dict(
        rps=med, rps_min=min(rps), rps_max=max(rps),
        spread=(max(rps) - min(rps)) / med if med else 0,
        p50_ms=statistics.median(r["p50_us"] for r in rs) / 1000,
        p99_ms=statistics.median(r["p99_us"] for r in rs) / 1000,
        non2xx_pct=100.0 * sum(r["status_errors"] for r in rs) / total if total else 0,
        socket_errors=sum(r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"] for r in rs),
        status=rs[0]["preflight_status"], rounds=len(rs),
        cpu_us_per_req=statistics.median(r["cpu_us_per_req"] for r in rs)
        if all(r.get("cpu_us_per_req") is not None for r in rs) else None)


def measured_cells(r):
    """req/s | spread | p50 | p99 | CPU | non-2xx | status cells of a table row."""
    cpu = f"{r['cpu_us_per_req']:.0f}" if r.get("cpu_us_per_req") else "-"
    errs = f" ({r['socket_errors']} socket errors)" if r["socket_errors"] else ""
    return (f"{r['rps']:,.0f} | {100 * r['spread']:.0f}% | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {cpu} | "
            f"{r['non2xx_pct']:.1f}%{errs} | {r['status']}")


def write_derived(w, derived):
    if derived:
        w("\n")
        for k, v in derived.items():
            w(f"- {k}: {v:.2f}\n")


def load_range(loads):
    return f"{min(loads or [0]):.1f}-{max(loads or [0]):.1f}"


def results_header(doc):
    m = doc["machine"]
    return (f"# ayaka-edge vs nginx vs HAProxy ({doc['generated_at']})\n\n"
            f"Machine: {m['nproc']} cores ({m['cpu']}), kernel {m['kernel']}; {m['nginx']}; "
            f"{m['haproxy']}; {m['wrk']}; {m['swift']}; commit {m['git_commit'][:12]}"
            f"{' (dirty)' if m['git_dirty'] else ''}.\n\n")


# -------------------------------------------------------------------------------------------- the bench

class Bench:
    def __init__(self, args):
        self.args = args
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.stamp = stamp
        self.rundir = RAW / stamp
        self.rundir.mkdir(parents=True, exist_ok=True)
        GENERATED.mkdir(parents=True, exist_ok=True)
        self.procs = Processes(self.rundir)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.ports = {k: free_port() for k in [
            "up_rest", "up_gw", "static", "edge_rest", "edge_gw", "edge_admin",
            "nginx_rest", "nginx_gw", "haproxy_rest", "haproxy_gw"]}
        self.session = None
        self.results = []  # one dict per wrk run
        self.gateway = []  # one dict per contender
        self.loadavg = []
        self.variant_ports = {}  # process name -> {"rest", "gw", "admin"}
        self.variant_results = []  # one dict per wrk run of a variant
        self.variant_loadavg = []
        self.redis_stats = {}
        self.paired = []  # one dict per round of PAIRED: the two wrk runs' req/s
        self.ping_pairs = {}  # gateway_ping_pairs.py's RESULT: every gateway's pings in the same rounds

    # ---- upstream
    def start_upstream(self):
        values = dict(UP_REST_PORT=self.ports["up_rest"], UP_GW_PORT=self.ports["up_gw"], RUNDIR=self.rundir)
        cfg = render("backend.yaml.tmpl", GENERATED / "backend.yaml", values)
        p = self.procs.start("backend", [str(EDGE_BIN), "backend", "--config", str(cfg), "--log-level", "warning"])
        wait_port(self.ports["up_rest"], p, "reference backend")
        wait_port(self.ports["up_gw"], p, "reference backend gateway")
        # One user; its session authenticates every request of every scenario.
        body = json.dumps({"username": "bench", "separator": 1, "email": "bench@example.com",
                           "password": "benchmark password"}).encode()
        status, data = http("POST", self.ports["up_rest"], "/users/@me", body,
                            {"Content-Type": "application/json"}, timeout=60)
        if status != 201:
            raise SystemExit(f"creating the benchmark user failed: {status} {data[:200]!r}")
        self.session = json.loads(data)["session_ids"][0]
        status, me = http("GET", self.ports["up_rest"], "/users/@me", headers={"Authorization": self.session})
        if status != 200:
            raise SystemExit(f"GET /users/@me on the backend answered {status}")
        self.rest_upstream_port = self.ports["up_rest"]
        if self.args.upstream == "static":
            text = me.decode()
            if "'" in text or "$" in text or "\\" in text:
                text = '{"id":1,"username":"bench","separator":1,"bio":"","avatar_url":null}'
            values = dict(UP_REST_PORT=self.ports["static"], RUNDIR=self.rundir, NOFILE=self.nofile,
                          WORKER_CONNECTIONS=max(1024, self.nofile - 100), STATIC_BODY=text)
            cfg = render("static-upstream.nginx.conf.tmpl", GENERATED / "static-upstream.nginx.conf", values)
            p = self.procs.start("static-upstream", ["nginx", "-c", str(cfg), "-p", f"{self.rundir}/",
                                                     "-e", f"{self.rundir}/static-upstream-error.log"])
            wait_port(self.ports["static"], p, "static upstream (nginx)")
            self.rest_upstream_port = self.ports["static"]
        log(f"upstream: {self.args.upstream} REST on :{self.rest_upstream_port}, gateway on :{self.ports['up_gw']}")

    # ---- proxies
    def config_values(self, config_set):
        route_limit = REJECT_LIMIT if config_set == "reject" else HIGH_LIMIT
        xff = config_set == "xff"
        maxconn = max(1000, (self.nofile - 400) // 2)
        return dict(
            RUNDIR=self.rundir, NOFILE=self.nofile, WORKER_CONNECTIONS=max(1024, self.nofile - 100),
            MAXCONN=maxconn,
            UP_REST_PORT=self.rest_upstream_port, UP_GW_PORT=self.ports["up_gw"],
            GLOBAL_LIMIT=HIGH_LIMIT, ROUTE_LIMIT=route_limit,
            # nginx: a leaky bucket; `burst` absorbs the requests that arrive within the same millisecond
            GLOBAL_RATE=HIGH_LIMIT, ROUTE_RATE=route_limit,
            GLOBAL_BURST=100000, ROUTE_BURST=100000 if route_limit == HIGH_LIMIT else route_limit,
            METRICS_ENABLED="true", METRICS_DATABASE=self.rundir / "edge-metrics.sqlite",
            RATE_LIMIT_STORE="memory", TUNING_WINDOWS="[1s, 10s, 1m, 10m, 1h]",  # the defaults
            WS_CONN_PER_IP=60000,  # per client IP: far above the N connections of scenario 6
            TRUSTED_PROXIES="[127.0.0.0/8]" if xff else "[]",
            REAL_IP=("    set_real_ip_from 127.0.0.0/8;\n    real_ip_header X-Forwarded-For;\n"
                     "    real_ip_recursive on;\n") if xff else "",
            SET_SRC="    http-request set-src hdr(x-forwarded-for) if { src 127.0.0.0/8 }" if xff else "",
        )

    def start_proxies(self, config_set, which=CONTENDERS):
        v = self.config_values(config_set)
        pr = self.ports
        started = {}
        if "ayaka-edge" in which:
            started["ayaka-edge"] = self.start_edge("ayaka-edge", f"ayaka-edge-{config_set}", dict(
                v, REST_PORT=pr["edge_rest"], GW_PORT=pr["edge_gw"], ADMIN_PORT=pr["edge_admin"]))
        if "nginx" in which:
            cfg = render("nginx.conf.tmpl", GENERATED / f"nginx-{config_set}.conf",
                         dict(v, REST_PORT=pr["nginx_rest"], GW_PORT=pr["nginx_gw"]))
            t = subprocess.run(["nginx", "-t", "-c", str(cfg), "-p", f"{self.rundir}/",
                                "-e", f"{self.rundir}/nginx-error.log"], capture_output=True, text=True)
            if t.returncode != 0:
                raise SystemExit(f"nginx rejected {cfg}:\n{t.stderr}")
            started["nginx"] = self.procs.start("nginx", ["nginx", "-c", str(cfg), "-p", f"{self.rundir}/",
                                                          "-e", f"{self.rundir}/nginx-error.log"])
        if "haproxy" in which:
            cfg = render("haproxy.cfg.tmpl", GENERATED / f"haproxy-{config_set}.cfg",
                         dict(v, REST_PORT=pr["haproxy_rest"], GW_PORT=pr["haproxy_gw"]))
            t = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True)
            if t.returncode != 0:
                raise SystemExit(f"haproxy rejected {cfg}:\n{t.stdout}{t.stderr}")
            started["haproxy"] = self.procs.start("haproxy", ["haproxy", "-db", "-f", str(cfg)])
        for name, p in started.items():
            wait_port(self.rest_port(name), p, name)
            wait_port(self.gw_port(name), p, f"{name} gateway")
        return started

    def start_edge(self, name, config_name, values):
        """ayaka-edge serving a config rendered from ayaka-edge.yaml.tmpl (checked first), as process `name`."""
        cfg = render("ayaka-edge.yaml.tmpl", GENERATED / f"{config_name}.yaml", values)
        check = subprocess.run([str(EDGE_BIN), "check-config", str(cfg)], capture_output=True, text=True,
                               env=child_env())
        if check.returncode != 0:
            raise SystemExit(f"ayaka-edge rejected {cfg}:\n{check.stdout}{check.stderr}")
        return self.procs.start(name, [str(EDGE_BIN), "serve", "--config", str(cfg)])

    def stop_proxies(self):
        for name in CONTENDERS:
            self.procs.stop(name)

    def rest_port(self, name):
        if name in self.variant_ports:
            return self.variant_ports[name]["rest"]
        return {"ayaka-edge": self.ports["edge_rest"], "nginx": self.ports["nginx_rest"],
                "haproxy": self.ports["haproxy_rest"]}[name]

    def gw_port(self, name):
        return {"ayaka-edge": self.ports["edge_gw"], "nginx": self.ports["nginx_gw"],
                "haproxy": self.ports["haproxy_gw"], "direct": self.ports["up_gw"]}[name]

    # ---- wrk
    def script(self, kind):
        path = self.rundir / f"{kind}.lua"
        if not path.exists():
            path.write_text((HARNESS / "lua" / f"{kind}.lua").read_text() + "\n"
                            + (HARNESS / "lua" / "report.lua").read_text())
        return path

    def wrk(self, name, scenario, conns, script, duration, label):
        url = f"http://127.0.0.1:{self.rest_port(name)}/users/@me"
        argv = ["wrk", "-t2", f"-c{conns}", f"-d{duration}s", "--timeout", "10s", "--latency",
                "-H", f"Authorization: {self.session}", "-s", str(self.script(script)), url]
        proc = self.procs.procs.get(name)
        cpu0 = cpu_seconds(proc.pid) if proc else None
        out = subprocess.run(argv, capture_output=True, text=True, env=child_env())
        cpu1 = cpu_seconds(proc.pid) if proc else None
        with open(self.rundir / f"wrk-{scenario}-{name}.log", "a") as f:
            f.write(f"== {label}\n{out.stdout}{out.stderr}\n")
        m = re.search(r"^BENCHJSON (\{.*\})$", out.stdout, re.M)
        if out.returncode != 0 or not m:
            log(f"wrk failed for {name} ({scenario}): {out.stderr.strip()[:300]}")
            return None
        r = json.loads(m.group(1))
        r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
        # CPU the contender itself spent per request: comparable even when the upstream is the bottleneck.
        r["cpu_s"] = (cpu1 - cpu0) if proc else None
        r["cpu_us_per_req"] = 1e6 * r["cpu_s"] / r["requests"] if proc and r["requests"] else None
        return r

    def preflight(self, name, script, rejecting=False):
        headers = {"Authorization": self.session}
        body = None
        method = "GET"
        if script == "post16k":
            method = "PATCH"
            headers["Content-Type"] = "application/json"
            body = ('{"bio": "' + "a" * (16384 - 11) + '"}').encode()
        if script == "xff":
            headers["X-Forwarded-For"] = "10.9.8.7"
        # In the rejecting scenario, the status once the limit is used up (the first requests pass).
        for _ in range(REJECT_LIMIT + 5 if rejecting else 1):
            status, _ = http(method, self.rest_port(name), "/users/@me", body, headers)
        return status

    def run_rest(self):
        a = self.args
        scenarios = [s for s in SCENARIOS if not a.only or s[0] in a.only]
        sets = []
        for s in scenarios:
            if s[2] not in sets:
                sets.append(s[2])
        paired_sid, companion_sid, companion_set, companion = PAIRED
        by_id = {s[0]: s for s in SCENARIOS}
        for config_set in sets:
            log(f"config set '{config_set}': starting ayaka-edge, nginx, HAProxy")
            self.start_proxies(config_set)
            for scenario in scenarios:
                if scenario[2] != config_set:
                    continue
                pair = None
                if scenario[0] == paired_sid:
                    self.start_companion(companion, companion_set)
                    pair = (companion, by_id[companion_sid])
                self.run_rounds(CONTENDERS, scenario, a.rounds, a.duration, self.results, self.loadavg, pair)
                if pair:
                    self.procs.stop(companion)
            self.stop_proxies()

    def start_companion(self, name, config_set):
        """A second ayaka-edge on its own ports, with `config_set`'s config, for paired rounds."""
        ports = self.variant_ports[name] = {k: free_port() for k in ["rest", "gw", "admin"]}
        values = dict(self.config_values(config_set), METRICS_DATABASE=self.rundir / f"{name}-metrics.sqlite",
                      REST_PORT=ports["rest"], GW_PORT=ports["gw"], ADMIN_PORT=ports["admin"])
        p = self.start_edge(name, name, values)
        wait_port(ports["rest"], p, name)

    def run_rounds(self, names, scenario, rounds, duration, results, loadavg, pair=None):
        """A scenario against every process in `names` in alternation: a preflight request and an unrecorded
        warm-up each, then `rounds` rounds in an order rotated by the round (A B C, B C A, ...). Appends one
        dict per wrk run to `results` and the load average at its start to `loadavg`; returns the requests
        each process served (preflight and warm-up included). `pair` (process name, scenario): that process runs
        that scenario next to each round of ayaka-edge, recorded in `self.paired` (see PAIRED)."""
        sid, title, config_set, conns, script = scenario
        statuses = {n: self.preflight(n, script, config_set == "reject") for n in names}
        log(f"scenario {title}: preflight statuses {statuses}")
        served = dict.fromkeys(names, REJECT_LIMIT + 5 if config_set == "reject" else 1)
        for n in names:  # warm-up, not recorded
            warm = self.wrk(n, sid, conns, script, self.args.warmup, "warm-up")
            served[n] += warm["requests"] if warm else 0
        if pair:
            self.preflight(pair[0], pair[1][4])
            self.wrk(pair[0], pair[1][0], pair[1][3], pair[1][4], self.args.warmup, "warm-up")
        for rnd in range(rounds):
            shift = rnd % len(names)
            for n in names[shift:] + names[:shift]:
                companion = None
                if pair and n == "ayaka-edge" and rnd % 2 == 0:
                    companion = self.companion_round(pair, duration, rnd)
                loadavg.append(os.getloadavg()[0])
                r = self.wrk(n, sid, conns, script, duration, f"round {rnd + 1}")
                if pair and n == "ayaka-edge" and rnd % 2 == 1:
                    companion = self.companion_round(pair, duration, rnd)
                if r is None:
                    continue
                if companion:
                    self.paired.append(dict(round=rnd + 1, scenario=sid, rps=r["rps"], companion=pair[0],
                                            companion_scenario=pair[1][0], companion_rps=companion["rps"],
                                            companion_first=rnd % 2 == 0))
                r.update(scenario=sid, title=title, contender=n, round=rnd + 1, connections=conns,
                         preflight_status=statuses[n], upstream=self.args.upstream)
                results.append(r)
                served[n] += r["requests"]
                log(f"  {sid} round {rnd + 1} {n:10s} {r['rps']:9.0f} req/s  p50 {r['p50_us'] / 1000:7.2f} ms"
                    f"  p99 {r['p99_us'] / 1000:7.2f} ms  CPU {r['cpu_us_per_req'] or 0:5.1f} µs/req"
                    f"  non-2xx {r['status_errors']}")
        return served

    def companion_round(self, pair, duration, rnd):
        name, (sid, _, _, conns, script) = pair
        r = self.wrk(name, sid, conns, script, duration, f"round {rnd + 1} (paired)")
        if r:
            log(f"  {sid} round {rnd + 1} {name} {r['rps']:9.0f} req/s (paired)")
        return r

    # ---- ayaka-edge variants
    def start_redis(self):
        """A throw-away redis-server on a free loopback port: no snapshots, no AOF, its dir under the run's."""
        port = free_port()
        home = self.rundir / "redis"
        home.mkdir(exist_ok=True)
        p = self.procs.start("redis-server", [
            "redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(home), "--pidfile", str(home / "redis.pid"), "--daemonize", "no", "--logfile", ""])
        wait_port(port, p, "redis-server")
        return port

    def run_variants(self):
        """Scenario 1 against ayaka-edge's default config and each variant, all started side by side and run
        in alternation; a variant's config is the benchmark's base config with its overrides."""
        a = self.args
        redis_port = self.start_redis()
        base = self.config_values(VARIANT_SCENARIO[2])
        names = []
        for vid, _, overrides in VARIANTS:
            name = f"ayaka-edge-{vid}"
            ports = self.variant_ports[name] = {k: free_port() for k in ["rest", "gw", "admin"]}
            values = dict(base, METRICS_DATABASE=self.rundir / f"{name}-metrics.sqlite",
                          REST_PORT=ports["rest"], GW_PORT=ports["gw"], ADMIN_PORT=ports["admin"])
            values.update({k: v.format(redis_port=redis_port) for k, v in overrides.items()})
            p = self.start_edge(name, name, values)
            wait_port(ports["rest"], p, name)
            names.append(name)
        log(f"variants: {', '.join(names)} side by side; redis-server on :{redis_port}")
        redis_before = redis_counters(redis_port)
        served = self.run_rounds(names, VARIANT_SCENARIO, a.variant_rounds, a.variant_duration,
                                 self.variant_results, self.variant_loadavg)
        redis_after = redis_counters(redis_port)
        fleet_requests = served["ayaka-edge-fleet"]
        if fleet_requests:
            self.redis_stats = {k: (redis_after[k] - redis_before[k]) / fleet_requests for k in redis_after}
            log(f"  redis-server: {self.redis_stats['commands']:.2f} commands and "
                f"{self.redis_stats['cpu_us']:.1f} µs CPU per fleet request")
        for name in names + ["redis-server"]:
            self.procs.stop(name)

    # ---- gateway
    def run_gateway(self):
        a = self.args
        n = min(a.ws_connections, max(100, (self.nofile - 600) // 2))
        if n < a.ws_connections:
            log(f"gateway: {a.ws_connections} connections need ~{2 * a.ws_connections} descriptors in one proxy "
                f"process; the open-files limit is {self.nofile}: using {n}")
        self.ws_n = n
        self.start_proxies("base")
        pids = {name: self.procs.procs[name].pid for name in CONTENDERS}
        pids["direct"] = self.procs.procs["backend"].pid
        for name in ["direct"] + CONTENDERS:
            url = f"ws://127.0.0.1:{self.gw_port(name)}/"
            time.sleep(2)
            before = rss_kib(pids[name])
            up_before = rss_kib(pids["direct"])
            log(f"gateway via {name}: opening {n} connections, holding {a.ws_hold:.0f} s (RSS before {before} KiB)")
            p = self.procs.start("gateway-load", [sys.executable, str(HARNESS / "gateway_load.py"), "--url", url,
                                                  "--session", self.session, "--connections", str(n),
                                                  "--hold", str(a.ws_hold), "--ping-interval", str(a.ws_ping_interval)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            lines = {}
            for raw in p.stdout:
                tag, _, payload = raw.decode().strip().partition(" ")
                lines[tag] = json.loads(payload) if payload else {}
                if tag == "CONNECTED":
                    log(f"  connected {lines[tag]['ok']} (failed {lines[tag]['failed']}) in {lines[tag]['seconds']} s")
                    if lines[tag]["failed"]:
                        log(f"  errors: {lines[tag]['errors']}")
                if tag == "HELD":
                    after = rss_kib(pids[name])
                    up_after = rss_kib(pids["direct"])
                    p.stdin.write(b"close\n")
                    p.stdin.flush()
                if tag == "RESULT":
                    break
            p.wait(60)
            self.procs.procs.pop("gateway-load", None)
            res = lines.get("RESULT")
            if not res or "HELD" not in lines:
                log(f"  gateway load failed for {name}; see {self.rundir}/gateway-load.log")
                continue
            ok = max(1, res["connections"])
            row = dict(contender=name, connections=res["connections"], failed=res["failed"],
                       open_at_end=res["open_at_end"], rss_before_kib=before, rss_after_kib=after,
                       bytes_per_connection=round((after - before) * 1024 / ok),
                       upstream_bytes_per_connection=round((up_after - up_before) * 1024 / ok),
                       ping_p50_ms=res["ping_p50_ms"], ping_p99_ms=res["ping_p99_ms"], pings=res["pings"],
                       lost_pings=res["lost"], connect_seconds=res["connect_seconds"], errors=res["errors"])
            self.gateway.append(row)
            log(f"  {name}: {row['bytes_per_connection']} B/conn, ping p50 {row['ping_p50_ms']} ms "
                f"p99 {row['ping_p99_ms']} ms ({row['pings']} pings, {row['lost_pings']} lost)")
        if a.ws_pair_rounds:
            self.run_ping_pairs()
        self.stop_proxies()

    def run_ping_pairs(self):
        """Every gateway's pings in the same rounds, interleaved (gateway_ping_pairs.py): the hold phases are
        minutes apart, and the machine drifts between them by more than the proxies differ."""
        a = self.args
        argv = [sys.executable, str(HARNESS / "gateway_ping_pairs.py"), "--session", self.session,
                "--connections", str(a.ws_pair_connections), "--rounds", str(a.ws_pair_rounds)]
        for name in ["direct"] + CONTENDERS:
            argv += ["--target", f"{name}=ws://127.0.0.1:{self.gw_port(name)}/"]
        log(f"gateway pings paired: {a.ws_pair_connections} connections per gateway, {a.ws_pair_rounds} rounds, "
            f"one ping in flight, the gateways in turn")
        out = subprocess.run(argv, capture_output=True, text=True, env=child_env(), timeout=900)
        with open(self.rundir / "gateway-ping-pairs.log", "w") as f:
            f.write(out.stdout + out.stderr)
        m = re.search(r"^RESULT (\{.*\})$", out.stdout, re.M)
        if out.returncode != 0 or not m:
            log(f"  paired pings failed; see {self.rundir}/gateway-ping-pairs.log")
            return
        self.ping_pairs = json.loads(m.group(1))
        for name, t in self.ping_pairs["targets"].items():
            log(f"  {name}: ping p50 {t['p50_ms']} ms p99 {t['p99_ms']} ms ({t['pings']} pings, {t['lost']} lost)")

    # ---- report
    def machine(self):
        def cmd(argv):
            try:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
                return (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr).strip() else ""
            except Exception:
                return ""
        cpu = ""
        try:
            cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
        except Exception:
            pass
        return {
            "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "memory_mib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20,
            "nginx": cmd(["nginx", "-v"]).replace("nginx version: ", ""),
            "haproxy": " ".join(cmd(["haproxy", "-v"]).split()[:3]),
            "wrk": " ".join(cmd(["wrk", "-v"]).split()[:2]),
            "swift": cmd(["swift", "--version"]), "python": platform.python_version(),
            "git_commit": cmd(["git", "-C", str(ROOT), "rev-parse", "HEAD"]),
            "git_dirty": bool(cmd(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])),
            "open_files_limit": self.nofile,
        }

    def summarize(self):
        summary = []
        for sid, title, _, conns, _ in SCENARIOS:
            rows = {}
            for n in CONTENDERS:
                rs = [r for r in self.results if r["scenario"] == sid and r["contender"] == n]
                if rs:
                    rows[n] = median_of_rounds(rs)
            if not rows:
                continue
            peers = [p for p in PEERS if p in rows]
            best = max(peers, key=lambda p: rows[p]["rps"]) if peers else None
            ratio = rows["ayaka-edge"]["rps"] / rows[best]["rps"] if best and "ayaka-edge" in rows else None
            best_p99 = min(rows[p]["p99_ms"] for p in peers) if peers else None
            p99_ratio = rows["ayaka-edge"]["p99_ms"] / best_p99 if best_p99 and "ayaka-edge" in rows else None
            cpu_best = min((rows[p]["cpu_us_per_req"] for p in peers if rows[p]["cpu_us_per_req"]), default=None)
            cpu_ratio = (rows["ayaka-edge"]["cpu_us_per_req"] / cpu_best
                         if cpu_best and "ayaka-edge" in rows and rows["ayaka-edge"]["cpu_us_per_req"] else None)
            summary.append(dict(scenario=sid, title=title, connections=conns, contenders=rows, best_peer=best,
                                ratio_rps=ratio, ratio_p99_vs_best_peer=p99_ratio,
                                ratio_cpu_per_req_vs_leanest_peer=cpu_ratio))
        return summary

    def derived(self, summary):
        by = {s["scenario"]: s for s in summary}
        out = {}
        e = lambda sid: by[sid]["contenders"].get("ayaka-edge", {}).get("rps") if sid in by else None  # noqa
        if e("get") and e("reject"):
            out["ayaka-edge reject / small GET throughput (target >= 2)"] = e("reject") / e("get")
        if e("get") and e("xff10k"):
            out["ayaka-edge 10k IPs / small GET throughput, medians minutes apart"] = e("xff10k") / e("get")
        ratios = [p["rps"] / p["companion_rps"] for p in self.paired if p["companion_rps"]]
        if ratios:
            out["ayaka-edge 10k IPs / small GET throughput, rounds paired (target >= 0.9)"] = statistics.median(ratios)
        return out

    def summarize_variants(self):
        """Per variant id: the median row of its rounds, with what it changes."""
        rows = {}
        for vid, what, _ in VARIANTS:
            rs = [r for r in self.variant_results if r["contender"] == f"ayaka-edge-{vid}"]
            if rs:
                rows[vid] = dict(median_of_rounds(rs), what=what)
        return rows

    def derived_variants(self, rows):
        """The ratios the issues ask for, and what the fleet adds to the latency percentiles."""
        out = {}
        for label, num, den in VARIANT_RATIOS:
            if num in rows and den in rows and rows[den]["rps"]:
                out[label] = rows[num]["rps"] / rows[den]["rps"]
        if "fleet" in rows and "default" in rows:
            out["fleet added p50 ms"] = rows["fleet"]["p50_ms"] - rows["default"]["p50_ms"]
            out["fleet added p99 ms (goal <= 1)"] = rows["fleet"]["p99_ms"] - rows["default"]["p99_ms"]
        if self.redis_stats:
            out["fleet: redis-server commands per request (a script's own calls included)"] = \
                self.redis_stats["commands"]
            out["fleet: redis-server CPU µs per request"] = self.redis_stats["cpu_us"]
        return out

    def table(self, summary, derived):
        a = self.args
        buf = io.StringIO()
        w = buf.write
        if summary or self.gateway:
            w(f"upstream: {a.upstream}; {a.rounds} round(s) x {a.duration} s per contender, alternating; "
              f"wrk -t2; median of rounds; load average during runs {load_range(self.loadavg)}\n\n")
        if summary:
            self.peer_table(w, summary, derived)
        if self.gateway:
            self.gateway_table(w)
        if self.variant_results:
            if buf.tell():
                w("\n")
            self.variants_table(w)
        return buf.getvalue()

    def peer_table(self, w, summary, derived):
        w("| scenario | contender | req/s (median) | spread | p50 ms | p99 ms | CPU µs/req | non-2xx | status | "
          "ayaka-edge vs best peer |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
        for s in summary:
            for n in CONTENDERS:
                r = s["contenders"].get(n)
                if not r:
                    continue
                ratio = ""
                if n == "ayaka-edge" and s["ratio_rps"] is not None:
                    ratio = f"**{s['ratio_rps']:.2f}x** req/s, {s['ratio_p99_vs_best_peer']:.2f}x p99 (vs {s['best_peer']})"
                    if s.get("ratio_cpu_per_req_vs_leanest_peer"):
                        ratio += f", {s['ratio_cpu_per_req_vs_leanest_peer']:.2f}x CPU/req"
                w(f"| {s['title']} ({s['connections']} conns) | {n} | {measured_cells(r)} | {ratio} |\n")
        write_derived(w, derived)

    def gateway_table(self, w):
        a = self.args
        w(f"\nGateway: {self.ws_n} WebSocket connections held {a.ws_hold:.0f} s, each pinging every "
          f"{a.ws_ping_interval:.0f} s (Python websockets client)\n\n")
        w("| via | connected | bytes / connection (RSS) | ping p50 ms | ping p99 ms | pings (lost) |\n"
          "|---|---:|---:|---:|---:|---:|\n")
        for g in self.gateway:
            via = "direct (the backend's own bytes / conn)" if g["contender"] == "direct" else g["contender"]
            w(f"| {via} | {g['connections']} | {g['bytes_per_connection']:,} | {g['ping_p50_ms']} | "
              f"{g['ping_p99_ms']} | {g['pings']} ({g['lost_pings']}) |\n")
        edge = next((g for g in self.gateway if g["contender"] == "ayaka-edge"), None)
        ha = next((g for g in self.gateway if g["contender"] == "haproxy"), None)
        if edge and ha and ha["bytes_per_connection"] > 0 and ha["ping_p50_ms"]:
            w(f"\n- ayaka-edge / HAProxy bytes per connection (target <= 1): "
              f"{edge['bytes_per_connection'] / ha['bytes_per_connection']:.2f}; ping p50, holds minutes apart: "
              f"{edge['ping_p50_ms'] / ha['ping_p50_ms']:.2f}\n")
        pairs = self.ping_pairs
        if pairs:
            conns = max(t["connections"] for t in pairs["targets"].values())
            w(f"\nGateway pings paired: {conns} connections per gateway, {len(pairs['rounds'])} rounds; each round "
              f"pings every connection of every gateway once, one ping in flight, the gateways in turn "
              f"(order rotated every round)\n\n| via | ping p50 ms | ping p99 ms | pings (lost) |\n|---|---:|---:|---:|\n")
            for name, t in pairs["targets"].items():
                w(f"| {name} | {t['p50_ms']} | {t['p99_ms']} | {t['pings']} ({t['lost']}) |\n")
            ratio = self.paired_ping_ratio()
            if ratio is not None:
                w(f"\n- ayaka-edge / HAProxy ping p50, rounds paired (target <= 1): {ratio:.2f} "
                  f"(median of the rounds' ratios)\n")

    def paired_ping_ratio(self):
        """The median over rounds of ayaka-edge's ping p50 over HAProxy's in the same round."""
        ratios = [r["ayaka-edge"] / r["haproxy"] for r in self.ping_pairs.get("rounds", [])
                  if r.get("ayaka-edge") and r.get("haproxy")]
        return statistics.median(ratios) if ratios else None

    def variants_table(self, w):
        a = self.args
        rows = self.summarize_variants()
        _, title, _, conns, _ = VARIANT_SCENARIO
        w(f"ayaka-edge variants: scenario {title} ({conns} conns), upstream {a.upstream}; every variant started "
          f"side by side, {a.variant_rounds} round(s) x {a.variant_duration} s each, alternating; median of rounds; "
          f"load average during runs {load_range(self.variant_loadavg)}\n\n")
        w("| variant | what differs | req/s (median) | spread | p50 ms | p99 ms | CPU µs/req | non-2xx | status | "
          "req/s vs default |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
        base = rows.get("default", {}).get("rps")
        for vid, r in rows.items():
            ratio = f"{r['rps'] / base:.2f}" if base else "-"
            w(f"| {vid} | {r['what']} | {measured_cells(r)} | {ratio} |\n")
        write_derived(w, self.derived_variants(rows))

    def write(self):
        summary = self.summarize()
        derived = self.derived(summary)
        table = self.table(summary, derived)
        a = self.args
        variants = self.summarize_variants()
        doc = dict(
            generated_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            options=dict(upstream=a.upstream, rounds=a.rounds, duration_s=a.duration, warmup_s=a.warmup,
                         quick=a.quick, ws_connections=getattr(self, "ws_n", None), ws_hold_s=a.ws_hold,
                         ws_ping_interval_s=a.ws_ping_interval, ws_pair_connections=a.ws_pair_connections,
                         ws_pair_rounds=a.ws_pair_rounds, variant_rounds=a.variant_rounds,
                         variant_duration_s=a.variant_duration),
            machine=self.machine(), load_average_during_runs=self.loadavg,
            summary=summary, derived=derived, gateway=self.gateway, runs=self.results, paired=self.paired,
            ping_pairs=self.ping_pairs,
            variants=dict(summary=variants, derived=self.derived_variants(variants), redis_per_request=self.redis_stats,
                          load_average_during_runs=self.variant_loadavg, runs=self.variant_results),
        )
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = a.output or "latest"
        (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
        with open(RESULTS / f"{name}.csv", "w", newline="") as f:
            cw = csv.writer(f)
            cw.writerow(["kind", "scenario", "contender", "rounds", "connections", "rps_median", "rps_min",
                         "rps_max", "p50_ms", "p99_ms", "cpu_us_per_req", "non2xx_pct", "status", "ratio_edge_vs_best_peer",
                         "bytes_per_connection", "ping_p50_ms", "ping_p99_ms"])
            for s in summary:
                for n, r in s["contenders"].items():
                    cw.writerow(["rest", s["scenario"], n, r["rounds"], s["connections"], round(r["rps"]),
                                 round(r["rps_min"]), round(r["rps_max"]), round(r["p50_ms"], 3),
                                 round(r["p99_ms"], 3),
                                 round(r["cpu_us_per_req"], 1) if r.get("cpu_us_per_req") else "",
                                 round(r["non2xx_pct"], 2), r["status"],
                                 round(s["ratio_rps"], 3) if n == "ayaka-edge" and s["ratio_rps"] else "",
                                 "", "", ""])
            for g in self.gateway:
                cw.writerow(["gateway", "ws", g["contender"], 1, g["connections"], "", "", "", "", "", "", "", "", "",
                             g["bytes_per_connection"], g["ping_p50_ms"], g["ping_p99_ms"]])
            # a variant's ratio column: its req/s over the default config's, same run
            base = variants.get("default", {}).get("rps")
            for vid, r in variants.items():
                cw.writerow(["variant", VARIANT_SCENARIO[0], f"ayaka-edge-{vid}", r["rounds"], VARIANT_SCENARIO[3],
                             round(r["rps"]), round(r["rps_min"]), round(r["rps_max"]), round(r["p50_ms"], 3),
                             round(r["p99_ms"], 3),
                             round(r["cpu_us_per_req"], 1) if r.get("cpu_us_per_req") else "",
                             round(r["non2xx_pct"], 2), r["status"], round(r["rps"] / base, 3) if base else "",
                             "", "", ""])
        header = results_header(doc)
        (RESULTS / f"{name}.md").write_text(header + table)
        print(header + table)

    def rerender(self, name):
        """Writes latest.md again from latest.json (after a change to the table's layout)."""
        doc = json.loads((RESULTS / f"{name}.json").read_text())
        self.results, self.gateway = doc["runs"], doc["gateway"]
        self.paired = doc.get("paired", [])
        self.ping_pairs = doc.get("ping_pairs", {})
        self.loadavg = doc["load_average_during_runs"]
        self.ws_n = doc["options"]["ws_connections"]
        variants = doc.get("variants", {})
        self.variant_results = variants.get("runs", [])
        self.variant_loadavg = variants.get("load_average_during_runs", [])
        self.redis_stats = variants.get("redis_per_request", {})
        for k, v in [("upstream", "upstream"), ("rounds", "rounds"), ("duration", "duration_s"),
                     ("ws_hold", "ws_hold_s"), ("ws_ping_interval", "ws_ping_interval_s"),
                     ("variant_rounds", "variant_rounds"), ("variant_duration", "variant_duration_s")]:
            setattr(self.args, k, doc["options"].get(v))
        summary = self.summarize()
        (RESULTS / f"{name}.md").write_text(results_header(doc) + self.table(summary, self.derived(summary)))

    def main(self):
        a = self.args
        try:
            self.start_upstream()
            if not a.skip_rest:
                self.run_rest()
            if not a.skip_gateway:
                self.run_gateway()
            if not a.skip_variants:
                self.run_variants()
        finally:
            self.procs.stop_all()
        self.write()


# ------------------------------------------------------------------------------------------------ profile

SYSCALL_EVENTS = ["raw_syscalls:sys_enter", "context-switches"] + [
    f"syscalls:sys_enter_{n}" for n in ["read", "readv", "recvfrom", "recvmsg", "write", "writev", "sendmsg",
                                        "sendto", "epoll_wait", "epoll_pwait", "epoll_ctl", "timerfd_settime",
                                        "connect", "accept4", "close", "socket"]]


def syscalls_per_request(b, names, duration, scenario="get", conns=64, script="get"):
    """One scenario once per contender under `perf stat` of syscall tracepoints: syscalls per request."""
    rows = {}
    for name in names:
        pids = descendants(b.procs.procs[name].pid)
        out = b.rundir / f"perf-stat-{name}.csv"
        stat = b.procs.start(f"perf-stat-{name}", ["perf", "stat", "-x", ",", "-o", str(out), "-e",
                                                     ",".join(SYSCALL_EVENTS), "-p", ",".join(map(str, pids))])
        time.sleep(0.5)
        r = b.wrk(name, scenario, conns, script, duration, "syscall count")
        os.kill(stat.pid, signal.SIGINT)
        stat.wait(30)
        b.procs.procs.pop(f"perf-stat-{name}", None)
        if not r or not out.exists():
            continue
        counts = {}
        for line in out.read_text().splitlines():
            f = line.split(",")
            if len(f) > 3 and f[0].replace(".", "").isdigit():
                counts[f[2].replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "all syscalls")] = \
                    float(f[0])
        # perf stat counted a little before and after wrk; per request is close enough for a comparison
        rows[name] = {k: v / r["requests"] for k, v in counts.items() if v}
        rows[name]["req/s"] = r["rps"]
        rows[name]["CPU us/req"] = r["cpu_us_per_req"]
    return rows


def profile(args):
    """Scenario 1 (or 3, 4, 5: --profile-scenario c1000, reject, xff10k) against ayaka-edge alone while
    `perf record` samples it (software cpu-clock event), then syscalls per request for all three contenders."""
    b = Bench(args)
    sc_name = args.profile_scenario
    number = {"get": 1, "c1000": 3, "reject": 4, "xff10k": 5}[sc_name]
    conns = 1000 if sc_name == "c1000" else 64
    config_set = {"reject": "reject", "xff10k": "xff"}.get(sc_name, "base")
    script = "xff" if sc_name == "xff10k" else "get"
    try:
        b.start_upstream()
        started = b.start_proxies(config_set)
        pid = started["ayaka-edge"].pid
        for n in CONTENDERS:
            b.wrk(n, sc_name, conns, script, 2, "warm-up")
        data = b.rundir / "perf.data"
        perf = b.procs.start("perf", ["perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-p", str(pid),
                                      "-o", str(data)])
        time.sleep(1)
        r = b.wrk("ayaka-edge", sc_name, conns, script, args.duration, "profiled")
        os.kill(perf.pid, signal.SIGINT)
        perf.wait(60)
        b.procs.procs.pop("perf", None)
        log(f"profiled run: {r['rps']:.0f} req/s" if r else "profiled run: wrk failed")
        sc = syscalls_per_request(b, CONTENDERS, max(3, args.duration // 3), sc_name, conns, script)
    finally:
        b.procs.stop_all()
    out = RESULTS / "profile"
    out.mkdir(parents=True, exist_ok=True)
    tag = f"scenario{number}-{args.upstream}"
    demangle = ["swift", "demangle", "--simplified"]
    for name, extra in [("self", ["--no-children"]), ("children", ["--children"])]:
        rep = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none", "--percent-limit", "0.3",
                              "--sort", "dso,symbol"] + extra, capture_output=True, text=True)
        dm = subprocess.run(demangle, input=rep.stdout, capture_output=True, text=True)
        (b.rundir / f"{tag}-{name}.txt").write_text(dm.stdout or rep.stdout)
    script = subprocess.run(["perf", "script", "-i", str(data), "-F", "ip,sym"], capture_output=True, text=True)
    dm = subprocess.run(demangle, input=script.stdout, capture_output=True, text=True)
    summary = subprocess.run([sys.executable, str(HARNESS / "profile_summary.py"), str(ROOT / "Sources")],
                             input=dm.stdout, capture_output=True, text=True)
    keys = ["req/s", "CPU us/req", "all syscalls", "context-switches", "read", "readv", "recvfrom", "recvmsg",
            "write", "writev", "sendto", "sendmsg", "epoll_wait", "epoll_pwait", "epoll_ctl", "timerfd_settime",
            "connect", "accept4", "close", "socket"]
    lines = [f"# ayaka-edge profile, scenario {number} (GET /users/@me, {conns} connections"
             f"{', route limit 10/s: nearly all 429' if sc_name == 'reject' else ''}"
             f"{', 10,000 client IPs via X-Forwarded-For' if sc_name == 'xff10k' else ''}), upstream {args.upstream}, "
             f"{args.duration} s, commit {subprocess.run(['git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}",
             f"# profiled run: {r['rps']:.0f} req/s" if r else "", "", summary.stdout, "",
             f"Syscalls and context switches per request (perf stat, scenario {number}, each contender alone)", "",
             "| per request | " + " | ".join(sc) + " |", "|---|" + "---:|" * len(sc)]
    for k in keys:
        if any(k in v for v in sc.values()):
            lines.append(f"| {k} | " + " | ".join(f"{v.get(k, 0):,.2f}" if k != "req/s" else f"{v.get(k, 0):,.0f}"
                                                  for v in sc.values()) + " |")
    (out / f"{tag}.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    log(f"profile written to {out}/{tag}.txt (perf reports: {b.rundir})")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1 round x 3 s, 1,000 WebSockets held 10 s")
    p.add_argument("--rounds", type=int)
    p.add_argument("--duration", type=int, help="seconds per wrk run")
    p.add_argument("--warmup", type=int, help="seconds of unrecorded warm-up per contender and scenario")
    p.add_argument("--upstream", choices=["backend", "static"], default="backend",
                   help="backend: the reference backend (realistic, default); static: a one-worker nginx "
                        "answering a fixed JSON (isolates the proxies' own cost)")
    p.add_argument("--only", nargs="*", help="REST scenario ids to run: get post16k c1000 reject xff10k")
    p.add_argument("--skip-rest", action="store_true")
    p.add_argument("--skip-gateway", action="store_true")
    p.add_argument("--ws-connections", type=int)
    p.add_argument("--ws-hold", type=float)
    p.add_argument("--ws-ping-interval", type=float)
    p.add_argument("--ws-pair-connections", type=int,
                   help="paired pings: connections per gateway (default 100; --quick: 20)")
    p.add_argument("--ws-pair-rounds", type=int,
                   help="paired pings: rounds, each pinging every connection of every gateway once (default 20; "
                        "--quick: 3; 0: none)")
    p.add_argument("--only-variants", action="store_true",
                   help="only the ayaka-edge variants (metrics off, fleet, no tuning histograms vs the default "
                        "config), same as --skip-rest --skip-gateway")
    p.add_argument("--skip-variants", action="store_true", help="leave the ayaka-edge variants out")
    p.add_argument("--variant-rounds", type=int, help="rounds of the variants (default 3; --quick: 2)")
    p.add_argument("--variant-duration", type=int, help="seconds per variant and round (default 5; --quick: 3)")
    p.add_argument("--output", help="results name under Benchmarks/results (default: latest)")
    p.add_argument("--rerender", action="store_true", help="write <output>.md again from <output>.json")
    p.add_argument("--profile", action="store_true",
                   help="instead of the comparison: perf-profile ayaka-edge under scenario 1")
    p.add_argument("--profile-scenario", choices=["get", "c1000", "reject", "xff10k"], default="get",
                   help="with --profile: scenario 1 (get, default), 3 (c1000), 4 (reject) or 5 (xff10k)")
    a = p.parse_args()
    quick = a.quick
    a.rounds = a.rounds or (1 if quick else 3)
    a.duration = a.duration or (3 if quick else 10)
    a.warmup = a.warmup if a.warmup is not None else (1 if quick else 2)
    a.ws_connections = a.ws_connections or (1000 if quick else 10000)
    a.ws_hold = a.ws_hold or (10.0 if quick else 60.0)
    a.ws_ping_interval = a.ws_ping_interval or (5.0 if quick else 20.0)
    a.ws_pair_connections = a.ws_pair_connections or (20 if quick else 100)
    a.ws_pair_rounds = a.ws_pair_rounds if a.ws_pair_rounds is not None else (3 if quick else 20)
    a.variant_rounds = a.variant_rounds or (2 if quick else 3)
    a.variant_duration = a.variant_duration or (3 if quick else 5)
    if a.only_variants:
        a.skip_rest = a.skip_gateway = True
        a.skip_variants = False
    if not EDGE_BIN.exists():
        raise SystemExit(f"{EDGE_BIN} is missing: run Benchmarks/harness/run.sh, which builds it")

    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    if a.rerender:
        b = Bench.__new__(Bench)
        b.args = a
        b.rerender(a.output or "latest")
    elif a.profile:
        profile(a)
    else:
        Bench(a).main()


if __name__ == "__main__":
    main()
