"""Shared by the reliability tests."""

# A child process that runs `leadconf ARGS` and SIGKILLs itself right after the backend's Nth write
# (KILL_AFTER_WRITES): an apply cut off between two writes, as a crash or a CI timeout would.
KILLER = """
import os, signal, sys
from {module} import {cls} as Backend
limit = int(os.environ["KILL_AFTER_WRITES"])
real = Backend.write
count = 0
def write(self, kind, item):
    global count
    result = real(self, kind, item)
    count += 1
    if count >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
Backend.write = write
from leadconf.cli import main
main(sys.argv[1:])
"""


def killer(module: str, cls: str) -> str:
    return KILLER.format(module=module, cls=cls)
