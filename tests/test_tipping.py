"""Tipping by events: runs with and without some events over the portraits of the
contexts they pass through (``iocdynamics.analysis.tipping``)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from iocdynamics import load_scenario, simulate  # noqa: E402
from iocdynamics.analysis.regimes import SYNERGY_LEVEL, context_at  # noqa: E402
from iocdynamics.analysis.tipping import (  # noqa: E402
    context_segments,
    plot_tipping,
    tipping_data,
)

from .conftest import bundled  # noqa: E402

COARSE = {"n_grid": 11, "n_basin": 5}


def borderline(events=(), final_time=60.0, lever_changes=()):
    """The borderline partnership in the middle of the context path (two regimes)."""
    d = load_scenario(bundled("borderline_partnership")).to_dict()
    ctx = context_at(0.5)
    ctx["number_of_organisations"] = round(ctx["number_of_organisations"])
    d["context"].update(ctx)
    d["simulation"]["final_time"] = final_time
    d["events"] = [dict(e) for e in events]
    d["lever_changes"] = list(lever_changes)
    return d


QUICK_WINS = ({"at": 6, "kind": "quick_win", "size": 1.0},
              {"at": 9, "kind": "quick_win", "size": 1.0})


def test_context_segments_follow_leadership_and_lever_changes():
    """Segments are cut where a constant changes, and carry what changed (by hand)."""
    d = borderline(events=[{"at": 38, "kind": "leadership_change", "size": 0.5,
                            "leadership_quality": 0.9},
                           {"at": 10, "kind": "quick_win", "size": 1.0}],
                   lever_changes=[{"at": 24, "lever": "formalisation", "value": 0.5}])
    segs = context_segments(load_scenario(d))
    assert segs == [(0.0, 24.0, {}), (24.0, 38.0, {"formalisation": 0.5}),
                    (38.0, 60.0, {"formalisation": 0.5, "leadership_quality": 0.9})]
    assert context_segments(load_scenario(borderline())) == [(0.0, 60.0, {})]


@pytest.fixture(scope="module")
def tipped():
    return tipping_data(borderline(QUICK_WINS), **COARSE)


def test_early_quick_wins_carry_a_borderline_partnership_across_the_separatrix(tipped):
    """M1, L1: in a context with synergy and inertia, the run with two early quick wins
    enters the basin of synergy, and only after the first of them; the run without
    them stays in the basin of inertia."""
    (seg,) = tipped.segments
    assert sorted(seg.regimes) == ["inertia", "synergy"]
    with_, without = tipped.runs
    t = seg.entry(with_)
    assert t is not None and 6.0 <= t <= 12.0
    assert seg.entry(without) is None and seg.entry(without, "inertia") == 0.0
    assert seg.status(with_) == f"enters the basin of synergy at month {t:g}"
    # before the first quick win both runs are the same partnership, labelled alike
    early = seg.times[with_] < 6.0
    assert np.array_equal(seg.labels[with_][early], seg.labels[without][early])
    # the labels agree with where the simulation itself goes, run long enough
    long = simulate(borderline(QUICK_WINS, final_time=240.0))
    assert long["collaborative_behaviour"].iloc[-1] > SYNERGY_LEVEL
    base = simulate(borderline((), final_time=240.0))
    assert base["collaborative_behaviour"].iloc[-1] < SYNERGY_LEVEL


def test_the_figure_draws_both_runs_and_the_separatrix(tipped):
    fig = plt.figure()
    axes = plot_tipping(tipped, fig=fig)
    assert len(axes) == 2 + len(tipped.segments)
    top, mid, portrait = axes
    assert len(top.get_lines()) >= 2 and len(mid.get_lines()) >= 4
    # one separatrix contour in a portrait with two basins
    assert [c for c in portrait.collections if c.get_gid() == "separatrix"]
    assert "enters the basin of synergy" in portrait.get_title()
    labels = [t.get_text() for t in portrait.get_legend().get_texts()]
    assert "separatrix (basin boundary)" in labels
    assert any(t.startswith("run with") for t in labels)
    plt.close(fig)


@pytest.mark.parametrize("remove, needle", [
    (("leadership_change",), "change the context"),
    (("quick_wins",), "event kinds"),
    ((), "event kinds"),
    (("staff_loss",), "no staff_loss event"),
])
def test_bad_removals_are_refused(remove, needle):
    d = borderline(list(QUICK_WINS) + [{"at": 20, "kind": "leadership_change",
                                        "size": 0.5, "leadership_quality": 0.9}])
    with pytest.raises(ValueError, match=needle):
        tipping_data(d, remove=remove, **COARSE)
