"""A local SMTP sink (aiosmtpd) that counts what it accepted, in its own process or in this one.

A real SMTP server does not share our interpreter (nor its GIL), so the benchmarks run the
sink as a child process by default: ``python -m bench.smtp_sink --port P``. It prints
``ready`` once it accepts connections, then answers each ``count`` line on its standard
input with ``<messages accepted> <its own CPU seconds>``, and stops at end of input. A
message is counted before its ``250`` is sent, so once a client has its answer the count
includes it: reading the count needs no waiting. ``in_process`` keeps the old variant (the
sink as a thread of the benchmark process) for comparison.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Counter:
    """The aiosmtpd handler: accepts every message and counts it."""

    count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 OK"


@dataclass(frozen=True)
class Reading:
    messages: int
    cpu: float  # the sink process's CPU seconds (0 in process: it is part of ours)


class Sink(Protocol):
    def read(self) -> Reading: ...


class _Child:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    def read(self) -> Reading:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write("count\n")
        self._process.stdin.flush()
        messages, cpu = self._process.stdout.readline().split()
        return Reading(messages=int(messages), cpu=float(cpu))


class _Thread:
    def __init__(self, handler: Counter) -> None:
        self._handler = handler

    def read(self) -> Reading:
        return Reading(messages=self._handler.count, cpu=0.0)


@contextmanager
def in_child(port: int) -> Iterator[Sink]:
    """The sink as its own process, started and ready when this yields."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.smtp_sink", "--port", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        yield _Child(process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


@contextmanager
def in_process(port: int) -> Iterator[Sink]:
    """The sink as a thread of this process (it then shares our GIL and our CPU time)."""
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield _Thread(handler)
    finally:
        controller.stop()


@contextmanager
def sink(port: int, *, where: str) -> Iterator[Sink]:
    """``where``: ``process`` (a separate server, the default) or ``thread``."""
    with in_child(port) if where == "process" else in_process(port) as running:
        yield running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()  # returns once the server accepts connections
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "count":
                print(handler.count, time.process_time(), flush=True)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
