"""The outcome of one check."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, whether it passed, a one-line summary, the problems."""

    name: str
    passed: bool
    summary: str
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def lines(self, limit: int = 20) -> list[str]:
        """The result as text: a status line, then problems and notes."""
        out = [f"{'ok  ' if self.passed else 'FAIL'} {self.name}: {self.summary}"]
        out += [f"     - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            out.append(f"     ... and {len(self.problems) - limit} more")
        out += [f"     note: {n}" for n in self.notes[:limit]]
        if len(self.notes) > limit:
            out.append(f"     ... and {len(self.notes) - limit} more notes")
        return out
