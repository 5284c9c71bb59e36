"""Starts `ayaka-edge` (proxy + embedded reference backend) as a subprocess on free loopback ports."""
import os
import resource
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


_handed_out: set[int] = set()


def free_port() -> int:
    """A free loopback port, never one handed out before in this session (the kernel can give the same one twice)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def binary() -> str:
    explicit = os.environ.get("AYAKA_TEST_BINARY")
    if explicit:
        return explicit
    bin_path = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    return str(Path(bin_path) / "ayaka-edge")


def raise_open_files(wanted: int) -> int:
    """Raises this process's soft RLIMIT_NOFILE to `wanted` (at most the hard limit); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def sign_up(edge, name):
    unique = uuid.uuid4().hex[:8]
    r = requests.post(edge.rest + "/users/@me", json={
        "username": f"{name}{unique}"[:32], "separator": 1,
        "email": f"{name}.{unique}@example.com", "password": "correct horse battery",
    })
    assert r.status_code == 201, r.text
    user = r.json()
    assert "password" not in user
    assert len(user["session_ids"]) == 1
    assert r.headers["X-RateLimit-Bucket"].startswith("LIMITER/127.0.0.1/")
    return user, user["session_ids"][0]


class Edge:
    """`extra_env` overrides config keys; `open_files` raises the child's soft RLIMIT_NOFILE (up to the hard one)."""

    def __init__(self, workdir: Path, extra_env: dict | None = None, open_files: int | None = None):
        self.ports = {name: free_port() for name in ("rest", "gateway", "admin", "backend_rest", "backend_gateway")}
        self.rest = f"http://127.0.0.1:{self.ports['rest']}"
        self.gateway_http = f"http://127.0.0.1:{self.ports['gateway']}"
        self.admin = f"http://127.0.0.1:{self.ports['admin']}"
        env = dict(os.environ)
        env.update({
            "AYAKA_EDGE_LISTEN_REST": f"127.0.0.1:{self.ports['rest']}",
            "AYAKA_EDGE_LISTEN_GATEWAY": f"127.0.0.1:{self.ports['gateway']}",
            "AYAKA_EDGE_LISTEN_ADMIN": f"127.0.0.1:{self.ports['admin']}",
            "AYAKA_EDGE_BACKEND_LISTEN_REST": f"127.0.0.1:{self.ports['backend_rest']}",
            "AYAKA_EDGE_BACKEND_LISTEN_GATEWAY": f"127.0.0.1:{self.ports['backend_gateway']}",
            # Generous limits: this suite checks compatibility, not limiting.
            "AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT": "1000",
            "AYAKA_EDGE_RATE_LIMITS_ROUTES": "[]",
            "AYAKA_EDGE_RATE_LIMITS_DEFAULT_LIMIT": "1000",
        })
        env.update(extra_env or {})
        limit_files = (lambda: raise_open_files(open_files)) if open_files else None
        self.log = open(workdir / "ayaka-edge.log", "w")
        self.process = subprocess.Popen([binary(), "serve"], cwd=workdir, env=env, stdout=self.log, stderr=self.log,
                                        preexec_fn=limit_files)
        self._wait_ready(workdir)

    def _wait_ready(self, workdir: Path) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("ayaka-edge exited early:\n" + (workdir / "ayaka-edge.log").read_text())
            try:
                requests.get(self.gateway_http + "/available", timeout=1)
                requests.get(f"http://127.0.0.1:{self.ports['backend_rest']}/users/@me", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("ayaka-edge did not start in 60 s")

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        finally:
            self.log.close()


@pytest.fixture(scope="session")
def edge(tmp_path_factory):
    instance = Edge(tmp_path_factory.mktemp("edge"))
    yield instance
    instance.stop()
