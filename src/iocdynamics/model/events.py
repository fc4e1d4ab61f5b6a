"""Discrete events: each kind is an input series (event size per month) that the
scenario turns into pulses one time step long."""

from __future__ import annotations

from .builder import ModelBuilder

EVENT_KINDS = (
    "quick_win",
    "task_failure",
    "conflict_incident",
    "leadership_change",
    "staff_loss",
    "vision_clarified",
)

_EVENTS = {
    "quick_win": ("Quick wins (event size per month).", ("M1",)),
    "task_failure": ("Failures on specific tasks (event size per month).", ("L1", "A1")),
    "conflict_incident": ("Acute conflict incidents (event size per month).", ("A1",)),
    "leadership_change": ("Leadership turnover (event size per month).", ("A4",)),
    "staff_loss": ("Loss of staff (event size per month).", ("A5",)),
    "vision_clarified": ("Clarification of the vision (event size per month).", ("A4",)),
}


def build(b: ModelBuilder) -> None:
    for kind in EVENT_KINDS:
        desc, claims = _EVENTS[kind]
        b.input(f"{kind}_input", "1/Month", desc, claims)
