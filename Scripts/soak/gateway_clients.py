#!/usr/bin/env python3
"""Soak load for the gateway: keeps N WebSocket sessions open through the proxy for D seconds.

Each client asks GET /available, connects, identifies, waits for READY, then sends a PRESENCE_UPDATE every
few seconds while the websockets library pings (ping_interval) as the seed's example client does. A
session the proxy or backend closes is counted and reopened. Prints one summary line (SOAK_GATEWAY ...).
"""
import argparse
import asyncio
import json
import random
import time
import urllib.request

import websockets

stats = {"opened": 0, "ready": 0, "sent": 0, "received": 0, "unexpected_closes": 0, "errors": 0}


async def client(url, session, deadline, message_every):
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(url, ping_interval=5, ping_timeout=20, open_timeout=10) as ws:
                stats["opened"] += 1
                await ws.send(json.dumps({"session_id": session}))
                ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if ready.get("t") == "READY":
                    stats["ready"] += 1
                next_send = time.monotonic() + random.uniform(0, message_every)
                while time.monotonic() < deadline:
                    timeout = max(0.05, min(next_send, deadline) - time.monotonic())
                    try:
                        await asyncio.wait_for(ws.recv(), timeout)
                        stats["received"] += 1
                    except asyncio.TimeoutError:
                        pass
                    if time.monotonic() >= next_send:
                        await ws.send(json.dumps({"t": "PRESENCE_UPDATE", "d": {"status": random.choice(["online", "idle"])}}))
                        stats["sent"] += 1
                        next_send += message_every
                await ws.close()
                return
        except websockets.ConnectionClosed:
            stats["unexpected_closes"] += 1
        except Exception:  # noqa: BLE001 - every failure is counted, the soak goes on
            stats["errors"] += 1
        await asyncio.sleep(1)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True, help="http://127.0.0.1:PORT of the proxy's gateway listener")
    parser.add_argument("--session", required=True)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--message-every", type=float, default=3.0)
    args = parser.parse_args()
    available = json.load(urllib.request.urlopen(f"{args.gateway}/available", timeout=10))
    url = f"ws://127.0.0.1:{available['port']}"
    deadline = time.monotonic() + args.duration
    tasks = []
    for _ in range(args.connections):
        tasks.append(asyncio.create_task(client(url, args.session, deadline, args.message_every)))
        await asyncio.sleep(0.01)
    await asyncio.gather(*tasks)
    print("SOAK_GATEWAY " + " ".join(f"{k}={v}" for k, v in stats.items()), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
