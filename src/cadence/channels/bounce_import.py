"""``cadence import bounces PATH``: an mbox file, a maildir, a directory of messages, or one
message. Each message is its own unit of work; every bad one is reported, the rest kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from cadence.channels.bounce_service import NotAReport, ingest_report
from cadence.channels.bounces import iter_mbox
from cadence.db.engine import unit_of_work


@dataclass
class ImportReport:
    kinds: Counter[str] = field(default_factory=Counter)  # report kind -> messages
    suppressed: int = 0
    duplicates: int = 0
    bad: list[tuple[str, str]] = field(default_factory=list)  # (where, why)

    @property
    def messages(self) -> int:
        return sum(self.kinds.values()) + len(self.bad)


def _files(folder: Path) -> list[Path]:
    boxes = [folder / "cur", folder / "new"]
    if any(box.is_dir() for box in boxes):  # a maildir: tmp/ holds messages being written
        return sorted(p for box in boxes if box.is_dir() for p in box.iterdir() if p.is_file())
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def messages(path: Path) -> Iterator[tuple[str, bytes | OSError]]:
    """(where, raw message or the error reading it) for everything under ``path``."""
    for file in _files(path) if path.is_dir() else [path]:
        try:
            with file.open("rb") as handle:
                is_mbox = handle.read(5) == b"From "
            if not is_mbox:
                yield str(file), file.read_bytes()
                continue
            for number, raw in enumerate(iter_mbox(file), start=1):
                yield f"{file}#{number}", raw
        except OSError as error:
            yield str(file), error


def import_bounces(
    engine: Engine,
    path: Path,
    *,
    key: bytes,
    now: Callable[[], int],
    progress: Callable[[int], None] = lambda _: None,
) -> ImportReport:
    report = ImportReport()
    for where, raw in messages(path):
        if isinstance(raw, OSError):
            report.bad.append((where, f"unreadable: {raw.strerror or raw}"))
            continue
        try:
            with unit_of_work(engine) as uow:
                outcome = ingest_report(uow, raw=raw, key=key, now=now(), source="import")
        except NotAReport as error:
            report.bad.append((where, str(error)))
        else:
            report.kinds[outcome.report] += 1
            report.suppressed += sum(
                1 for a in outcome.addresses if a.suppressed and not a.duplicate
            )
            report.duplicates += sum(1 for a in outcome.addresses if a.duplicate)
        progress(report.messages)
    return report
