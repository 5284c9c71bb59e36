#!/usr/bin/env python3
"""Free loopback ports for the harness: never the same one twice in a run, and below the kernel's ephemeral range.

A port the kernel picks (bind to port 0, close) can come back twice, or be taken by one of the thousands of
outgoing connections the gateway scenario makes before the process meant to listen on it starts: both once made a
proxy fail to bind, and its row measure another process.

    import ports; ports.free_port(taken)      # bench.py: `taken`, a set, is updated
    python3 ports.py FILE                     # common.sh: prints a port; FILE lists those handed out, one a line
"""
import random
import socket
import sys


def free_port(taken):
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(1000):
        port = rng.randrange(max(1024, low - 12000), low)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise SystemExit("no free loopback port below the ephemeral range")


def main():
    path = sys.argv[1]
    try:
        with open(path) as f:
            taken = {int(p) for p in f.read().split()}
    except OSError:
        taken = set()
    port = free_port(taken)
    with open(path, "a") as f:
        f.write(f"{port}\n")
    print(port)


if __name__ == "__main__":
    main()
