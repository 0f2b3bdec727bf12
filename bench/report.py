"""What each benchmark hands back: a markdown section and the goals it checked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Goal:
    name: str
    measured: str
    target: str
    ok: bool | None | str  # None: not measured (e.g. the emulator is missing); "info": no target
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.ok == "info":
            return "informational"
        return {True: "holds", False: "**misses**", None: "not measured"}[self.ok]


@dataclass
class Section:
    title: str
    body: str
    goals: list[Goal] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # raw figures, written to latest.json


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)
