"""The NDJSON files of one export attempt: one open file per resource type, split at a size limit,
with a checkpoint state that lets a later attempt take over where this one stopped.

State (kept in ExportRequest.output): {"cursor": last row id written, "files": [{"type", "name",
"count", "bytes"}]}. A taking-over attempt copies each recorded file's first `bytes` bytes into a
file under its own name and appends from there, so a stale worker still holding the old files open
can never touch what the manifest lists.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO, Any


class StateLost(Exception):
    """A recorded file is shorter than recorded (lost on a machine crash): start the export afresh."""


class NdjsonFiles:
    def __init__(self, folder: Path, attempt: int, limit: int) -> None:
        self.folder = folder
        self.attempt = attempt
        self.limit = limit  # resources per file
        self.files: list[dict[str, Any]] = []
        self._open: dict[str, tuple[IO[bytes], dict[str, Any]]] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def _name(self, rtype: str, part: int) -> str:
        return f"{rtype}-{part}.a{self.attempt}.ndjson"

    def resume(self, recorded: list[dict[str, Any]]) -> None:
        """Take over the files of an earlier attempt, cut to their recorded length."""
        last_part: dict[str, dict[str, Any]] = {}
        for old in recorded:
            source = self.folder / old["name"]
            if not source.is_file() or source.stat().st_size < old["bytes"]:
                raise StateLost(f"{old['name']} is missing or shorter than recorded")
            entry = {**old, "name": self._name(old["type"], sum(f["type"] == old["type"] for f in self.files) + 1)}
            if entry["name"] != old["name"]:
                with source.open("rb") as src, (self.folder / entry["name"]).open("wb") as dst:
                    _copy_prefix(src, dst, old["bytes"])
            self.files.append(entry)
            last_part[old["type"]] = entry
        for rtype, entry in last_part.items():
            if entry["count"] < self.limit:
                handle = (self.folder / entry["name"]).open("r+b")
                handle.truncate(entry["bytes"])
                handle.seek(entry["bytes"])
                self._open[rtype] = (handle, entry)

    def write(self, rtype: str, lines: list[str]) -> None:
        """Append resources (their JSON text, one per line) of one type."""
        while lines:
            handle, entry = self._open.get(rtype, (None, None))
            if handle is None or entry is None or entry["count"] >= self.limit:
                if handle is not None:
                    handle.close()
                part = sum(f["type"] == rtype for f in self.files) + 1
                entry = {"type": rtype, "name": self._name(rtype, part), "count": 0, "bytes": 0}
                handle = (self.folder / entry["name"]).open("wb")
                self.files.append(entry)
                self._open[rtype] = (handle, entry)
            take, lines = lines[: self.limit - entry["count"]], lines[self.limit - entry["count"]:]
            data = ("\n".join(take) + "\n").encode()
            handle.write(data)
            entry["count"] += len(take)
            entry["bytes"] += len(data)

    def flush(self) -> None:
        for handle, _ in self._open.values():
            handle.flush()

    def close(self) -> None:
        for handle, _ in self._open.values():
            handle.close()
        self._open.clear()

    def state(self) -> list[dict[str, Any]]:
        return [dict(f) for f in self.files]


def _copy_prefix(src: IO[bytes], dst: IO[bytes], length: int) -> None:
    remaining = length
    while remaining > 0:
        block = src.read(min(remaining, 1 << 20))
        if not block:
            break
        dst.write(block)
        remaining -= len(block)
    if remaining:
        raise StateLost("file shorter than recorded")


def remove_all(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
