"""Measuring whole processes: wall time and peak memory, interleaved, median of N.

Every process is started directly (the console scripts next to sys.executable, never a pyenv
shim), through a bare launcher (see _LAUNCHER), with stdout and stderr to files, and reaped with
os.wait4 so that ru_maxrss is that one child's peak resident set.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def script(name: str) -> str:
    """The console script `name` of this interpreter (not a shim found on PATH)."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"bench: {name} is not installed; run: pip install -e \".[bench]\"")
    return found


@dataclass
class Run:
    argv: list[str]
    rc: int
    wall: float  # seconds
    maxrss_kb: int
    stdout: str
    stderr: str


# Linux starts a process's peak-RSS record (ru_maxrss) at the high-water mark of the memory it
# replaced at exec: a child spawned from this harness (a vfork, sharing our memory until exec)
# reported *our* size, 31-81 MB, for a 10 MB `python -c pass`. So each command is started by this
# launcher, a bare interpreter that forks (its own small memory is what the command inherits), execs
# the command, times it from fork to reap, and hands back the wall time and the peak RSS on a pipe.
_LAUNCHER = """
import os, sys, time
report = int(sys.argv[1])
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(report)
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(report, b"%.6f %d" % (time.perf_counter() - t0, usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def run(argv, *, cwd=None, env=None, timeout=300.0, check=True) -> Run:
    """One process: wall time from fork to reap, peak RSS of that process (KiB)."""
    read_end, write_end = os.pipe()
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), *argv]
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out, \
            tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err:
        proc = subprocess.Popen(launcher, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                pass_fds=(write_end,), start_new_session=True)
        os.close(write_end)
        killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
        with os.fdopen(read_end, "rb") as fh:
            report = fh.read().split()
        if len(report) != 2 and not killer.is_alive() and killer.finished.is_set() and proc.returncode == -signal.SIGKILL:
            raise BenchError(f"{' '.join(map(str, argv))}: killed after {timeout:g} s")
        if len(report) != 2:
            raise BenchError(f"{' '.join(map(str, argv))}: the launcher reported nothing (exit {proc.returncode})")
        out.seek(0)
        err.seek(0)
        result = Run(list(argv), proc.returncode, float(report[0]), int(report[1]), out.read(), err.read())
    if check and result.rc not in (0, 2):
        raise BenchError(f"{' '.join(map(str, argv))} exited {result.rc}:\n{result.stderr[-3000:]}\n{result.stdout[-1500:]}")
    return result


class BenchError(RuntimeError):
    pass


@dataclass
class Series:
    label: str
    walls: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    last: Run | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.walls), max(self.walls)

    @property
    def peak_mb(self) -> float:
        return max(self.rss) / 1024 if self.rss else float("nan")


def interleaved(cases: dict, rounds: int, warmup: int = 1, check=None, **kw) -> dict[str, Series]:
    """Run every case once per round, in rotating order; the first `warmup` rounds are dropped.

    cases: label -> argv (or label -> (argv, extra run() keywords)).
    check: label, Run -> None; raises when a run did not do what it should (called on every run).
    """
    labels = list(cases)
    series = {label: Series(label) for label in labels}
    for r in range(warmup + rounds):
        k = r % len(labels)
        for label in labels[k:] + labels[:k]:
            spec = cases[label]
            argv, opts = (spec if isinstance(spec, tuple) else (spec, {}))
            result = run(argv, **{**kw, **opts})
            if check:
                check(label, result)
            if r >= warmup:
                series[label].walls.append(result.wall)
                series[label].rss.append(result.maxrss_kb)
                series[label].last = result
    return series


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def secs(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def base_env(**extra) -> dict:
    """The environment for measured processes: no developer target or credentials, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADCONF_", "SUPEROFFICE_", "PYTHON"))}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env
