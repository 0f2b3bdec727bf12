"""A SuperOffice Web API emulator for tests (and by hand: python -m tests.emulator --snapshot FILE).

See docs/emulator.md. The public names: Emulator, Fault, SystemUser, and the accepted credentials.
"""

from tests.emulator.faults import Fault
from tests.emulator.login import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_TOKEN,
    DEFAULT_CLIENT,
    DEFAULT_TICKET,
    DEFAULT_USER,
    SystemUser,
)
from tests.emulator.server import Emulator, Request

__all__ = [
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_APP_TOKEN",
    "DEFAULT_CLIENT",
    "DEFAULT_TICKET",
    "DEFAULT_USER",
    "Emulator",
    "Fault",
    "Request",
    "SystemUser",
]
