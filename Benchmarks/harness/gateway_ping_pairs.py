#!/usr/bin/env python3
"""Paired ping round trips through several gateways (scenario 6's ping comparison, drift removed).

The hold phases of scenario 6 measure each proxy's pings a minute or more apart, and this machine drifts by
more than the proxies differ (the direct row's p50 moves by 30 % between runs). Here every target is pinged in
the same rounds, interleaved: K connections per target are opened and identified, then each round pings
connection k of every target in turn (one ping in flight at a time, the order of the targets rotated every
round), so that a slow moment hits all targets alike.

    gateway_ping_pairs.py --session ID --target NAME=ws://HOST:PORT/ [--target ...] [--connections K] [--rounds R]

Prints one line: RESULT {"targets": {NAME: {"p50_ms", "p99_ms", "pings", "lost"}},
                         "rounds": [{NAME: p50_ms, ...}, ...]}
"""
import argparse
import asyncio
import sys
import time

from gateway_load import drain, emit, open_identified, percentile


async def run(args):
    targets = [t.split("=", 1) for t in args.target]
    errors = []
    sem = asyncio.Semaphore(args.concurrency)

    async def one(url):
        async with sem:
            return await open_identified(url, args.session, lambda kind: errors.append(f"{url}: {kind}"))

    conns = {}
    for name, url in targets:
        opened = await asyncio.gather(*(one(url) for _ in range(args.connections)))
        conns[name] = [ws for ws in opened if ws is not None]
        if not conns[name]:
            raise SystemExit(f"no connection through {name}: {errors[:3]}")
    readers = [asyncio.create_task(drain(ws)) for wss in conns.values() for ws in wss]
    names = [name for name, _ in targets]
    rtts = {name: [] for name in names}
    lost = {name: 0 for name in names}
    rounds = []
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        this_round = {name: [] for name in names}
        for k in range(args.connections):
            for name in order:
                wss = conns[name]
                ws = wss[k % len(wss)]
                t0 = time.perf_counter()
                try:
                    waiter = await ws.ping()
                    await asyncio.wait_for(waiter, timeout=args.ping_timeout)
                except Exception:
                    lost[name] += 1
                    continue
                this_round[name].append(time.perf_counter() - t0)
        rounds.append({name: round(percentile(sorted(v), 50) * 1000, 4) for name, v in this_round.items() if v})
        for name, v in this_round.items():
            rtts[name].extend(v)
    for wss in conns.values():
        await asyncio.gather(*(ws.close() for ws in wss), return_exceptions=True)
    for t in readers:
        t.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    out = {}
    for name in names:
        v = sorted(rtts[name])
        out[name] = {"p50_ms": round(percentile(v, 50) * 1000, 4) if v else None,
                     "p99_ms": round(percentile(v, 99) * 1000, 4) if v else None,
                     "pings": len(v), "lost": lost[name], "connections": len(conns[name])}
    emit("RESULT", {"targets": out, "rounds": rounds, "errors": errors[:10]})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--session", required=True)
    p.add_argument("--target", action="append", required=True, help="NAME=ws://HOST:PORT/ (repeat)")
    p.add_argument("--connections", type=int, default=100, help="connections per target")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--ping-timeout", type=float, default=20)
    p.add_argument("--concurrency", type=int, default=100, help="handshakes in flight at once")
    args = p.parse_args()
    if args.connections < 1 or args.rounds < 1 or any("=" not in t for t in args.target):
        p.error("--connections and --rounds must be >= 1; --target is NAME=URL")
    try:
        import uvloop  # type: ignore
    except ImportError:
        uvloop = None
    if uvloop is not None and hasattr(uvloop, "run"):
        uvloop.run(run(args))
    else:
        asyncio.run(run(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
