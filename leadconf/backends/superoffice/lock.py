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

from leadconf.errors import LockError

LOCK_TIMEOUT_ENV = "LEADCONF_LOCK_TIMEOUT"  # the same variable as the snapshot backend's lock
DEFAULT_LOCK_TIMEOUT = 10.0


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

    environ = os.environ if environ is None else environ
    if timeout is None:
        try:
            timeout = float(environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT))
        except ValueError:
            timeout = DEFAULT_LOCK_TIMEOUT
    path = lock_path(description, environ)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockError(
            f"{description}: another leadconf apply on this machine holds the lock ({path}) and did not "
            f"release it within {timeout:g} s; try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()
