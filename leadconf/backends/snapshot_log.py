"""The change log of a snapshot file: how an apply writes a large snapshot in linear time.

Rewriting the whole snapshot after every change made an apply quadratic (25,000 creates into a
growing file: hours). Instead, each write appends one fsynced JSON line to `SNAPSHOT.wal` (the
item as stored, with its id), and the snapshot is rewritten once, atomically, when the apply
releases its lock (`compact`), after which the log is removed.

Until then a reader replays the log over the snapshot, so every reader sees each write as soon as
it is made, and a crash loses nothing: the next reader replays what the log holds, and the next
apply rewrites the snapshot with it. Replaying is idempotent (every record is an upsert by id), so
a crash between the rewrite and the removal of the log is harmless too. A torn last line (a crash
while it was written) is ignored: its write never finished, and the apply journal says so.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from typing import Any

from leadconf.errors import FileError, TargetError
from leadconf.fileio import AppendLog, reason

SUFFIX = ".wal"


class ChangeLog:
    def __init__(self, snapshot_path: str):
        self.path = os.path.realpath(snapshot_path) + SUFFIX  # beside the real file, through a symlink
        self._log = AppendLog(self.path)

    def stamp(self) -> tuple | None:
        """Identifies the log's current content (None: there is no log)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def append(self, kind: str, item: Any) -> None:
        """Record one write, durably, before the write is reported done. A torn last line left by
        a crash is dropped first, and a failed append leaves no part of its line (fileio.AppendLog)."""
        line = json.dumps({"kind": kind, "item": _plain(item)}, ensure_ascii=False, default=list)
        try:
            self._log.append(line)
        except OSError as exc:
            raise FileError(f"{self.path}: cannot write the snapshot's change log ({reason(exc)}); nothing was changed") from None

    def records(self) -> Iterator[tuple[str, Any]]:
        """(kind, item as a plain dict or value) of every complete record, in order."""
        try:
            with open(self.path, "rb") as fh:
                lines = fh.read().split(b"\n")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise TargetError(f"{self.path}: cannot read the snapshot's change log ({exc.strerror})") from None
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                yield record["kind"], record["item"]
            except (ValueError, KeyError, TypeError):
                if number == len(lines):  # the torn last line of a crashed write (no newline yet)
                    return
                raise TargetError(f"{self.path}:{number}: not a line of a snapshot change log") from None

    def remove(self) -> None:
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:  # the snapshot holds every change already; replaying the log again is harmless
            raise FileError(f"{self.path}: cannot remove the snapshot's change log ({reason(exc)})") from None

    def close(self) -> None:
        self._log.close()


def _plain(item: Any) -> Any:
    return dataclasses.asdict(item) if dataclasses.is_dataclass(item) and not isinstance(item, type) else item
