"""Splitting a mailbox-style file into messages for a bounce import."""

from __future__ import annotations

from pathlib import Path

from cadence.channels.bounces import iter_mbox, parse_report, split_mbox
from tests.channels.bounce_corpus import read

NAMES = ["rfc3464-01.eml", "lhost-qmail-01.eml", "arf-02.eml", "rfc3834-01.eml"]


def separator(sender: bytes = b"MAILER-DAEMON") -> bytes:
    return b"From " + sender + b"  Thu Apr 29 23:34:45 2021\n"


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    path.write_bytes(b"".join(separator() + m.rstrip(b"\r\n") + b"\n\n" for m in messages))
    return path


def test_each_message_of_an_mbox_parses_as_it_does_alone(tmp_path: Path) -> None:
    originals = [read(name) for name in NAMES]
    messages = list(iter_mbox(write_mbox(tmp_path / "bounces.mbox", originals)))
    assert len(messages) == len(NAMES)
    for original, message in zip(originals, messages, strict=True):
        assert parse_report(message) == parse_report(original)


def test_body_lines_starting_with_from_do_not_split_a_message() -> None:
    body = b"Subject: x\n\nFrom here on, nothing.\n>From the escaped line\n"
    messages = list(split_mbox((separator() + body).splitlines(keepends=True)))
    assert messages == [b"Subject: x\n\nFrom here on, nothing.\nFrom the escaped line\n"]


def test_a_file_without_separators_is_one_message(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(read("lhost-exim-01.eml"))
    assert [parse_report(m) for m in iter_mbox(path)] == [parse_report(path.read_bytes())]


def test_a_message_starting_with_its_own_from_line_is_one_message() -> None:
    raw = read("rfc3834-05.eml")  # begins "From MAILER-DAEMON  Mon Sep 20 19:29:27 2021"
    assert raw.startswith(b"From MAILER-DAEMON")
    messages = list(split_mbox(raw.splitlines(keepends=True)))
    assert len(messages) == 1
    assert parse_report(messages[0]).kind == parse_report(raw).kind


def test_crlf_line_endings_survive_the_split() -> None:
    raw = read("lhost-dragonfly-01.eml")  # CRLF file
    mbox = separator().replace(b"\n", b"\r\n") + raw
    (message,) = split_mbox(mbox.splitlines(keepends=True))
    assert b"\r\n" in message
    assert parse_report(message) == parse_report(raw)


def test_empty_input_has_no_messages(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    assert list(iter_mbox(empty)) == []
    assert list(split_mbox([separator(), b"\n"])) == []
