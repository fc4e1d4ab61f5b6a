"""Event marks on time plots: readable when events fall close together."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from iocdynamics.plotting import mark_events  # noqa: E402
from iocdynamics.scenario import Scenario  # noqa: E402


def _labels(events, xlim=(0, 96)):
    sc = Scenario.from_dict({"simulation": {"final_time": 96}, "events": events})
    fig, ax = plt.subplots()
    ax.set_xlim(*xlim)
    ax.set_ylim(0, 1)
    mark_events(ax, sc)
    out = [(a.get_text(), a.xy[0], a.xyann[1]) for a in ax.texts]
    plt.close(fig)
    return out


def test_close_events_with_one_number_are_labelled_once():
    """Fig. 5's event 6 is two events a month apart: one label '6', at the first."""
    labels = _labels([{"at": 38, "kind": "leadership_change", "size": 0.5, "note": "6"},
                      {"at": 39, "kind": "vision_clarified", "size": 1, "note": "6"}])
    assert [(t, x) for t, x, _ in labels] == [("6", 38)]


def test_close_events_with_different_labels_are_staggered():
    labels = _labels([{"at": 30, "kind": "quick_win", "size": 1, "note": "5"},
                      {"at": 31, "kind": "quick_win", "size": 1, "note": "6"}])
    assert [t for t, _, _ in labels] == ["5", "6"]
    assert labels[0][2] != labels[1][2]


def test_distant_events_with_one_number_are_each_labelled_on_one_row():
    labels = _labels([{"at": 10, "kind": "quick_win", "size": 1, "note": "4"},
                      {"at": 60, "kind": "quick_win", "size": 1, "note": "4"}])
    assert [(t, x) for t, x, _ in labels] == [("4", 10), ("4", 60)]
    assert labels[0][2] == labels[1][2]
