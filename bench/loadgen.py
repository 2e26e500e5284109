"""A minimal keep-alive HTTP/1.1 load generator (httpx costs more CPU than the server)."""

from __future__ import annotations

import asyncio
import base64


def _request(host: str, path: str, body: bytes, user: str) -> bytes:
    auth = base64.b64encode(f"{user}:".encode()).decode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Authorization: Basic {auth}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(host: str, port: int, requests: asyncio.Queue[bytes]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        while not requests.empty():
            writer.write(requests.get_nowait())
            await writer.drain()
            status_line = await reader.readline()
            if b" 200 " not in status_line:
                raise RuntimeError(f"server answered {status_line!r}")
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            sent += 1
    finally:
        writer.close()
        await writer.wait_closed()
    return sent


async def post_all(
    *, host: str, port: int, path: str, bodies: list[bytes], user: str, concurrency: int
) -> int:
    """POST every body over ``concurrency`` keep-alive connections; returns the 200 answers."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(_request(f"{host}:{port}", path, body, user))
    counts = await asyncio.gather(*(_connection(host, port, queue) for _ in range(concurrency)))
    return sum(counts)
