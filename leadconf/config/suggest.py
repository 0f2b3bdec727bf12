"""Did you mean: the one way a name that matches nothing gets a suggestion.

Every name leadconf looks up (a config key, a group value, a user group, heading, associate, flow,
category or lead status of the tenant, an earlier name under `renamed_from`) that finds nothing is
reported with the closest valid name, and with the valid names themselves when they are few.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from leadconf.vocabulary import loose_name as loose
from leadconf.vocabulary import name_key

SHOW_AT_MOST = 12  # list the valid names when there are at most this many
_SCAN_AT_MOST = 5_000  # difflib costs a pass over the candidates: above this, loose equality only
_CUTOFF = 0.6


def closest(name: str, valid: Iterable[str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The valid name `name` most likely meant, or None.

    `aliases` maps other spellings (a label SuperOffice shows, the API's value) to a valid name.
    """
    want = loose(name)
    for alias, target in (aliases or {}).items():
        if loose(alias) == want:
            return target
    by_loose: dict[str, str] = {}
    for candidate in valid:
        by_loose.setdefault(loose(candidate), candidate)
    if want in by_loose:
        return by_loose[want]
    if len(by_loose) > _SCAN_AT_MOST:
        return None
    close = difflib.get_close_matches(name_key(name), [name_key(c) for c in by_loose.values()],
                                      n=1, cutoff=_CUTOFF)
    if not close:
        return None
    return next(c for c in by_loose.values() if name_key(c) == close[0])


def did_you_mean(name: str, valid: Iterable[str], *, aliases: Mapping[str, str] | None = None,
                 listing: str | None = None, list_with_guess: bool = True) -> str:
    """The hint to append to "X matches nothing": "; did you mean 'Y'?", then, under `listing` (e.g.
    "user groups in the tenant"), the valid names when there are at most SHOW_AT_MOST of them."""
    names = list(dict.fromkeys(valid))
    guess = closest(name, names, aliases)
    hint = ""
    if guess is not None:
        hint = f"; did you mean {guess!r}?"
        label = next((a for a in (aliases or {}) if loose(a) == loose(name)), None)
        if label is not None and loose(label) != loose(guess):
            hint += f" (the config's word for SuperOffice's {label!r})"
    if listing and names and len(names) <= SHOW_AT_MOST and (guess is None or list_with_guess):
        hint += f" ({listing}: {', '.join(names)})"
    return hint
