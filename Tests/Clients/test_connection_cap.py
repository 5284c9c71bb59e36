"""Issue #7 at full scale: 10,000 TCP connections from 127.0.0.1 against `proxy.max_connections_per_ip` (256).

Exactly the cap's worth are accepted, held and then served; every other one gets the raw 429 "Too many open
connections from your address." and is closed by the proxy; a client bound to 127.0.0.2 gets 200s all along;
`/status` agrees; closing the held connections frees their slots. Everything is on loopback, every loop is
bounded, every socket is closed. The connections are opened with non-blocking connects, at most `WINDOW`
unsettled at once (under the listener's backlog of 1024, so no SYN is dropped and retried a second later).
"""
import errno
import http.client
import re
import selectors
import socket
import time

import pytest
import requests

from conftest import Edge, raise_open_files, sign_up

CAP = 256
TOTAL = 10_000
WINDOW = CAP + 512
CHECK_EVERY = 1_000
REFUSAL = b"Too many open connections from your address."
DEADLINE_SECONDS = 120


@pytest.fixture(scope="module")
def capped_edge(tmp_path_factory):
    # The test holds at most WINDOW sockets (plus a few); more headroom where the hard limit allows.
    assert raise_open_files(TOTAL + 2_048) >= WINDOW + 256, "RLIMIT_NOFILE's hard limit is too low"
    instance = Edge(tmp_path_factory.mktemp("capped-edge"), open_files=TOTAL + 2_048, extra_env={
        "AYAKA_EDGE_PROXY_MAX_CONNECTIONS_PER_IP": str(CAP),
        "AYAKA_EDGE_PROXY_MAX_CONNECTIONS": str(2 * TOTAL),
        # The held connections stay idle for the whole flood; a slow machine must not time them out.
        "AYAKA_EDGE_PROXY_IDLE_TIMEOUT": "10m",
        "AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT": "1000000",
        "AYAKA_EDGE_RATE_LIMITS_DEFAULT_LIMIT": "1000000",
    })
    yield instance
    assert instance.stop() == 0


def stub_status(edge):
    """(active, accepted, handled) from the first lines of the admin listener's `/status`."""
    text = requests.get(edge.admin + "/status", timeout=10).text
    active = int(re.match(r"Active connections: (\d+) \n", text).group(1))
    accepted, handled, _ = map(int, text.split("\n")[2].split())
    return active, accepted, handled


def wait_for_active(edge, expected):
    for _ in range(200):
        active = stub_status(edge)[0]
        if active == expected:
            return
        time.sleep(0.05)
    assert active == expected


def get_me(edge, session, source):
    """One `GET /users/@me` on a new connection from `source`; the status code."""
    connection = http.client.HTTPConnection("127.0.0.1", edge.ports["rest"], timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", "/users/@me", headers={"Authorization": session, "Connection": "close"})
        return connection.getresponse().status
    finally:
        connection.close()


class Flood:
    """Opens `TOTAL` connections from 127.0.0.1 and sorts them: refused (429 then closed by the proxy), held
    (silent: accepted and waiting for a request), or unexpected (anything else, with what was received)."""

    def __init__(self, port):
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.buffers = {}
        self.opened = 0
        self.refused = 0
        self.unexpected = []

    def open_one(self):
        sock = socket.socket()
        sock.setblocking(False)
        code = sock.connect_ex(("127.0.0.1", self.port))
        assert code in (0, errno.EINPROGRESS), errno.errorcode.get(code, code)
        self.buffers[sock] = b""
        self.selector.register(sock, selectors.EVENT_READ)
        self.opened += 1

    def settle(self, sock):
        self.selector.unregister(sock)
        received = self.buffers.pop(sock)
        sock.close()
        if received.startswith(b"HTTP/1.1 429 ") and REFUSAL in received:
            self.refused += 1
        else:
            self.unexpected.append(received[:200])

    def pump(self, timeout):
        """Reads what arrived; a connection is settled when the proxy closes it. Returns the number of events."""
        events = self.selector.select(timeout)
        for key, _ in events:
            sock = key.fileobj
            try:
                chunk = sock.recv(4096)
            except OSError as error:
                chunk = b""
                self.buffers[sock] += f"<{error}>".encode()
            if chunk:
                self.buffers[sock] += chunk
            else:
                self.settle(sock)
        return len(events)

    def run(self, on_checkpoint):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while self.opened < TOTAL:
            assert time.monotonic() < deadline, f"flood stuck at {self.opened} opened, {self.refused} refused"
            while self.opened < TOTAL and len(self.buffers) < WINDOW:
                self.open_one()
                if self.opened % CHECK_EVERY == 0:
                    on_checkpoint()
            self.pump(0.5)
        while len(self.buffers) > CAP:
            assert time.monotonic() < deadline, f"{len(self.buffers)} unsettled, {self.refused} refused, cap {CAP}"
            self.pump(0.5)
        # Settled once nothing more has arrived for a second: the rest are held.
        while self.pump(1.0):
            assert time.monotonic() < deadline, "refusals still arriving at the deadline"
        held = list(self.buffers)
        for sock in held:
            self.selector.unregister(sock)
            sock.setblocking(True)
            sock.settimeout(10)
        self.selector.close()
        return held


def test_ten_thousand_connections_from_one_ip_over_the_cap(capped_edge):
    edge = capped_edge
    _, session = sign_up(edge, "capped")
    _, accepted_before, handled_before = stub_status(edge)
    other_ip = []

    flood = Flood(edge.ports["rest"])
    held = flood.run(lambda: other_ip.append(get_me(edge, session, "127.0.0.2")))
    try:
        assert flood.opened == TOTAL
        assert flood.unexpected == []
        assert len(held) == CAP, f"held {len(held)}, refused {flood.refused}"
        assert flood.refused == TOTAL - CAP
        # 127.0.0.2 was served at every checkpoint while 127.0.0.1 was over its cap, and still is.
        assert other_ip == [200] * (TOTAL // CHECK_EVERY)
        assert get_me(edge, session, "127.0.0.2") == 200
        assert get_me(edge, session, "127.0.0.1") == 429
        assert edge.process.poll() is None

        # The held connections are real client connections: each one is served.
        request = f"GET /users/@me HTTP/1.1\r\nHost: a\r\nAuthorization: {session}\r\n\r\n".encode()
        for sock in held:
            sock.sendall(request)
        for sock in held:
            head = b""
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                assert chunk, "a held connection was closed"
                head += chunk
            assert head.startswith(b"HTTP/1.1 200 "), head[:200]

        wait_for_active(edge, CAP)
        _, accepted, handled = stub_status(edge)
        # Every refusal (the flood's and the one 127.0.0.1 request above) is accepted but not handled.
        assert (accepted - handled) - (accepted_before - handled_before) == flood.refused + 1
        assert accepted - accepted_before == TOTAL + len(other_ip) + 2
    finally:
        for sock in held:
            sock.close()

    # Closing the held connections frees the slots.
    wait_for_active(edge, 0)
    assert get_me(edge, session, "127.0.0.1") == 200
    assert edge.process.poll() is None
