"""Real servers for channel tests: an aiosmtpd SMTP sink, a local HTTP receiver, and a DKIM
key made by openssl."""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from cadence.channels.base import Outgoing
from cadence.messages.models import MessageLinks, Rendered


@dataclass
class Sink:
    """Accepts mail; refuses ``refuse*@`` recipients with 550 and ``busy*@`` with 451."""

    received: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 no such user"
        if address.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.received.append(envelope)
        return "250 Message accepted"


@dataclass
class SmtpSink:
    host: str
    port: int
    handler: Sink
    controller: Controller

    running: bool = True

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def restart(self) -> None:
        self.stop()
        self.controller = start_sink(self.handler, port=self.port)
        self.running = True


def start_sink(handler: Sink, port: int = 0) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    handler = Sink()
    controller = start_sink(handler, port=free_port())
    sink = SmtpSink("127.0.0.1", controller.port, handler, controller)
    yield sink
    sink.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class DkimPair:
    private_pem: str
    public_record: bytes  # the TXT record a DNS lookup would return


@pytest.fixture(scope="session")
def dkim_pair(tmp_path_factory: pytest.TempPathFactory) -> DkimPair:
    folder = tmp_path_factory.mktemp("dkim")
    key = folder / "private.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return DkimPair(private_pem=Path(key).read_text(), public_record=record)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    """A local HTTP server recording requests; answers with ``status`` and ``reply``."""

    url: str
    requests: list[Received]
    answer: dict[str, Any]


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    requests: list[Received] = []
    answer: dict[str, Any] = {"status": 201, "body": b'{"sid": "SM123"}'}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            requests.append(Received("POST", self.path, dict(self.headers.items()), body))
            self.send_response(answer["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer["body"])))
            self.end_headers()
            self.wfile.write(answer["body"])

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield HttpReceiver(f"http://127.0.0.1:{server.server_address[1]}", requests, answer)
    server.shutdown()
    server.server_close()


def outgoing(
    send_id: int = 1,
    *,
    address: str = "ada@example.org",
    channel: str = "email",
    html: str | None = "<html><body><p>Hi <a href='https://example.com/offer?a=1&amp;b=2'>"
    "the offer</a></p></body></html>",
    text: str | None = None,
    json: Any = None,
    subject: str = "Your spring offer",
    preheader: str | None = "Ten percent off, this week only",
    contact_id: int = 7,
) -> Outgoing:
    """A booked message as the sender would hand it over."""
    rendered = Rendered(
        key="spring-offer",
        channel=channel,
        topic="offers",
        contact_id=contact_id,
        subject=subject,
        preheader=preheader,
        html=html,
        text=text,
        json=json,
    )
    links = MessageLinks(
        preferences="https://cadence.example/p/PREFTOKEN",
        unsubscribe="https://cadence.example/u/UNSUBTOKEN",
    )
    return Outgoing(
        send_id=send_id,
        contact_id=contact_id,
        channel=channel,
        topic="offers",
        message_key="spring-offer",
        address=address,
        rendered=rendered,
        links=links,
        at=1_795_000_000_000,
    )
