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
    from leadconf.fileio import apply_lock, lock_timeout, make_dirs

    environ = os.environ if environ is None else environ
    if timeout is None:
        timeout = lock_timeout(environ)  # a bad value is an error, not a silent 10 s
    path = lock_path(description, environ)
    make_dirs(str(path.parent), "folder of the apply locks")
    with apply_lock(str(path), timeout, description, " on this machine"):
        yield
