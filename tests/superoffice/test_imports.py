"""httpx, tenacity, cryptography and PyJWT load only when a superoffice target is opened."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("httpx", "tenacity", "cryptography", "jwt")


def test_opening_nothing_imports_nothing_heavy():
    code = (
        "import sys, leadconf.backends.registry, leadconf.backends.superoffice; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_ticket_targets_do_not_import_the_crypto_packages():
    code = (
        "import sys; from leadconf.backends.superoffice import open_superoffice; "
        "open_superoffice('https://crm.example.com/Cust1', environ={'SUPEROFFICE_TICKET': '7T:abcdef'}); "
        "print(sorted(m for m in ('cryptography', 'jwt') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
