"""`leadconf login` and `leadconf logout`: sign in once at a laptop, keep the refresh token safe.

The flow and the stores are in leadconf/backends/superoffice/oauth.py and credstore.py; this module
only reads the options and prints. Only click is imported at the top (`leadconf --help` stays fast).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from leadconf.cli.common import config_option, default_configs, echo_err, echo_out

if TYPE_CHECKING:
    from leadconf.backends.superoffice.target import Target

_ENV_CREDENTIALS = (
    "SUPEROFFICE_TICKET",
    "SUPEROFFICE_ACCESS_TOKEN",
    "SUPEROFFICE_SYSTEM_TOKEN",
    "SUPEROFFICE_REFRESH_TOKEN",
    "SUPEROFFICE_USERNAME",
    "SUPEROFFICE_PASSWORD",
)


def _target_option(f):
    return click.option(
        "--target",
        metavar="TARGET",
        help="superoffice:online/CustNNNNN (sod/, qaonline/) or superoffice:URL. "
        "Default: $LEADCONF_TARGET, then the config's target:.",
    )(f)


def _resolve(target: str | None, configs) -> Target:
    """(the parsed Target, the name it is saved under) of the one target to log in to."""
    from leadconf.backends.registry import ENV_TARGET
    from leadconf.backends.superoffice.target import parse_target
    from leadconf.errors import TargetError

    chosen = target or os.environ.get(ENV_TARGET, "").strip()
    if not chosen:
        paths = default_configs(configs)
        if all(os.path.exists(p) for p in paths):
            from leadconf.config.loader import load_config

            chosen = load_config(paths).config.target or ""
    if not chosen:
        raise TargetError("no target: pass --target superoffice:online/CustNNNNN (or superoffice:URL), "
                          "set LEADCONF_TARGET, or add target: to the config")
    scheme, sep, rest = chosen.partition(":")
    if scheme == "snapshot" and sep:
        raise TargetError(f"target {chosen}: a snapshot file needs no login (only superoffice: targets do)")
    if scheme != "superoffice" or not sep or not rest:
        raise TargetError(f"target {chosen!r}: expected superoffice:online/CustNNNNN or superoffice:URL")
    return parse_target(rest)


def _client_id(client_id: str | None) -> str:
    from leadconf.errors import TargetError

    client_id = client_id or os.environ.get("SUPEROFFICE_CLIENT_ID", "").strip()
    if not client_id:
        raise TargetError("leadconf login needs your SuperOffice app's client id: --client-id ID or SUPEROFFICE_CLIENT_ID "
                          "(the app must allow the redirect http://127.0.0.1:PORT; see `leadconf login --help`)")
    return client_id


def _announcer(name: str, timeout: float):
    minutes = f"{timeout / 60:g} min" if timeout >= 60 else f"{timeout:g} s"

    def on_url(url: str, opened: bool) -> None:
        if opened:
            echo_err(f"Opening the browser to sign in to {name}.")
            echo_err("If it does not open, visit this URL:", "", f"  {url}", "")
        else:
            echo_err(f"To sign in to {name}, open this URL in a browser:", "", f"  {url}", "")
        echo_err(f"Waiting for the sign-in (up to {minutes})...")

    return on_url


def _login_options(f):
    options = [
        click.option("--client-id", metavar="ID", help="Your SuperOffice app's client id. Default: $SUPEROFFICE_CLIENT_ID."),
        click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser."),
        click.option("--port", type=click.IntRange(1000, 65535), default=None, show_default="any free port",
                     help="Local port of the redirect http://127.0.0.1:PORT (the app must allow it)."),
        click.option("--response-mode", type=click.Choice(["form_post", "query"]), default="form_post",
                     show_default=True,
                     help="How the login page returns to this machine: a form POST, or a GET with the code in the query."),
        click.option("--timeout", type=click.FloatRange(min=1), default=300, show_default=True,
                     help="Seconds to wait for the sign-in in the browser."),
    ]
    for option in reversed(options):
        f = option(f)
    return _target_option(config_option(f))


@click.command()
@_login_options
def login(target, configs, client_id, no_browser, port, response_mode, timeout):
    """Sign in to a SuperOffice tenant in the browser and keep the login.

    \b
    The authorization-code flow with PKCE: your browser signs you in at
    SuperOffice and comes back to http://127.0.0.1:PORT on this machine (the
    Native app template allows exactly that). The id_token is verified, then
    the refresh token is saved in the system keyring (else in
    ~/.config/leadconf/credentials.json, readable by you only), and later
    plan/apply/export runs on the same target use it when no SUPEROFFICE_*
    credentials are set. A confidential app's client secret comes from
    $SUPEROFFICE_CLIENT_SECRET only; a native app needs none.
    """
    import webbrowser

    from leadconf.backends.superoffice import oauth

    parsed = _resolve(target, configs)
    name = oauth.store_key(parsed)
    if parsed.note:
        echo_err(parsed.note)
    result = oauth.login(
        parsed,
        _client_id(client_id),
        client_secret=os.environ.get("SUPEROFFICE_CLIENT_SECRET") or None,
        port=port or 0,
        timeout=timeout,
        response_mode=response_mode,
        open_browser=None if no_browser else webbrowser.open,
        on_url=_announcer(name, timeout),
    )
    tenant = f" (tenant {result.context})" if result.context and result.context not in name else ""
    echo_out(f"Logged in to {name}{tenant}. The refresh token is saved in {_where(result.where)}.")
    shadowing = [n for n in _ENV_CREDENTIALS if os.environ.get(n)]
    if shadowing:
        echo_err(f"note: {' and '.join(shadowing)} {'is' if len(shadowing) == 1 else 'are'} set: environment "
                 "credentials come first, so this login is used only once they are unset.")


@click.command()
@_target_option
@config_option
def logout(target, configs):
    """Revoke the saved login of a SuperOffice target, and forget it.

    The refresh token is revoked at the login service's revocation endpoint,
    then removed from the keyring and the file. If the revocation fails, the
    login is removed all the same and the command says so (exit code 1): the
    token may stay valid at SuperOffice until the app's consent is withdrawn.
    """
    from leadconf.backends.superoffice import oauth
    from leadconf.errors import AuthError

    parsed = _resolve(target, configs)
    if parsed.note:
        echo_err(parsed.note)
    result = oauth.logout(parsed)
    places = " and ".join(result.removed)
    if not result.removed:
        echo_out(f"No saved login for {result.key}: nothing to do.")
    elif result.revoked:
        echo_out(f"Logged out of {result.key}: the refresh token was revoked and removed from {places}.")
    else:
        echo_out(f"Logged out of {result.key}: the saved login was removed from {places}.")
        raise AuthError(f"the refresh token could not be revoked at SuperOffice ({result.problem}); it was "
                        f"forgotten here, but may stay valid until the app's consent is withdrawn")


def _where(where: str) -> str:
    from leadconf.backends.superoffice.credstore import KEYRING_NAME

    return where if where == KEYRING_NAME else f"{where} (readable by you only)"
