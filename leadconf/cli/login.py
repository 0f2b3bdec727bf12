"""`leadconf login` and `leadconf logout`: sign in once at a laptop, keep the refresh token safe.

The flow and the stores are in leadconf/backends/superoffice/oauth.py and credstore.py; this module
only reads the options and prints. Only click is imported at the top (`leadconf --help` stays fast).
"""

from __future__ import annotations

import os

import click

from leadconf.cli.common import config_option, default_configs, echo_err

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
        help="superoffice:online/CustNNNNN (sod/, stage/) or superoffice:URL. "
        "Default: $LEADCONF_TARGET, then the config's target:.",
    )(f)


def _resolve(target, configs):
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


@click.command()
@_target_option
@config_option
@click.option("--client-id", metavar="ID", help="Your SuperOffice app's client id. Default: $SUPEROFFICE_CLIENT_ID.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default="any free port",
              help="Local port of the redirect http://127.0.0.1:PORT/callback (it must be registered with the app).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300, show_default=True,
              help="Seconds to wait for the sign-in in the browser.")
def login(target, configs, client_id, no_browser, port, timeout):
    """Sign in to a SuperOffice tenant in the browser and keep the login.

    \b
    The OAuth 2 authorization-code flow with PKCE: your browser signs you in at
    SuperOffice and comes back to http://127.0.0.1:PORT/callback on this machine.
    The refresh token is saved in the system keyring (else in
    ~/.config/leadconf/credentials.json, readable by you only) and later
    plan/apply/export runs on the same target use it when no SUPEROFFICE_*
    credentials are set. The client secret, if your app has one, comes from
    $SUPEROFFICE_CLIENT_SECRET only.
    """
    import webbrowser

    from leadconf.backends.superoffice import oauth
    from leadconf.errors import TargetError

    parsed = _resolve(target, configs)
    name = oauth.store_key(parsed)
    client_id = client_id or os.environ.get("SUPEROFFICE_CLIENT_ID", "").strip()
    if not client_id:
        raise TargetError("leadconf login needs your SuperOffice app's client id: --client-id ID or SUPEROFFICE_CLIENT_ID "
                          "(the app must list http://127.0.0.1:PORT/callback as a redirect URI; see --port)")
    minutes = f"{timeout / 60:g} min" if timeout >= 60 else f"{timeout:g} s"

    def on_url(url, opened):
        if opened:
            echo_err(f"Opening the browser to sign in to {name}.")
            echo_err(f"If it does not open, visit this URL:\n\n  {url}\n")
        else:
            echo_err(f"To sign in to {name}, open this URL in a browser:\n\n  {url}\n")
        echo_err(f"Waiting for the sign-in (up to {minutes})...")

    result = oauth.login(
        parsed,
        client_id,
        client_secret=os.environ.get("SUPEROFFICE_CLIENT_SECRET") or None,
        port=port,
        timeout=timeout,
        open_browser=None if no_browser else webbrowser.open,
        on_url=on_url,
    )
    tenant = f" (tenant {result.context})" if result.context and result.context not in name else ""
    click.echo(f"Logged in to {name}{tenant}. The refresh token is saved in {_where(result.where)}.")
    shadowing = [n for n in _ENV_CREDENTIALS if os.environ.get(n)]
    if shadowing:
        echo_err(f"note: {' and '.join(shadowing)} {'is' if len(shadowing) == 1 else 'are'} set: environment "
                 "credentials come first, so this login is used only once they are unset.")


@click.command()
@_target_option
@config_option
def logout(target, configs):
    """Forget the saved login of a SuperOffice target (keyring and file).

    The refresh token stays valid at SuperOffice until it expires; leadconf only
    forgets it.
    """
    from leadconf.backends.superoffice import oauth

    parsed = _resolve(target, configs)
    name = oauth.store_key(parsed)
    removed = oauth.logout(parsed)
    if removed:
        click.echo(f"Logged out of {name}: the saved login was removed from {' and '.join(removed)}.")
    else:
        click.echo(f"No saved login for {name}: nothing to do.")


def _where(where: str) -> str:
    from leadconf.backends.superoffice.credstore import KEYRING_NAME

    return where if where == KEYRING_NAME else f"{where} (readable by you only)"
