"""A machine-local lock per target, held for a whole apply.

The Web API offers no server-side lock (and no ETag on list items), so this only keeps two applies
from one machine from interleaving; apply's re-read of each item before writing it is what catches
changes made by anyone else.
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from leadconf.errors import FileError, LockError


def cache_dir(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("XDG_CACHE_HOME"):
        base = Path(environ["XDG_CACHE_HOME"])
    elif sys.platform == "win32" and environ.get("LOCALAPPDATA"):
        base = Path(environ["LOCALAPPDATA"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path.home() / ".cache"
    return base / "leadconf"


def lock_path(description: str, environ=None) -> Path:
    digest = hashlib.sha256(description.encode("utf-8")).hexdigest()[:20]
    return cache_dir(environ) / "locks" / f"{digest}.lock"


@contextmanager
def target_lock(description: str, environ=None, timeout: float | None = None):
    import filelock

    from leadconf.fileio import lock_timeout, make_dirs, reason

    environ = os.environ if environ is None else environ
    if timeout is None:
        timeout = lock_timeout(environ)  # a bad value is an error, not a silent 10 s
    path = lock_path(description, environ)
    make_dirs(str(path.parent), "folder of the apply locks")
    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockError(
            f"{description}: another leadconf apply on this machine holds the lock ({path}) and did not "
            f"release it within {timeout:g} s; try again when it has finished"
        ) from None
    except OSError as exc:
        raise FileError(f"{path}: cannot take the apply lock ({reason(exc)})") from None
    try:
        yield
    finally:
        lock.release()
