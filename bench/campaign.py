"""Campaign send throughput against a bare smtplib loop, same aiosmtpd sink, same run; and
memory against the number of recipients.

``python -m bench.campaign --recipients 2000`` builds a workspace with a message, a segment
of N opted-in contacts and a campaign, then times ``campaigns.runner.run`` (gate + policy +
personalisation + tracking + DKIM, 4 SMTP connections) from start to the last recorded
send, and a bare smtplib loop sending the same messages, prepared beforehand, over 4
connections, and the email transport alone on the same messages. Each run checks that the
sink received exactly N messages.

The aiosmtpd sink runs in its own process by default, as a real SMTP server would
(``--sink process``); ``--sink thread`` runs it inside the benchmark process as before,
where it shares the GIL and the CPU time measured. CPU per message is reported for the
benchmark process and, in the process variant, for the sink. Memory: peak traced
allocations (tracemalloc) of the send itself, at N and 4N (``--no-memory`` skips them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from bench import smtp_sink
from bench.databases import fresh
from bench.email_transport import _bare
from bench.smtp_sink import Sink
from cadence.api.app import create_app
from cadence.campaigns import runner, service
from cadence.channels.base import Outgoing
from cadence.channels.registry import email_transport, mail_builder, transports
from cadence.config import Settings
from cadence.consent.links import Links, signing_key
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.tables import send_jobs
from cadence.runtime import now_millis
from cadence.sending.delivery import Claimed, build

ADMIN = "cad_a_bench-admin-key-0123456789abcdefghijklmnop"
WRITE = "cad_w_bench-write-key-0123456789abcdefghijklmnop"
SECRET = "bench-secret-0123456789abcdefghij"
WORKSPACE = """
topics: [offers]
channels: [email]
consent: {double_opt_in: []}
policy:
  caps: [{channel: email, max: 3, per_days: 7}]
  min_gap_hours: 1
