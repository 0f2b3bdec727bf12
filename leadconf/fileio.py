"""Local files: written whole or not at all, through symlinks, with faults as clear errors.

A write goes to a temporary file in the folder of the real file (a symlink is followed, so the
link stays a link and the file it names changes), is fsynced, then renamed over it. A temporary
file is named after its file and the process that writes it (`.NAME.PID.leadconf-XXXX.tmp`,
readable by its owner alone): one left behind by a process that was killed holds a copy of what it
was writing (a whole tenant, for a snapshot), and the next write of that file removes it.
"""

from __future__ import annotations

import errno
import glob
import math
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import BinaryIO

from leadconf.errors import FileError, LockError, TargetError

LOCK_TIMEOUT_ENV = "LEADCONF_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0
MAX_LOCK_TIMEOUT = 86400.0  # a day: a wait longer than that is a mistake, not a setting

_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is too large for the file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.EIO: "an input/output error of the device",
}
_SUFFIX = ".leadconf-"
_IN_FLIGHT: set[str] = set()  # temporary files this process is writing now (never left-overs)


def reason(exc: OSError) -> str:
    """What went wrong, in words, for an OSError (never a traceback)."""
    return _REASONS.get(exc.errno or 0) or exc.strerror or exc.__class__.__name__


def real_path(path: str) -> str:
    """The file a path names, symlinks followed (the file is written and locked there)."""
    return os.path.realpath(path)


