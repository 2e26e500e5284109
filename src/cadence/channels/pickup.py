"""Email without an SMTP server: each message is written as an ``.eml`` file to a pickup
directory (the demo's default). The files are the exact bytes SMTP would have carried,
DKIM signature included, so they open in any mail client or can be handed to an MTA's
pickup directory (``sendmail -t < file``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cadence.channels.base import Delivery, Outgoing
from cadence.channels.mail import MailBuilder


class PickupTransport:
    """The ``email`` channel writing ``<send_id>.eml`` files into ``directory``."""

    channel = "email"

    def __init__(self, *, directory: Path, builder: MailBuilder) -> None:
        self.directory = directory
        self._builder = builder

    def deliver(self, items: Sequence[Outgoing]) -> list[Delivery]:
        self.directory.mkdir(parents=True, exist_ok=True)
        return [self._write(item) for item in items]

    def _write(self, item: Outgoing) -> Delivery:
        try:
            built = self._builder.build(item)
        except Exception as error:
            return Delivery(send_id=item.send_id, status="failed", detail=f"build: {error}")
        final = self.directory / f"{item.send_id}.eml"
        partial = self.directory / f".{item.send_id}.eml.tmp"
        try:
            partial.write_bytes(built.data)
            os.replace(partial, final)  # readers never see half a message
        except OSError as error:
            return Delivery(send_id=item.send_id, status="retry", detail=str(error))
        return Delivery(send_id=item.send_id, status="sent", provider_id=built.message_id)

    def close(self) -> None:
        return None
