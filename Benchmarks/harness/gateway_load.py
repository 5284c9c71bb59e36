#!/usr/bin/env python3
"""Gateway load client for the benchmark harness (scenario 6).

Opens N WebSocket connections to one gateway URL (a proxy or the upstream itself), identifies each with a
session id and waits for its READY, keeps them all open for `--hold` seconds while each one pings every
`--ping-interval` seconds (the seed client's keepalive, done by hand so that every round trip is timed),
then waits for a line on stdin before closing, so that the caller can read the proxy's resident memory
while every connection is still open.

Protocol on stdout (one line each, flushed):
    CONNECTED {"ok": N, "failed": F, "seconds": S, "errors": {...}}
    HELD {"pings": P, "lost": L}
    RESULT {...}     (after "close" was read on stdin, or at once with --no-wait)
"""
import argparse
import asyncio
import json
import random
import sys
import time

try:
    from websockets.asyncio.client import connect
except ImportError:  # websockets < 14
    from websockets import connect  # type: ignore


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


async def open_identified(url, session, error):
    """A WebSocket to `url`, identified with `session` and past its READY; None (and `error(kind)`) on failure."""
    try:
        ws = await connect(url, ping_interval=None, compression=None, open_timeout=60, close_timeout=5, max_queue=4)
    except Exception as e:  # refused, 429, timeout, ...
        error(f"connect: {type(e).__name__}: {str(e)[:80]}")
        return None
    try:
        await ws.send(json.dumps({"session_id": session}))
        while True:
            msg = await asyncio.wait_for(ws.recv(), timeout=60)
            if isinstance(msg, str) and '"READY"' in msg:
                return ws
    except Exception as e:
        error(f"identify: {type(e).__name__}: {str(e)[:80]}")
        await ws.close()
        return None


async def drain(ws):
    """Reads (and drops) anything the server sends, so that nothing piles up and pongs are seen."""
    try:
        async for _ in ws:
            pass
    except Exception:
        pass


class Load:
    def __init__(self, args):
        self.args = args
        self.conns = []
        self.errors = {}
        self.rtts = []
        self.lost = 0
        self.measuring = False
        self.stop = asyncio.Event()

    def error(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def open_one(self, sem):
        async with sem:
            ws = await open_identified(self.args.url, self.args.session, self.error)
            if ws is not None:
                self.conns.append(ws)

    async def keepalive(self, ws):
        interval = self.args.ping_interval
        try:
            await asyncio.wait_for(self.stop.wait(), timeout=random.uniform(0, interval))
            return
        except asyncio.TimeoutError:
            pass
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                waiter = await ws.ping()
                await asyncio.wait_for(waiter, timeout=self.args.ping_timeout)
                if self.measuring:
                    self.rtts.append(time.perf_counter() - t0)
            except Exception:
                if self.measuring:
                    self.lost += 1
                return
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass

    async def run(self):
        a = self.args
        sem = asyncio.Semaphore(a.concurrency)
        t0 = time.perf_counter()
        await asyncio.gather(*(self.open_one(sem) for _ in range(a.connections)))
        connect_seconds = time.perf_counter() - t0
        emit("CONNECTED", {"ok": len(self.conns), "failed": a.connections - len(self.conns),
                           "seconds": round(connect_seconds, 2), "errors": self.errors})
        tasks = [asyncio.create_task(self.keepalive(ws)) for ws in self.conns]
        tasks += [asyncio.create_task(drain(ws)) for ws in self.conns]
        self.measuring = True
        await asyncio.sleep(a.hold)
        self.measuring = False
        open_now = sum(1 for ws in self.conns if ws.state.name == "OPEN") if self.conns else 0
        emit("HELD", {"pings": len(self.rtts), "lost": self.lost, "open": open_now})
        if not a.no_wait:
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        self.stop.set()
        await asyncio.gather(*(ws.close() for ws in self.conns), return_exceptions=True)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        r = sorted(self.rtts)
        ms = lambda v: None if v is None else round(v * 1000, 3)  # noqa: E731
        emit("RESULT", {
            "connections": len(self.conns), "failed": a.connections - len(self.conns), "errors": self.errors,
            "connect_seconds": round(connect_seconds, 2), "open_at_end": open_now,
            "pings": len(r), "lost": self.lost,
            "ping_p50_ms": ms(percentile(r, 50)), "ping_p90_ms": ms(percentile(r, 90)),
            "ping_p99_ms": ms(percentile(r, 99)), "ping_max_ms": ms(r[-1] if r else None),
        })


def emit(tag, obj):
    sys.stdout.write(f"{tag} {json.dumps(obj)}\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--session", required=True)
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--hold", type=float, default=60)
    p.add_argument("--ping-interval", type=float, default=20)
    p.add_argument("--ping-timeout", type=float, default=20)
    p.add_argument("--concurrency", type=int, default=200, help="handshakes in flight at once")
    p.add_argument("--no-wait", action="store_true", help="close right after the hold")
    args = p.parse_args()
    try:
        import uvloop  # type: ignore
    except ImportError:
        uvloop = None
    if uvloop is not None and hasattr(uvloop, "run"):
        uvloop.run(Load(args).run())
    else:
        asyncio.run(Load(args).run())


if __name__ == "__main__":
    main()