messages:
  - key: spring
    channel: email
    topic: offers
    priority: 5
    subject: "{{ first_name('there') }}, your spring offer"
    preheader: "Ten percent off, this week only"
    html: >-
      <html><body><h1>Hello {{ first_name() }}</h1><p>Our spring offer is here.
      <a href='https://shop.example/offer'>See the offer</a>
      {{ 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ' * 20 }}</p>
      <p><a href='https://shop.example/more'>More</a>
      <a href='{{ links.unsubscribe }}'>Unsubscribe</a></p></body></html>
    text: "Hello {{ first_name() }}, our spring offer: https://shop.example/offer"
"""


def _settings(url: str, port: int, pem: Path) -> Settings:
    return Settings(
        database_url=url,
        secret_key=SECRET,
        bootstrap_admin_key=ADMIN,
        bootstrap_write_key=WRITE,
        run_scheduler=False,
        smtp_url=f"smtp://127.0.0.1:{port}",
        smtp_connections=4,
        mail_from="Shop <news@shop.example>",
        dkim_domain="shop.example",
        dkim_selector="s1",
        dkim_private_key=str(pem),
        base_url="https://c.example",
        send_batch_size=400,
    )


def _populate(settings: Settings, recipients: int, *, key: str) -> None:
    """``recipients`` opted-in contacts in the segment ``key`` (bulk API calls)."""
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        if key == "audience-0":
            assert client.put("/api/config", content=WORKSPACE).status_code == 200
        condition = {"field": "traits.cohort", "op": "eq", "value": key}
        made = client.post("/api/segments", json={"key": key, "name": key, "condition": condition})
        assert made.status_code == 201, made.text
        emails = [f"{key}-{i}@example.org" for i in range(recipients)]
        for start in range(0, recipients, 500):
            batch = [
                {
                    "type": "identify",
                    "messageId": f"{key}-{i}",
                    "userId": email,
                    "traits": {"email": email, "cohort": key, "first_name": f"Ada{i}"},
                }
                for i, email in enumerate(emails[start : start + 500], start=start)
            ]
            answer = client.post("/v1/batch", json={"batch": batch}, auth=(WRITE, ""))
            assert answer.status_code == 200, answer.text
        rows = "".join(f"{email},yes\n" for email in emails)
        answer = client.post(
            "/api/imports/consents",
            files={"file": ("c.csv", f"email,email:offers\n{rows}".encode(), "text/csv")},
            data={"source": "import", "basis": "express", "wording": "Offers by email"},
        )
        assert answer.status_code == 200, answer.text


def _campaign(settings: Settings, segment: str) -> int:
    engine = make_engine(settings.database_url)
    with unit_of_work(engine) as uow:
        made = service.create(
            uow, message_key="spring", segment_key=segment, send_at=None, now=now_millis()
        )
    engine.dispose()
    return int(made["id"])


def _send(settings: Settings, campaign_id: int) -> tuple[float, float, dict[str, Any]]:
    """Wall-clock and process CPU seconds of the send, and the campaign's final state."""
    engine = make_engine(settings.database_url)
    opened = transports(settings, engine)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        state = runner.run(
            engine, settings, campaign_id=campaign_id, now=now_millis, transports=opened
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        for transport in opened.values():
            transport.close()
        engine.dispose()
    return elapsed, cpu, state


def _items(settings: Settings, campaign_id: int) -> list[Outgoing]:
    """The campaign's messages, rendered again as the sender hands them to the channel."""
    engine = make_engine(settings.database_url)
    links = Links(key=signing_key(secret=SECRET), base_url=settings.public_url)
    j = send_jobs.c
    with unit_of_work(engine, write=False) as uow:
        rows = uow.conn.execute(
            select(j.id, j.send_id, j.contact_id, j.message_key, j.channel, j.topic).where(
                j.campaign_id == campaign_id
            )
        ).all()
        claimed = [
            Claimed(
                job_id=r[0],
                send_id=r[1],
                contact_id=r[2],
                message_key=r[3],
                channel=r[4],
                topic=r[5],
                attempts=1,
            )
            for r in rows
        ]
        items: list[Outgoing]
        items, _ = build(uow, claimed, links=links, now=now_millis())
    engine.dispose()
    return items


def _transport_alone(settings: Settings, items: list[Outgoing]) -> tuple[float, float, float]:
    """The email transport alone (build + tracking + DKIM + SMTP) on the same items: wall
    and process CPU seconds."""
    transport = email_transport(settings, secret=SECRET)
    started, cpu = time.perf_counter(), time.process_time()
    transport.deliver(items)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    transport.close()
    return len(items) / elapsed, elapsed, cpu


def _bare_cpu(port: int, messages: list[bytes]) -> tuple[float, float, float]:
    """The bare loop: messages/s, wall and process CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    rate = _bare(port, messages, 4)
    return rate, time.perf_counter() - started, time.process_time() - cpu


@dataclass
class _Phase:
    """One timed run against the sink: its rate and CPU per message, ours and the sink's."""

    rate: float
    cpu_ms: float
    sink_cpu_ms: float


def _phase(sink: Sink, messages: int, timed: Callable[[], tuple[float, float]]) -> _Phase:
    """Run ``timed`` (returning wall and CPU seconds) and check the sink got ``messages``."""
    before = sink.read()
    seconds, cpu = timed()
    after = sink.read()
    received = after.messages - before.messages
    assert received == messages, f"the sink received {received} of {messages} messages"
    return _Phase(
        rate=messages / seconds,
        cpu_ms=cpu * 1000 / messages,
        sink_cpu_ms=(after.cpu - before.cpu) * 1000 / messages,
    )


def run(
    kind: str, *, recipients: int, port: int = 8926, where: str = "process", memory: bool = True
) -> dict[str, Any] | None:
    """Throughput of a campaign vs the bare loop, and peak memory at N and 4N recipients.

    ``where``: the aiosmtpd sink in its own process (``process``, as a real server) or as a
    thread of this one (``thread``, sharing our GIL and CPU).
    """
    with (
        fresh(kind) as url,
        tempfile.TemporaryDirectory() as folder,
        smtp_sink.sink(port, where=where) as sink,
    ):
        if url is None:
            return None
        pem = Path(folder) / "dkim.pem"
        subprocess.run(
            ["openssl", "genrsa", "-out", str(pem), "2048"], check=True, capture_output=True
        )
        settings = _settings(url, port, pem)
        _populate(settings, recipients, key="audience-0")
        first = _campaign(settings, "audience-0")
        states: list[dict[str, Any]] = []

        def campaign() -> tuple[float, float]:
            seconds, cpu, state = _send(settings, first)
            states.append(state)
            return seconds, cpu

        sent = _phase(sink, recipients, campaign)
        assert states[0]["totals"]["sent"] == recipients, states[0]
        items = _items(settings, first)
        builder = mail_builder(settings, secret=SECRET)
        prepared = [builder.build(item).data for item in items]
        bare = _phase(sink, recipients, lambda: _bare_cpu(port, prepared)[1:])
        alone = _phase(sink, recipients, lambda: _transport_alone(settings, items)[1:])
        peaks: list[tuple[int, float]] = []
        for n, size in enumerate((recipients, 4 * recipients) if memory else (), start=1):
            _populate(settings, size, key=f"audience-{n}")
            campaign_id = _campaign(settings, f"audience-{n}")
            tracemalloc.start()
            _send(settings, campaign_id)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            peaks.append((size, peak / 1e6))
        return {
            "db": kind,
            "sink": where,
            "recipients": recipients,
            "rate": sent.rate,
            "bare": bare.rate,
            "ratio": sent.rate / bare.rate,
            "transport": alone.rate,
            "cpu_ms": {"campaign": sent.cpu_ms, "bare": bare.cpu_ms, "transport": alone.cpu_ms},
            "sink_cpu_ms": {
                "campaign": sent.sink_cpu_ms,
                "bare": bare.sink_cpu_ms,
                "transport": alone.sink_cpu_ms,
            },
            "memory": peaks,
            "load": os.getloadavg(),
        }


def report(result: dict[str, Any]) -> None:
    print(
        f"campaign send ({result['db']}, sink in a {result['sink']}, {result['recipients']:,} "
        "recipients, gate + policy + personalisation + tracking + DKIM, 4 connections): "
        f"{result['rate']:,.0f} msg/s; bare smtplib loop, same prepared messages: "
        f"{result['bare']:,.0f} msg/s ({result['ratio']:.0%}); the email transport alone on "
        f"the same messages: {result['transport']:,.0f} msg/s "
        f"({result['transport'] / result['bare']:.0%}); load average "
        + " ".join(f"{x:.2f}" for x in result["load"])
    )
    cpu, sink = result["cpu_ms"], result["sink_cpu_ms"]
    whose = "client" if result["sink"] == "process" else "client and in-process sink"
    print(
        f"  process CPU per message ({whose}): campaign {cpu['campaign']:.2f} ms, bare loop "
        f"{cpu['bare']:.2f} ms, transport alone {cpu['transport']:.2f} ms"
    )
    if result["sink"] == "process":
        print(
            f"  sink process CPU per message: campaign {sink['campaign']:.2f} ms, bare loop "
            f"{sink['bare']:.2f} ms, transport alone {sink['transport']:.2f} ms"
        )
    for size, peak in result["memory"]:
        print(f"  peak traced memory of the send, {size:,} recipients: {peak:.1f} MB")


def main_for(
    *,
    recipients: int,
    kinds: tuple[str, ...] = ("sqlite", "postgresql"),
    sinks: tuple[str, ...] = ("process",),
    memory: bool = True,
) -> None:
    for kind in kinds:
        for where in sinks:
            result = run(kind, recipients=recipients, where=where, memory=memory)
            if result is not None:
                report(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument(
        "--sink",
        choices=("process", "thread"),
        action="append",
        help="the aiosmtpd sink in its own process (default; as a real server) or as a "
        "thread of the benchmark process (sharing its GIL); repeat for both",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the N/4N memory runs")
    args = parser.parse_args()
    main_for(
        recipients=args.recipients,
        kinds=tuple(args.db or ("sqlite", "postgresql")),
        sinks=tuple(args.sink or ("process",)),
        memory=not args.no_memory,
    )


if __name__ == "__main__":
    main()
