"""The plan file: a plan saved to travel between CI jobs (made on a pull request, reviewed as a
comment, applied on merge with the tenant's credentials). Until it is proven otherwise it is
untrusted input, so before anything runs:

1. every field is type-checked against the plan file's schema (plan/planschema.py), so an edited
   file cannot smuggle a delete in as an update, turn the stale check off with a null fingerprint,
   or write a rank the snapshot reader refuses later;
2. its seal is checked: `plan --out` signs the file with HMAC-SHA256 under the key in
   $LEADCONF_PLAN_KEY (from the CI secret store), else under this user's local key
   (~/.config/leadconf/plan-key, made on first use, readable by the user alone). With
   $LEADCONF_PLAN_KEY set, apply accepts only a file signed with it. A plain digest proves nothing
   (anyone who edits the file can recompute it): a file that no key at hand signed is *unsealed*,
   and apply carries out an unsealed plan only as far as a fresh plan of the config at hand
   confirms every one of its changes (plan/confirm.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from leadconf.errors import PlanFileError
from leadconf.plan.plan import Plan
from leadconf.plan.planschema import check_plan_file

KEY_ENV = "LEADCONF_PLAN_KEY"
LOCAL_KEY_FILE = "plan-key"
MIN_KEY_LENGTH = 32  # characters: a key from `openssl rand -hex 32` has 64
SIGNATURE_PREFIX = "hmac-sha256:"


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    sealed: bool  # signed with a key leadconf holds, and the signature checks


@dataclass(frozen=True)
class Keys:
    """The keys a run can sign and check with: the shared one of $LEADCONF_PLAN_KEY (CI), and
    this user's local one (a laptop's `plan --out` then `apply`; undo plans)."""

    shared: bytes | None
    local: bytes | None

    @property
    def signing(self) -> bytes | None:
        return self.shared if self.shared is not None else self.local


def plan_keys(environ: Mapping[str, str] | None = None, create: bool = False) -> Keys:
    """The shared key from $LEADCONF_PLAN_KEY, and the local key (made on first use when `create`)."""
    environ = os.environ if environ is None else environ
    value = environ.get(KEY_ENV, "").strip()
    if value and len(value) < MIN_KEY_LENGTH:
        raise PlanFileError(f"{KEY_ENV} is too short to sign plans (at least {MIN_KEY_LENGTH} characters; "
                            "make one with: openssl rand -hex 32)")
    return Keys(value.encode("utf-8") if value else None, _local_key(environ, create))


def _local_key_path(environ: Mapping[str, str]) -> str:
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "leadconf", LOCAL_KEY_FILE)


def _local_key(environ: Mapping[str, str], create: bool) -> bytes | None:
    """This user's plan key (a file readable by the user alone); None when there is none and it
    cannot, or need not, be made: then plans are saved unsigned."""
    path = _local_key_path(environ)
    try:
        with open(path, "rb") as fh:
            _check_private(path, os.fstat(fh.fileno()))
            key = fh.read().strip()
        return key if len(key) >= MIN_KEY_LENGTH else None
    except OSError:
        if not create:
            return None
    from leadconf.errors import FileError
    from leadconf.fileio import atomic_write, make_dirs

    try:
        make_dirs(os.path.dirname(path), "folder of the local plan key")
        atomic_write(path, secrets.token_hex(32) + "\n", mode=0o600, what="local plan key")
    except FileError:
        return None
    return _local_key(environ, create=False)  # the file's: another process may have made it first


def _check_private(path: str, st: os.stat_result) -> None:
    """The local key seals what apply carries out as reviewed: it is trusted only when it is this
    user's file and no one else can read or write it (as the saved logins are)."""
    if os.name == "nt":
        return
    mode = st.st_mode & 0o777
    if st.st_uid != os.getuid():
        raise PlanFileError(f"{path}: the local plan key belongs to another user (uid {st.st_uid}); "
                            "delete it (a new one is made by the next `leadconf plan --out`) or set LEADCONF_PLAN_KEY")
    if mode & 0o077:
        raise PlanFileError(f"{path}: the local plan key is open to other users (mode {mode:04o}); run "
                            f"`chmod 600 {path}` if you trust it, or delete it (a new one is made by the next "
                            "`leadconf plan --out`; plans it sealed then need a fresh plan to confirm them)")


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _signature(body: dict, key: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def dumps(plan: Plan, keys: Keys) -> str:
    """The plan file's text: the plan, its checksum, and its signature (when a key is at hand)."""
    data = plan.to_file_dict()
    if keys.signing is not None:
        data["signature"] = _signature(data, keys.signing)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def journal_seal(plan_dict: dict, target: str, keys: Keys) -> str | None:
    """The seal of a journal's header (its plan and target), with the key `plan --out` signs with:
    `leadconf undo` and `apply --resume` take the plan and the target from a journal only when
    its seal checks. None when no key is at hand (such a journal is never resumed nor undone)."""
    key = keys.signing
    return _signature(_journal_body(plan_dict, target), key) if key is not None else None


def _journal_body(plan_dict: object, target: object) -> dict:
    return {"journal": {"plan": plan_dict, "target": target}}


def journal_sealed(header: Mapping, keys: Keys) -> bool:
    """True when a key at hand (the shared or the local one) sealed this journal header."""
    seal = header.get("seal")
    if not isinstance(seal, str) or not seal:
        return False
    body = _journal_body(header.get("plan"), header.get("target"))
    return any(hmac.compare_digest(seal, _signature(body, key)) for key in (keys.shared, keys.local) if key is not None)


def check_data(data: object, where: str) -> dict:
    """`data` (a parsed plan file or a journal's plan) checked against the schema."""
    problems = check_plan_file(data)
    if problems:
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        raise PlanFileError(f"{where} is not a valid leadconf plan: {shown}")
    assert isinstance(data, dict)  # check_plan_file refuses anything else
    return data


def from_data(data: object, keys: Keys, where: str = "the plan file") -> SavedPlan:
    """Check `data` (a parsed plan file) against the schema and its seal. With the shared key, the
    file must be signed with it; otherwise it is sealed if the local key signed it, else unsealed."""
    checked = check_data(data, where)
    body = {k: v for k, v in checked.items() if k != "signature"}
    signature = str(checked.get("signature") or "")
    if keys.shared is not None:
        if not signature:
            raise PlanFileError(f"{where} is not signed, but {KEY_ENV} is set: a plan made with the key is "
                                "signed. Plan again with the key set; nothing was applied.")
        if not hmac.compare_digest(signature, _signature(body, keys.shared)):
            raise PlanFileError(f"{where} was changed after it was saved (its signature does not match, or it "
                                f"was signed with another {KEY_ENV}); nothing was applied. Plan again.")
        sealed = True
    else:
        local = keys.local
        sealed = bool(signature) and local is not None and hmac.compare_digest(signature, _signature(body, local))
    return SavedPlan(Plan.from_file_dict(body), sealed=sealed)


def load(path: str, keys: Keys) -> SavedPlan:
    """Read, check and unseal the plan file at `path`."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such plan file") from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path}: not a plan file (not UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}:{exc.colno}: not a plan file (invalid JSON: {exc.msg})") from None
    except RecursionError:
        raise PlanFileError(f"{path}: not a plan file (nested too deeply)") from None
    return from_data(data, keys, path)
