"""An external merge sort for messages that do not fit in memory.

Sorted runs are written as lines ``<15-digit millis> <messageId>\\t<json>``, so plain byte
order of the lines is (timestamp, messageId) order and merging never parses JSON. Runs are
merged level by level (like an LSM tree) so no more than ``fan_in`` files per level are open
or waiting, whatever the size of the data set.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from cadence.demo.messages import Draft, Message


class SortedRuns:
    def __init__(self, *, directory: Path, fan_in: int = 32) -> None:
        self._directory = directory
        self._fan_in = fan_in
        self._levels: dict[int, list[Path]] = defaultdict(list)
        self._files = 0

    def _path(self) -> Path:
        self._files += 1
        return self._directory / f"run-{self._files:06d}.jsonl"

    def add(self, drafts: list[Draft]) -> None:
        """Sort ``drafts`` and keep them as a run on disk."""
        drafts.sort(key=lambda draft: (draft[0], draft[1]))
        path = self._path()
        with path.open("wb") as file:
            for at, message_id, message in drafts:
                file.write(b"%015d %s\t%s\n" % (at, message_id.encode(), orjson.dumps(message)))
        self._levels[0].append(path)
        level = 0
        while len(self._levels[level]) >= self._fan_in:
            merged = self._path()
            with merged.open("wb") as out:
                out.writelines(_merged_lines(self._levels[level]))
            for done in self._levels.pop(level):
                done.unlink()
            level += 1
            self._levels[level].append(merged)

    def messages(self) -> Iterator[Message]:
        """Every message added, in (timestamp, messageId) order."""
        paths = [path for level in sorted(self._levels) for path in self._levels[level]]
        for line in _merged_lines(paths):
            yield orjson.loads(line.split(b"\t", 1)[1])


def _merged_lines(paths: list[Path]) -> Iterator[bytes]:
    files: list[IO[bytes]] = [path.open("rb") for path in paths]
    try:
        yield from heapq.merge(*files)
    finally:
        for file in files:
            file.close()
