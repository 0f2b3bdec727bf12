"""Where `leadconf login` keeps a target's refresh token: the system keyring, else a private file.

    keyring   service "leadconf", username = the target ("superoffice:online/Cust12345"), the
              password a JSON object {"refresh_token", "client_id", "token_url"}; used when the
              `keyring` package is installed and has a usable backend (not keyring's "fail" or
              "null" backends), unless LEADCONF_KEYRING=0
    file      $XDG_CONFIG_HOME/leadconf/credentials.json (else ~/.config/leadconf/credentials.json):
              {"version": 1, "logins": {target: {...the same object...}}}; the folder 0700, the file
              0600, written atomically under a file lock; a file that others can read is refused

Reading looks in the keyring first, then in the file; `delete` removes the target from both. The
refresh token is registered with the redaction helper the moment it is read. Nothing here prints.

keyring and filelock are imported only when a store is used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from leadconf.backends.superoffice import redact
from leadconf.errors import TargetError

SERVICE = "leadconf"
ENV_KEYRING = "LEADCONF_KEYRING"  # "0" (or off/no/false): never use the keyring, always the file
FILE_NAME = "credentials.json"
FILE_FORMAT = 1
KEYRING_NAME = "the system keyring"


@dataclass(frozen=True)
class SavedLogin:
    """What a login leaves behind: the refresh token, the app it belongs to, where it is redeemed."""

    refresh_token: str
    client_id: str
    token_url: str  # the token endpoint that issued it; the refresh token goes nowhere else

    def to_dict(self) -> dict:
        return {"refresh_token": self.refresh_token, "client_id": self.client_id, "token_url": self.token_url}

    def __repr__(self) -> str:  # never the token
        return f"<SavedLogin client_id={self.client_id!r} token_url={self.token_url!r}>"


def _from_dict(value, where: str) -> SavedLogin:
    if not isinstance(value, dict):
        raise TargetError(f"{where}: the saved login is not a JSON object; run `leadconf logout` and log in again")
    fields = {}
    for name in ("refresh_token", "client_id", "token_url"):
        v = value.get(name)
        if not isinstance(v, str) or not v:
            raise TargetError(f"{where}: the saved login has no {name}; run `leadconf logout` and log in again")
        fields[name] = v
    redact.register(fields["refresh_token"])
    return SavedLogin(**fields)


# -- where ------------------------------------------------------------------------------------------


def config_dir(environ=None) -> str:
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME", "").strip()
    if not base or not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        if os.name == "nt" and environ.get("APPDATA"):
            base = environ["APPDATA"]
        else:
            base = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "leadconf")


def file_path(environ=None) -> str:
    return os.path.join(config_dir(environ), FILE_NAME)


KEYRING_OFF = ("0", "off", "no", "false")
KEYRING_ON = ("", "1", "on", "yes", "true")  # (unset): the keyring when it is usable


def _keyring(environ):
    """The keyring module when it has a usable backend and is not switched off, else None."""
    value = environ.get(ENV_KEYRING, "").strip().lower()
    if value not in KEYRING_OFF + KEYRING_ON:
        raise TargetError(f"{ENV_KEYRING}={environ.get(ENV_KEYRING)!r}: expected 0 (never the keyring, always the "
                          "file) or 1 (the keyring when it is usable; the default)")
    if value in KEYRING_OFF:
        return None
    try:
        import keyring
        from keyring.backends import fail, null
    except Exception:  # noqa: BLE001 - not installed, or a broken install: the file store still works
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - keyring backends raise anything
        return None
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None
    chained = getattr(backend, "backends", None)  # keyring's ChainerBackend with nothing behind it
    if chained is not None and not list(chained):
        return None
    return keyring


def store_name(environ=None) -> str:
    """Where `save` would put a login now: "the system keyring" or the file's path."""
    environ = os.environ if environ is None else environ
    return KEYRING_NAME if _keyring(environ) is not None else file_path(environ)


# -- the file ---------------------------------------------------------------------------------------


def _read_file(path: str) -> dict:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return {"version": FILE_FORMAT, "logins": {}}
    except OSError as exc:
        raise TargetError(f"{path}: cannot read the saved logins ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if os.name != "nt":
            mode = os.fstat(fh.fileno()).st_mode & 0o777
            if mode & 0o077:
                raise TargetError(
                    f"{path}: the saved logins are readable by other users (mode {mode:04o}); "
                    f"run `chmod 600 {path}` if you trust it, or delete it and run `leadconf login` again"
                )
        raw = fh.read()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TargetError(f"{path}: the saved logins are not valid JSON; delete the file and run `leadconf login` again") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("logins"), dict):
        raise TargetError(f"{path}: not a leadconf credentials file (no \"logins\" object)")
    return doc


