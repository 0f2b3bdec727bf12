"""The one error tree of leadconf, and the exit codes the CLI maps it to.

    LeadconfError
    ├── ConfigError            the YAML, the schema or a rule of the product (carries Diagnostics)
    ├── TargetError            a target string, missing credentials, an unreadable snapshot
    ├── PlanError
    │   ├── UnsafePlan         a safety rail refused the plan (deletes, too many changes)
    │   └── StalePlan          what the plan touches changed since it was computed
    ├── PlanFileError          a plan file that is not ours, or was edited after it was saved
    ├── ApplyError             an apply that did not finish (carries the report)
    │   └── ApplyInterrupted   a second Ctrl-C abandoned the write in flight (exit 130)
    ├── LockError              another apply holds the target
    ├── FileError              a local file or folder that cannot be read or written (no space,
    │                          no permission, read-only, too large): names the file
    └── RemoteError            the SuperOffice API said no (names the item, request and status)
        ├── AuthError          401/403, or a login that failed
        └── TransportError     the connection, a timeout, or retries exhausted

Nothing in here prints; the CLI turns these into messages and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Exit codes, documented in README ("Exit codes").
EXIT_OK = 0
EXIT_ERROR = 1  # invalid config, refused plan, failed apply, API error
EXIT_CHANGES = 2  # only with --detailed-exitcode: the plan has changes
EXIT_USAGE = 3  # bad command line (click's own usage errors)
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about the configuration, located in a file where possible."""

    message: str
    rule: str = ""  # e.g. "LC101", "YAML", "SCHEMA"
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    severity: str = "error"  # "error" or "warning"

    def location(self) -> str:
        if not self.file:
            return "<config>"
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        head = f"{self.location()}: "
        if self.severity == "warning":
            head += "warning: "
        return head + (f"{self.rule} " if self.rule else "") + self.message

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }


def diagnostic_order(files: list[str]):
    """A sort key that orders diagnostics by file (in the order read), line and column."""
    order = {name: i for i, name in enumerate(files)}

    def key(d: Diagnostic):
        return (order.get(d.file, len(order)) if d.file else len(order) + 1, d.file or "", d.line or 0, d.column or 0, d.rule)

    return key


class LeadconfError(Exception):
    """Base of every error leadconf raises on purpose. The message is one line (it may quote
    untrusted text, whose line breaks the CLI shows escaped); `hints` are further lines of ours
    (a list, what to do next): str() joins them to the message, lines() keeps them apart."""

    exit_code = EXIT_ERROR
    hints: tuple[str, ...] = ()

    def with_hints(self, *lines: str):
        """This error, with lines of ours to show after its message."""
        self.hints = self.hints + lines
        return self

    def lines(self) -> list[str]:
        """The message, then each hint: the CLI escapes each line whole, so that only these breaks
        start a line."""
        if not self.hints:
            return [str(self)]
        return [Exception.__str__(self), *self.hints]

    def __str__(self) -> str:
        text = super().__str__()
        return "\n".join([text, *self.hints]) if self.hints else text


class ConfigError(LeadconfError):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the configuration")


class TargetError(LeadconfError):
    pass


class PlanError(LeadconfError):
    pass


class UnsafePlan(PlanError):
    pass


class StalePlan(PlanError):
    def __init__(self, message: str, items: list[str] | None = None):
        self.items = list(items or [])
        super().__init__(message)


class PlanFileError(LeadconfError):
    pass


class LockError(LeadconfError):
    pass


class FileError(LeadconfError):
    """A local file (snapshot, plan, journal, undo plan, export) or folder that cannot be written."""


class ApplyError(LeadconfError):
    def __init__(self, message: str, report=None):
        self.report = report
        super().__init__(message)


class ApplyInterrupted(ApplyError):
    """The write in flight was abandoned (a second SIGINT or SIGTERM); `journal`: where the apply
    was recorded, if it got as far as its first change."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str, journal: str | None = None):
        self.journal = journal
        super().__init__(message)


@dataclass
class RemoteError(LeadconfError):
    """An answer from the SuperOffice API that is not a success."""

    message: str
    method: str = ""
    path: str = ""
    status: int | None = None
    error_type: str = ""
    item: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = []
        if self.item:
            parts.append(self.item)
        if self.method or self.path:
            parts.append(f"{self.method} {self.path}".strip())
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        head = ": ".join(parts)
        tail = self.message
        if self.error_type:
            tail = f"{self.error_type}: {tail}"
        return f"{head}: {tail}" if head else tail


class AuthError(RemoteError):
    pass


class TransportError(RemoteError):
    pass