def check_writable(path: str, what: str = "file") -> None:
    """A file that exists read-only (no write permission bit, or no access) is an error: leadconf
    does not replace what its owner protected."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileError(f"{path}: cannot use the {what} ({reason(exc)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileError(f"{path}: the {what} is not a regular file")
    if st.st_mode & 0o222 == 0 or not os.access(path, os.W_OK):
        raise FileError(f"{path}: the {what} is read-only; make it writable (chmod u+w) to apply to it")


def atomic_write(path: str, data: str | bytes, mode: int | None = None, what: str = "file") -> None:
    """Write `path` (through symlinks) whole or not at all. Its permissions: `mode` when given (set
    before the file appears under its name, so a secret is never readable by others), else those
    of the file it replaces, else 0644. Any file-system fault is a FileError naming the file."""
    real = real_path(path)
    check_writable(real, what)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _write(real, raw, mode)
    except OSError as exc:
        shown = path if real == os.path.abspath(path) else f"{path} (-> {real})"
        raise FileError(f"{shown}: cannot write the {what} ({reason(exc)}); the file is unchanged") from None


def _write(real: str, raw: bytes, mode: int | None) -> None:
    directory, name = os.path.split(real)
    remove_leftovers(real)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}{_SUFFIX}", suffix=".tmp", dir=directory)
    _IN_FLIGHT.add(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            try:
                os.chmod(tmp, os.stat(real).st_mode & 0o7777)
            except FileNotFoundError:
                os.chmod(tmp, 0o644)
        os.replace(tmp, real)
    except BaseException:
        _unlink(tmp)
        raise
    finally:
        _IN_FLIGHT.discard(tmp)
    _fsync_dir(directory)


def remove_leftovers(path: str, locked: bool = False) -> list[str]:
    """Remove the temporary files of `path` that no write in flight holds. Returns them.

    `locked`: the caller holds the file's lock (the snapshot's apply lock), so no other process
    writes it: every temporary file but this process's own in-flight ones is a left-over, whatever
    its pid (a pid is reused: pid 1 in every container, or this very process's). Without the lock,
    a file of another running process is left alone: it may be writing it now."""
    real = real_path(path)
    directory, name = os.path.split(real)
    removed = []
    for found in glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(name)}.*{_SUFFIX}*.tmp")):
        tmp = os.path.join(directory, os.path.basename(found))  # as mkstemp named it
        if tmp in _IN_FLIGHT:
            continue
        pid = os.path.basename(tmp)[len(name) + 2:].split(".", 1)[0]
        if (locked or (pid.isdigit() and not _running(int(pid)))) and _unlink(tmp):
            removed.append(tmp)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process: its writes in flight are in _IN_FLIGHT, so this is an earlier one's
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_dirs(directory: str, what: str = "folder") -> None:
    """os.makedirs, with a fault as a FileError naming the folder."""
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise FileError(f"{directory}: cannot create the {what} ({reason(exc)})") from None


def lock_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for a lock: $LEADCONF_LOCK_TIMEOUT (a number from 0 to 86400), else 10."""
    environ = os.environ if environ is None else environ
    value = environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise TargetError(f"{LOCK_TIMEOUT_ENV}={value!r}: expected a number of seconds (0 or more)")
    if seconds > MAX_LOCK_TIMEOUT:
        raise TargetError(f"{LOCK_TIMEOUT_ENV}={value!r}: at most {MAX_LOCK_TIMEOUT:.0f} seconds (a day)")
    return seconds


# -- append-only logs: the apply journal and the snapshot's change log -------------------------------


class AppendLog:
    """A file of lines written one at a time, each flushed and fsynced before `append` returns.

    A crash in the middle of an append leaves part of a line at the end of the file. Readers skip
    it (its write never finished), and the first append after opening drops it, so that the next
    line starts a line of its own instead of continuing the fragment (which would make the file
    unreadable from there on). A failed append truncates what it wrote, for the same reason.
    Faults are OSErrors: the caller names the file in its own words.
    """

    def __init__(self, path: str):
        self.path = path
        self._fh: BinaryIO | None = None

    def append(self, line: str) -> None:
        """Write `line` (one line, without its newline) durably at the end of the file."""
        fh = self._open()
        size = fh.tell()
        data = memoryview(line.encode("utf-8") + b"\n")
        try:
            while data:  # an unbuffered write may place part of the line
                written = fh.write(data)
                if not written:  # a file that takes nothing (never an error on its own) would loop forever
                    raise OSError(errno.EIO, "the file took no bytes")
                data = data[written:]
            os.fsync(fh.fileno())
        except BaseException:
            self._truncate(size)
            raise

    def _open(self) -> BinaryIO:
        if self._fh is None:
            # unbuffered: bytes a failed write could not place are not kept in a buffer that every
            # later flush, and close, would fail on again (a full disk)
            fh = open(self.path, "ab", buffering=0)
            try:
                if fh.seek(0, os.SEEK_END):
                    _drop_torn_tail(fh, self.path)
            except BaseException:
                fh.close()
                raise
            self._fh = fh
        return self._fh

    def _truncate(self, size: int) -> None:
        if self._fh is None:
            return
        try:
            self._fh.truncate(size)
            self._fh.seek(size)
        except OSError:
            pass

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _drop_torn_tail(fh: BinaryIO, path: str) -> None:
    """Cut the file open for appending in `fh` back to its last complete line."""
    with open(path, "rb") as reader:
        reader.seek(-1, os.SEEK_END)
        if reader.read(1) == b"\n":
            return
        reader.seek(0)
        data = reader.read()
    fh.truncate(data.rfind(b"\n") + 1)
    fh.seek(0, os.SEEK_END)


# -- the apply lock ------------------------------------------------------------------------------------


@contextmanager
def apply_lock(lock_file: str, timeout: float, holder: str, where: str = "") -> Iterator[None]:
    """Hold the file lock `lock_file` (filelock) while the block runs, waiting `timeout` seconds for
    it. A timeout is a LockError naming `holder` (the tenant or file locked); `where` qualifies
    "another leadconf apply" (e.g. " on this machine")."""
    import filelock

    lock = filelock.FileLock(lock_file, timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockError(
            f"{holder}: another leadconf apply{where} holds the lock ({lock_file}) "
            f"and did not release it within {timeout:g} s; try again when it has finished"
        ) from None
    except OSError as exc:
        raise FileError(f"{lock_file}: cannot take the apply lock ({reason(exc)})") from None
    try:
        yield
    finally:
        lock.release()
