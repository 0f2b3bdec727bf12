"""Target strings -> backends.

    snapshot:PATH                       a snapshot file (the embedded default)
    superoffice:online/Cust12345        SuperOffice Online (also sod/..., qaonline/...; stage/... is an alias of qaonline)
    superoffice:https://host/app        an onsite install or any base URL (API at URL/api/v1)
"""

from __future__ import annotations

import os

from leadconf.backends.base import Backend
from leadconf.errors import TargetError

ENV_TARGET = "LEADCONF_TARGET"


def resolve_targets(cli_targets, config_target: str | None) -> list[str]:
    """--target (repeatable), else $LEADCONF_TARGET, else the config's target: key."""
    if cli_targets:
        return list(cli_targets)
    env = os.environ.get(ENV_TARGET, "").strip()
    if env:
        return [env]
    if config_target:
        return [config_target]
    raise TargetError(
        "no target: pass --target snapshot:PATH (or superoffice:...), set LEADCONF_TARGET, "
        "or add target: to the config"
    )


def open_backend(target: str, **options) -> Backend:
    scheme, sep, rest = target.partition(":")
    if not sep or not rest:
        raise TargetError(f"target {target!r}: expected snapshot:PATH or superoffice:...")
    if scheme == "snapshot":
        from leadconf.backends.snapshot import SnapshotBackend

        return SnapshotBackend(rest)
    if scheme == "superoffice":
        from leadconf.backends.superoffice import open_superoffice

        return open_superoffice(rest, **options)
    raise TargetError(f"target {target!r}: unknown kind {scheme!r} (snapshot or superoffice)")