def _file_lock(path: str):
    from filelock import FileLock

    return FileLock(path + ".lock", timeout=10)


def _ensure_dir(directory: str) -> None:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if os.name != "nt":
        os.chmod(directory, 0o700)


def _update_file(path: str, change) -> bool:
    """Read-modify-write under the lock; `change(logins) -> bool` says whether to write."""
    from filelock import Timeout

    from leadconf.fileio import atomic_write

    directory = os.path.dirname(path)
    _ensure_dir(directory)
    try:
        with _file_lock(path):
            doc = _read_file(path)
            if not change(doc["logins"]):
                return False
            doc["version"] = FILE_FORMAT
            atomic_write(path, json.dumps(doc, indent=2, sort_keys=True) + "\n", mode=0o600)
            return True
    except Timeout:
        raise TargetError(f"{path}.lock: another leadconf is updating the saved logins; try again") from None


# -- the API ----------------------------------------------------------------------------------------


def load(key: str, environ=None) -> tuple[SavedLogin, str] | None:
    """(the saved login of target `key`, where it was found) or None."""
    environ = os.environ if environ is None else environ
    problem = None
    kr = _keyring(environ)
    if kr is not None:
        try:
            value = kr.get_password(SERVICE, key)
        except Exception as exc:  # noqa: BLE001 - a locked or broken keyring: the file may still have it
            problem, value = exc, None
        if value:
            redact.register(value)
            try:
                data = json.loads(value)
            except ValueError:
                raise TargetError(f"{KEYRING_NAME}: the saved login of {key} is not valid JSON; "
                                  f"run `leadconf logout --target {key}` and log in again") from None
            return _from_dict(data, f"{KEYRING_NAME} ({key})"), KEYRING_NAME
    path = file_path(environ)
    if os.path.exists(path):
        entry = _read_file(path)["logins"].get(key)
        if entry is not None:
            return _from_dict(entry, f"{path} ({key})"), path
    if problem is not None:  # say so rather than "no credentials"
        raise TargetError(f"cannot read {KEYRING_NAME} to look for the saved login of {key} "
                          f"({type(problem).__name__}): unlock it, or set {ENV_KEYRING}=0 to use the file store only")
    return None


def save(key: str, login: SavedLogin, environ=None, where: str | None = None) -> str:
    """Keep `login` for target `key`; returns where it went ("the system keyring" or the path).

    `where` pins the store (a rotated token goes back where the old one was). Saving to the
    keyring removes any copy of the target from the file, so that only one store holds it.
    """
    environ = os.environ if environ is None else environ
    redact.register(login.refresh_token)
    value = json.dumps(login.to_dict(), sort_keys=True)
    kr = _keyring(environ) if where in (None, KEYRING_NAME) else None
    if kr is not None:
        try:
            kr.set_password(SERVICE, key, value)
        except Exception as exc:  # noqa: BLE001 - keyring backends raise anything
            if where == KEYRING_NAME:
                raise TargetError(f"cannot write {KEYRING_NAME} ({type(exc).__name__})") from None
            kr = None  # fall back to the file
        else:
            _delete_from_file(key, environ)
            return KEYRING_NAME
    path = file_path(environ) if where in (None, KEYRING_NAME) else where

    def put(logins):
        logins[key] = login.to_dict()
        return True

    _update_file(path, put)
    return path


def _delete_from_file(key: str, environ) -> bool:
    path = file_path(environ)
    if not os.path.exists(path):
        return False

    def drop(logins):
        return logins.pop(key, None) is not None

    return _update_file(path, drop)


def delete(key: str, environ=None) -> list[str]:
    """Forget target `key` in both stores; returns where it was found."""
    environ = os.environ if environ is None else environ
    removed = []
    problem = None
    kr = _keyring(environ)
    if kr is not None:
        from keyring.errors import PasswordDeleteError

        try:
            if kr.get_password(SERVICE, key) is not None:
                kr.delete_password(SERVICE, key)
                removed.append(KEYRING_NAME)
        except PasswordDeleteError:
            pass
        except Exception as exc:  # noqa: BLE001 - a locked or broken keyring: still clean the file, then say so
            problem = exc
    if _delete_from_file(key, environ):
        removed.append(file_path(environ))
    if problem is not None:
        done = f" (removed from {removed[0]})" if removed else ""
        raise TargetError(f"cannot update {KEYRING_NAME} ({type(problem).__name__}){done}; "
                          "unlock the keyring and run `leadconf logout` again")
    return removed
