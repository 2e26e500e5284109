"""``cadence serve`` in its own process for the HTTP benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(env: Mapping[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Serve Cadence with ``env`` added to the environment; the port and the process,
    once the server answers its health check. Stopped with SIGINT afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cadence.cli", "serve", "--port", str(port)],
        env={**os.environ, "CADENCE_PORT": str(port), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield port, server
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
