"""Email over SMTP: a pool of open connections shared by a few delivery threads.

Each thread owns one connection while it sends, so ``smtp_connections`` messages are in
flight at once; connections stay open between calls and are reopened after a failure.
A recipient refused with a 5xx is ``failed``; a 4xx or a lost connection is ``retry``.

Messages are built (tracking, DKIM) by builder threads ahead of the connection threads,
so a connection never waits for a signature; the RSA operation runs without the GIL, next
to the connections' own work. Each connection thread takes the next message in turn.
"""

from __future__ import annotations

import queue
import smtplib
import ssl
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from cadence.channels.base import Delivery, Outgoing
from cadence.channels.mail import Built, MailBuilder


@dataclass(frozen=True, kw_only=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ca_file: str | None = None  # trust this CA (a private relay); the system's otherwise

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0, ca_file: str | None = None) -> SmtpServer:
        """``smtp://user:pass@host:587?starttls=true`` or ``smtps://user:pass@host:465``."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("CADENCE_SMTP_URL must look like smtp://host:port or smtps://...")
        implicit = parts.scheme == "smtps"
        flag = parse_qs(parts.query).get("starttls", ["false"])[-1].lower()
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            implicit_tls=implicit,
            starttls=flag in ("1", "true", "yes"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
            ca_file=ca_file or None,
        )

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file)
        conn: smtplib.SMTP
        if self.implicit_tls:
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                conn.starttls(context=context)
        if self.username is not None:
            conn.login(self.username, self.password or "")
        return conn


def _status(code: int, send_id: int, detail: str) -> Delivery:
    return Delivery(send_id=send_id, status="failed" if code >= 500 else "retry", detail=detail)


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message


class SmtpTransport:
    """The ``email`` channel over SMTP."""

    channel = "email"

    def __init__(
        self, *, server: SmtpServer, builder: MailBuilder, connections: int = 4, builders: int = 2
    ) -> None:
        self._server = server
        self._builder = builder
        self._size = max(1, connections)
        self._builders = max(1, builders)
        self._idle: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._pools: tuple[ThreadPoolExecutor, ThreadPoolExecutor] | None = None

    def deliver(self, items: Sequence[Outgoing]) -> list[Delivery]:
        if len(items) <= 1:
            return [self._send(item, self._build(item)) for item in items]
        with self._lock:
            if self._pools is None:
                self._pools = (
                    ThreadPoolExecutor(self._builders, thread_name_prefix="cadence-mail-build"),
                    ThreadPoolExecutor(self._size, thread_name_prefix="cadence-smtp"),
                )
            builders, senders = self._pools
        built = [builders.submit(self._build, item) for item in items]
        results: list[Delivery | None] = [None] * len(items)
        turns = iter(range(len(items)))
        taking = threading.Lock()

        def send_in_turn() -> None:  # each connection thread takes the next message
            while True:
                with taking:
                    index = next(turns, None)
                if index is None:
                    return
                results[index] = self._send(items[index], built[index].result())

        for worker in [senders.submit(send_in_turn) for _ in range(self._size)]:
            worker.result()
        done = [result for result in results if result is not None]
        assert len(done) == len(items), "every message has its outcome"
        return done

    def close(self) -> None:
        with self._lock:
            if self._pools is not None:
                for pool in self._pools:
                    pool.shutdown(wait=True)
                self._pools = None
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return
            _quit(conn)

    def _build(self, item: Outgoing) -> Built | Delivery:
        try:
            return self._builder.build(item)
        except Exception as error:  # a message we cannot build will not build next time either
            return Delivery(send_id=item.send_id, status="failed", detail=f"build: {error}")

    def _send(self, item: Outgoing, built: Built | Delivery) -> Delivery:
        if isinstance(built, Delivery):
            return built
        for attempt in (1, 2):  # a pooled connection may have been closed by the server
            try:
                conn = self._take()
            except (OSError, smtplib.SMTPException) as error:
                return Delivery(send_id=item.send_id, status="retry", detail=f"connect: {error}")
            try:
                conn.sendmail(self._builder.envelope_from, [item.address], built.data)
            except smtplib.SMTPRecipientsRefused as error:
                self._give(conn)
                code, message = next(iter(error.recipients.values()))
                return _status(code, item.send_id, f"{code} {_text(message)}")
            except smtplib.SMTPResponseException as error:
                self._reset(conn)
                return _status(error.smtp_code, item.send_id, f"{error.smtp_code} {error}")
            except (OSError, smtplib.SMTPException) as error:
                _quit(conn)
                if attempt == 2:
                    return Delivery(send_id=item.send_id, status="retry", detail=str(error))
                continue
            self._give(conn)
            return Delivery(send_id=item.send_id, status="sent", provider_id=built.message_id)
        raise AssertionError("unreachable")

    def _take(self) -> smtplib.SMTP:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._server.connect()

    def _give(self, conn: smtplib.SMTP) -> None:
        if self._idle.qsize() < self._size:
            self._idle.put(conn)
        else:
            _quit(conn)

    def _reset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            _quit(conn)
            return
        self._give(conn)


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()
