"""The named loops: the theory's loops exist, with the theory's polarity."""

from __future__ import annotations

from pathlib import Path

import pytest

from iocdynamics.loops import NamedLoopError, load_named_loops, loop_scores, model_graph

ROOT = Path(__file__).resolve().parents[1]
FIG5 = ROOT / "experiments" / "scenarios" / "fig5_voluntary_partnership.toml"


@pytest.fixture(scope="module")
def fig5():
    return loop_scores(FIG5)


def test_every_named_loop_exists_in_the_model():
    named = {n.name: n for n in load_named_loops(model_graph())}
    assert {"trust-building", "failure spiral", "faith-progress", "conflict-trust",
            "conflict-faith", "ambition"} <= set(named)
    # L1 in both halves: success builds trust directly and through lived experience;
    # routine failures erode it through experience and through conflict
    for lp in named["trust-building"].loops + named["failure spiral"].loops:
        assert {"trust", "risk_tolerance", "collaborative_behaviour"} <= set(lp.stocks)
    assert any("experienced_trustworthiness" in lp.stocks
               for lp in named["trust-building"].loops)
    spiral = named["failure spiral"].loops
    assert all("routine_task_failures" in lp.variables for lp in spiral)
    assert {"conflict", "experienced_trustworthiness"} <= {s for lp in spiral
                                                          for s in lp.stocks}


def test_obligation_bypass_is_a_path_not_a_loop():
    """F1: confidence obliges behaviour (bypassing the risk threshold), but nothing
    feeds back on confidence, so it lies on no loop but its own adjustment (named.toml
    says so; a model change that closes the loop must name it)."""
    g = model_graph()
    assert not any("obligated_behaviour" in lp.variables for lp in g.loops)
    assert {lp.describe() for lp in g.loops if "confidence" in lp.variables} == \
        {"confidence -> confidence_building -> confidence"}


def test_named_loops_have_the_theory_polarity_along_fig5(fig5):
    """L1, A2, A5, P1 loops reinforce and the ambition loop (L2) balances, measured
    from the sympy partial derivatives along the Fig. 5 run (a loop inactive over the
    whole run, such as dissolution, has no measured polarity)."""
    t = fig5.table
    named = t[t["name"] != ""]
    active = named[named["polarity"] != "?"]
    assert len(active) >= len(named) - 1
    assert (active["polarity"] == active["theory_polarity"]).all(), \
        active[["name", "polarity", "theory_polarity"]]


def _window(res, a, b):
    share = res.reinforcing_share()
    m = (share.index >= a) & (share.index <= b)
    behaviour = res.trajectories["collaborative_behaviour"]
    return share[m].mean(), res.dominant(a, b), behaviour[m]


def test_fig5_synergy_is_driven_by_trust_building(fig5):
    """Fig. 5, event 7 (L1): once behaviour turns up after the new leader, reinforcing
    loops explain most of the change to the end of the run, led by the trust-building
    loop in both halves (success building trust, fewer failures eroding it), both
    working upwards, and behaviour ends at its highest."""
    behaviour = fig5.trajectories["collaborative_behaviour"]
    leader = max(e.at for e in fig5.scenario.events if e.kind == "leadership_change")
    turn = behaviour[behaviour.index >= leader].idxmin()
    share, dom, b = _window(fig5, turn, fig5.scenario.final_time)
    assert share > 0.5
    assert set(dom.index[:2]) == {"trust-building", "failure spiral"}
    assert (dom.iloc[:2] > 0).all()
    assert b.iloc[-1] == behaviour.max()


def test_without_quick_wins_the_same_loops_drive_the_decline(fig5):
    """M1 in loops: take the quick wins out of Fig. 5 and the trust-building loop
    dominates right after them, working downwards (behaviour falls while reinforcing
    loops explain most of the change), and the run ends far below the original."""
    import tomllib

    data = tomllib.loads(FIG5.read_text(encoding="utf-8"))
    quick = [e["at"] for e in data["events"] if e["kind"] == "quick_win"]
    data["events"] = [e for e in data["events"] if e["kind"] != "quick_win"]
    without = loop_scores(data)
    conflict = min(e.at for e in fig5.scenario.events if e.kind == "conflict_incident")
    share, dom, b = _window(without, min(quick), conflict)
    assert share > 0.5
    assert dom.index[0] == "trust-building" and dom.iloc[0] > 0
    assert b.iloc[-1] < b.iloc[0]
    end = without.trajectories["collaborative_behaviour"].iloc[-1]
    assert end < 0.5 * fig5.trajectories["collaborative_behaviour"].iloc[-1]


def _write(tmp_path, body):
    p = tmp_path / "named.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_a_renamed_variable_is_a_clear_error(tmp_path):
    p = _write(tmp_path, '[[loop]]\nname = "trust-building"\npolarity = "R"\n'
               'variables = ["trust", "indicated_trustt", "trust_adjustment"]\n')
    with pytest.raises(NamedLoopError) as e:
        load_named_loops(model_graph(), p)
    msg = str(e.value)
    assert str(p) in msg and "trust-building" in msg
    assert "'indicated_trustt' is not a variable" in msg and "indicated_trust" in msg
    assert "Nearest loops" in msg


def test_a_missing_link_is_a_clear_error(tmp_path):
    p = _write(tmp_path, '[[loop]]\nname = "x"\npolarity = "B"\n'
               'variables = ["trust", "faith_adjustment"]\n')
    with pytest.raises(NamedLoopError, match="has no link trust -> faith_adjustment"):
        load_named_loops(model_graph(), p)


@pytest.mark.parametrize("body, match", [
    ('[[loop]]\nname = "a"\npolarity = "X"\nvariables = ["trust", "trust_adjustment"]\n',
     "polarity"),
    ('[[loop]]\nname = "a"\npolarity = "B"\n', "exactly one of"),
    ('[[loop]]\nname = "a"\npolarity = "B"\nvariables = ["trust", "trust_adjustment"]\n'
     'colour = 1\n', "unknown key"),
    ('[[loop]]\nname = "a"\npolarity = "B"\nvariables = ["trust", "trust_adjustment"]\n'
     '[[loop]]\nname = "b"\npolarity = "B"\nvariables = ["trust_adjustment", "trust"]\n',
     "already named"),
    ('loops = 1\n', "unknown top-level"),
])
def test_invalid_entries(tmp_path, body, match):
    with pytest.raises(NamedLoopError, match=match):
        load_named_loops(model_graph(), _write(tmp_path, body))
