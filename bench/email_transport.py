"""The email transport alone against a bare smtplib loop, same aiosmtpd sink, same run.

``python -m bench.email_transport --messages 2000 --connections 4`` prints messages/s for:
a bare loop sending prepared bytes over N connections; the transport with tracking; the
transport with tracking and DKIM (RSA 2048, ``channels.dkim_signing``: our relaxed
canonicalisation, the RSA operation by ``cryptography``).
"""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import smtp_sink
from cadence.channels.base import Outgoing
from cadence.channels.dkim_signing import DkimKey
from cadence.channels.mail import MailBuilder
from cadence.channels.smtp import SmtpServer, SmtpTransport
from cadence.channels.tracking import Tracker, tracking_key
from cadence.messages.models import MessageLinks, Rendered

HTML = (
    "<html><body><h1>Hello Ada</h1><p>Our spring offer is here. "
    + "<a href='https://example.com/offer/{n}'>See the offer</a> "
    + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20
    + "</p><p><a href='https://example.com/more'>More</a></p></body></html>"
)


def _items(n: int) -> list[Outgoing]:
    links = MessageLinks(preferences="https://c.example/p/x", unsubscribe="https://c.example/u/y")
    return [
        Outgoing(
            send_id=i,
            contact_id=i,
            channel="email",
            topic="offers",
            message_key="spring",
            address=f"person{i}@example.org",
            rendered=Rendered(
                key="spring",
                channel="email",
                topic="offers",
                contact_id=i,
                subject=f"Ada, your offer #{i}",
                preheader="Ten percent off",
                html=HTML.replace("{n}", str(i)),
            ),
            links=links,
            at=1_795_000_000_000,
        )
        for i in range(1, n + 1)
    ]


def _bare(port: int, messages: list[bytes], connections: int) -> float:
    def run(chunk: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as conn:
            for n, data in enumerate(chunk):
                conn.sendmail("news@shop.example", [f"p{n}@example.org"], data)

    chunks = [messages[i::connections] for i in range(connections)]
    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(run, chunks))
    return len(messages) / (time.perf_counter() - started)


def _transport(port: int, builder: MailBuilder, items: list[Outgoing], connections: int) -> float:
    sender = SmtpTransport(
        server=SmtpServer.from_url(f"smtp://127.0.0.1:{port}"),
        builder=builder,
        connections=connections,
    )
    started = time.perf_counter()
    results = sender.deliver(items)
    elapsed = time.perf_counter() - started
    sender.close()
    assert all(r.status == "sent" for r in results)
    return len(items) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8925)
    parser.add_argument(
        "--sink",
        choices=("process", "thread"),
        default="process",
        help="the aiosmtpd sink in its own process (as a real server is) or in this one",
    )
    args = parser.parse_args()
    key = tracking_key(secret="bench-secret-0123456789")
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "dkim.pem"
        subprocess.run(
            ["openssl", "genrsa", "-out", str(pem), "2048"], check=True, capture_output=True
        )
        dkim_key = DkimKey.load(domain="shop.example", selector="s1", key=str(pem))
    tracked = MailBuilder(
        sender="Shop <news@shop.example>",
        key=key,
        tracker=Tracker(key=key, base_url="https://c.example"),
    )
    signed = MailBuilder(sender=tracked.sender, key=key, tracker=tracked.tracker, dkim_key=dkim_key)
    items = _items(args.messages)
    prepared = [signed.build(item).data for item in items]
    with smtp_sink.sink(args.port, where=args.sink):
        bare = _bare(args.port, prepared, args.connections)
        rows = [
            ("bare smtplib loop, prepared messages", bare),
            (
                "transport: build + tracking",
                _transport(args.port, tracked, items, args.connections),
            ),
            (
                "transport: build + tracking + DKIM",
                _transport(args.port, signed, items, args.connections),
            ),
        ]
    for label, rate in rows:
        print(f"{label:45s} {rate:8.0f} msg/s  {rate / bare:6.0%}")


if __name__ == "__main__":
    main()
