"""Ctrl-C (SIGINT) and SIGTERM during an apply.

The first signal asks the apply to stop after the change in flight: that write finishes, the
journal records it, the undo plan covers it, and the report says what is left and how to resume or
undo (exit 130). A second signal abandons the write in flight at once (KeyboardInterrupt): the
journal shows it started and not finished, and `apply --resume` re-checks it against the tenant.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import click

from leadconf.cli.common import echo_err

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    """What the signal handler and the apply share: `event` is set by the first signal; while
    `prompting` (a question on the terminal), a signal cancels at once."""

    def __init__(self):
        self.event = threading.Event()
        self.prompting = False

    def handle(self, signum, frame):
        if self.event.is_set() or self.prompting:
            raise KeyboardInterrupt
        self.event.set()
        name = signal.Signals(signum).name
        click.echo("", err=True)
        echo_err(f"{name}: stopping after the change in flight (again to abandon it) ...")


@contextlib.contextmanager
def stop_on_signals():
    """A StopRequest wired to SIGINT and SIGTERM for the duration (main thread only; elsewhere
    signals keep their handlers and the request is never set)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in _SIGNALS:
        signal.signal(sig, request.handle)
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
