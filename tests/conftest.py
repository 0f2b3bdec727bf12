import os

import pytest

# The emulator's fixtures (a SuperOffice Web API on 127.0.0.1) for every test that wants them.
pytest_plugins = ["tests.emulator.fixtures"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    """No test sees the developer's own target, credentials or journal."""
    for name in list(os.environ):
        if name.startswith(("SUPEROFFICE_", "LEADCONF_")) or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", "2")
    # ... nor the developer's saved `leadconf login`s (keyring or ~/.config/leadconf)
    monkeypatch.setenv("LEADCONF_KEYRING", "0")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
