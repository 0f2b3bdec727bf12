"""Loaded by pytest for the whole repository: a run that collects no test fails (exit 1), instead of
pytest's exit 5, so that the README's test command and `.ci/run` can never pass by testing nothing."""


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == 5:  # pytest.ExitCode.NO_TESTS_COLLECTED
        session.exitstatus = 1


# Tests marked `slow` (every cut point of an interrupted apply, long fuzzing: about a minute) are
# opt-in: `pytest --run-slow` runs them with the rest, `pytest -m slow` runs only them. The README's
# test command (and so `.ci/run`) passes --run-slow: CI always runs them.
def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False, help="also run the tests marked slow")


def pytest_collection_modifyitems(config, items):
    import pytest

    if config.getoption("--run-slow") or "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (or -m slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
