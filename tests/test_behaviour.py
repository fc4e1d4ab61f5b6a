"""Behaviour of the bundled scenarios, stated as the theory's claims.

Each test compares simulations (or times within one) rather than matching stored
numbers: the claims predict directions and patterns, not magnitudes.
"""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.scenario import load_scenario
from iocdynamics.simulation import simulate

from .conftest import bundled

SYNERGY = 0.4  # collaborative behaviour above which a partnership is in synergy


def run(scenario, **values):
    return simulate(scenario, engine="fast", columns="all", **values)


@pytest.fixture(scope="module")
def fig5():
    sc = load_scenario(bundled("fig5_voluntary_partnership"))
    return sc, run(sc)


def event_time(sc, note, kind):
    return next(e.at for e in sc.events if e.note == note and e.kind == kind)


def around(df, t, before=0.25, after=1.0):
    """Values just before an event and ``after`` months later."""
    return df.loc[t - before], df.loc[t + after]


def test_voluntary_beats_imposed_buddying():
    """P5/T1: imposed buddying is the least successful; voluntary buddying starts with
    higher trust and faith (I2 legitimacy, F5 inherent mistrust) and reaches synergy."""
    vol = run(bundled("voluntary_buddying"))
    imp = run(bundled("imposed_buddying"))
    for col in ("trust", "faith"):
        assert vol[col].iloc[0] > imp[col].iloc[0]
        assert vol[col].iloc[-1] > imp[col].iloc[-1]
    assert vol["collaborative_behaviour"].iloc[-1] > SYNERGY
    assert imp["collaborative_behaviour"].iloc[-1] < SYNERGY
    assert vol["performance"].sum() > imp["performance"].sum()


def test_fig5_staff_loss_costs_faith(fig5):
    sc, df = fig5
    t = event_time(sc, "2", "staff_loss")
    pre, post = around(df, t, after=0.25)
    assert post["faith"] < pre["faith"]


def test_fig5_clearer_vision_raises_faith_and_trust(fig5):
    sc, df = fig5
    t = event_time(sc, "3", "vision_clarified")
    base = run(sc.__class__.from_dict(
        {**sc.to_dict(), "events": [e for e in sc.to_dict()["events"]
                                    if not (e["kind"] == "vision_clarified" and e["at"] == t)]}))
    later = df.index[(df.index > t) & (df.index <= t + 6)]
    assert (df.loc[later, "faith"] > base.loc[later, "faith"]).all()
    assert (df.loc[later, "trust"] > base.loc[later, "trust"]).all()


def test_fig5_quick_wins_raise_trust_and_progress(fig5):
    sc, df = fig5
    t = event_time(sc, "4", "quick_win")
    pre, post = around(df, t, after=0.25)
    assert post["trust"] > pre["trust"]
    assert post["perceived_progress"] > pre["perceived_progress"]


def test_fig5_unresolved_conflict_costs_more_trust_than_faith(fig5):
    """Fig. 5 event 5: 'some loss of faith but a greater loss of trust'."""
    sc, df = fig5
    t = event_time(sc, "5", "conflict_incident")
    pre, post = around(df, t, after=3.0)
    trust_loss = pre["trust"] - post["trust"]
    faith_loss = pre["faith"] - post["faith"]
    assert trust_loss > 0
    assert trust_loss > faith_loss


def test_fig5_new_leader_restores_trust(fig5):
    """Event 6: a better leader brings a renewed vision and a more constructive approach
    to conflict; trust and faith then rise past their pre-conflict levels."""
    sc, df = fig5
    t5 = event_time(sc, "5", "conflict_incident")
    t6 = event_time(sc, "6", "leadership_change")
    assert df["trust"].iloc[-1] > df.loc[t5 - 0.25, "trust"]
    assert df["faith"].iloc[-1] > df.loc[t5 - 0.25, "faith"]
    assert df.loc[t6 + 12, "conflict_potential"] < df.loc[t6 - 0.25, "conflict_potential"]


def test_fig5_ends_in_synergy(fig5):
    """Event 7: high trust gives sufficient risk tolerance; with high faith,
    collaborative behaviour results (the trust-building loop, L1)."""
    sc, df = fig5
    t4 = event_time(sc, "4", "quick_win")
    assert df.loc[: t4 - 0.25, "collaborative_behaviour"].max() < SYNERGY
    assert df["collaborative_behaviour"].iloc[-1] > SYNERGY
    assert df["trust"].iloc[-1] > df["trust"].iloc[0]
    assert df["faith"].iloc[-1] > df["faith"].iloc[0]
    assert df["risk_tolerance"].iloc[-1] > df["risk_tolerance"].iloc[0]


@pytest.mark.parametrize("name", ["voluntary_buddying", "fig5_voluntary_partnership"])
def test_performance_dips_before_improving(name):
    """P3: setting up a collaboration costs performance before benefits accrue (P2, L5)."""
    df = run(bundled(name))
    perf = df["performance"]
    t_min = perf.idxmin()
    assert perf.min() < 0 and t_min < df.index[-1] / 2
    assert perf.iloc[-1] > 0
    assert df["capability"].iloc[-1] > df["capability"].loc[t_min]


def test_mandated_system_is_set_up_for_failure():
    """P4/T2: mandated, cross-sector, many large organisations, history of competition,
    legacy of failures, no financial support: low initial trust and faith (I1, I3) and
    no synergy."""
    bad = run(bundled("mandated_cross_sector_system"))
    good = run(bundled("voluntary_buddying"))
    assert bad["trust"].iloc[0] < good["trust"].iloc[0]
    assert bad["faith"].iloc[0] < good["faith"].iloc[0]
    assert bad["task_complexity"].iloc[0] > good["task_complexity"].iloc[0]
    assert bad["collaborative_behaviour"].max() < SYNERGY
    # no performance benefit: whatever little capability it accrued stays a small
    # fraction of what the voluntary partnership achieves
    assert bad["performance"].max() < 0.25 * good["performance"].iloc[-1]


def test_dissolution_is_absorbing():
    """L3: below a critical trust or faith level for long enough the partnership
    dissolves; collaborative behaviour ceases and the partnership does not revive."""
    df = run(bundled("mandated_cross_sector_system"))
    active = df["active"].to_numpy()
    assert active[0] == 1 and active[-1] == 0
    t_end = df.index[np.argmax(active == 0)]
    assert np.all(active[df.index >= t_end] == 0)
    below = df["below_critical_level"].to_numpy()
    assert below[df.index < t_end].sum() > 0
    assert df["collaborative_behaviour"].iloc[-1] < 1e-3
    # a lever change that restores trust later cannot undo dissolution
    sc = load_scenario(bundled("mandated_cross_sector_system"))
    revived = run(sc.__class__.from_dict({**sc.to_dict(), "lever_changes": [
        {"at": t_end + 2, "lever": "conflict_resolution", "value": 1.0}]}))
    assert revived["active"].iloc[-1] == 0


def test_evaluation_makes_progress_visible():
    """A5: evaluation and dissemination make staff aware of progress (raising perceived
    progress and, through it, faith) when there is progress to see."""
    sc = bundled("voluntary_buddying")
    with_eval = run(sc)
    without = run(sc, evaluation_interval=0)
    assert with_eval["perceived_progress"].iloc[-1] > without["perceived_progress"].iloc[-1]
    assert with_eval["faith"].iloc[-1] > without["faith"].iloc[-1]


def test_binding_contract_undermines_trust_when_voluntary():
    """F2: benevolent behaviour is attributed to a binding contract, not to the partner."""
    sc = bundled("voluntary_buddying")
    none = run(sc)
    binding = run(sc, contract_is_binding=1, formalisation=1.0)
    assert binding["indicated_trust"].iloc[-1] < none["indicated_trust"].iloc[-1]
    assert binding["trust"].iloc[-1] < none["trust"].iloc[-1]


def test_mou_builds_trust_when_voluntary():
    """F4: a non-binding MoU raises trust in a voluntary arrangement."""
    sc = bundled("voluntary_buddying")
    none = run(sc)
    mou = run(sc, contract_is_mou=1, formalisation=1.0)
    assert mou["trust"].iloc[-1] > none["trust"].iloc[-1]


def test_confidence_stands_in_for_trust_when_mandated():
    """F1: in a mandated arrangement formalisation builds confidence, which raises risk
    tolerance beyond what trust alone gives (bypassing the risk threshold); F5: trust
    itself stays low."""
    sc = bundled("imposed_buddying")
    none = run(sc, formalisation=0.0, contract_is_binding=0)
    binding = run(sc, formalisation=1.0, contract_is_binding=1)
    year = binding.loc[12.0]
    assert year["confidence"] > 0.5 > none["confidence"].iloc[-1]
    assert year["risk_tolerance"] - year["trust"] > 0.1
    assert year["obligated_behaviour"] > 0.1
    assert binding["risk_tolerance"].iloc[-1] > none["risk_tolerance"].iloc[-1]
    assert binding["collaborative_behaviour"].iloc[-1] > none["collaborative_behaviour"].iloc[-1]


def test_contract_contributes_less_once_trust_has_grown():
    """F3: the same contract raises risk tolerance less where trust is higher."""
    low = run(bundled("imposed_buddying"), formalisation=1.0, contract_is_binding=1)
    low0 = run(bundled("imposed_buddying"))
    high = run(bundled("voluntary_buddying"), formalisation=1.0, contract_is_binding=1,
               integration=1.0)
    high0 = run(bundled("voluntary_buddying"), integration=1.0)
    gain_low = (low["risk_tolerance"] - low0["risk_tolerance"]).iloc[12]
    gain_high = (high["risk_tolerance"] - high0["risk_tolerance"]).iloc[12]
    assert high0["trust"].iloc[12] > low0["trust"].iloc[12]
    assert 0 < gain_high < gain_low


def test_conflict_resolution_and_broker_protect_trust():
    """A3: a constructive approach to conflict resolution, and an external broker, dampen
    the effect of repeated conflict incidents on trust."""
    incidents = [{"at": m, "kind": "conflict_incident", "size": 1.0} for m in (6, 18, 30, 42)]
    sc = load_scenario(bundled("voluntary_buddying"))
    base = {**sc.to_dict(), "events": incidents}
    poor = run(sc.__class__.from_dict(base), conflict_resolution=0.0, external_broker=0)
    good = run(sc.__class__.from_dict(base), conflict_resolution=1.0, external_broker=0)
    broker = run(sc.__class__.from_dict(base), conflict_resolution=0.0, external_broker=1)
    assert good["trust"].mean() > poor["trust"].mean()
    assert broker["trust"].mean() > poor["trust"].mean()
    assert good["faith"].mean() > poor["faith"].mean()


def test_over_ambition_lowers_perceived_progress():
    """A5: over-ambition leads to disappointment (lower perceived progress, less faith);
    L2: ambition is adjusted down after failure and up after success."""
    sc = load_scenario(bundled("voluntary_buddying"))
    realistic = run(sc, ambition=1.0)
    over = run(sc, ambition=3.0)
    assert over["perceived_progress"].iloc[-1] < realistic["perceived_progress"].iloc[-1]
    assert over["faith"].iloc[-1] < realistic["faith"].iloc[-1]
    quiet = run(sc.__class__.from_dict({**sc.to_dict(), "events": []}))
    fail = run(sc.__class__.from_dict({**sc.to_dict(), "events": [
        {"at": 12, "kind": "task_failure", "size": 1.0}]}))
    win = run(sc.__class__.from_dict({**sc.to_dict(), "events": [
        {"at": 12, "kind": "quick_win", "size": 1.0}]}))
    assert fail.loc[18, "ambition_level"] < quiet.loc[18, "ambition_level"]
    assert win.loc[18, "ambition_level"] > quiet.loc[18, "ambition_level"]


def test_trust_erodes_faster_than_it_builds():
    """L1/A2: after five years of a voluntary partnership, conflict resolution is made
    fully constructive in one run and abandoned in another, moving indicated trust up
    in one and down in the other. In the first month after the change, trust closes
    a far larger share of its new gap when falling than when rising."""
    sc = load_scenario(bundled("voluntary_buddying")).to_dict()
    sc["events"] = []
    sc["simulation"].update(final_time=72, save_interval=0.125)
    share = {}
    for direction, value in (("rise", 1.0), ("fall", 0.0)):
        df = run({**sc, "lever_changes": [
            {"at": 60, "lever": "conflict_resolution", "value": value}]})
        gap = df.loc[60.0, "indicated_trust"] - df.loc[60.0, "trust"]
        assert (gap > 0) == (direction == "rise")
        share[direction] = (df.loc[61.0, "trust"] - df.loc[60.0, "trust"]) / gap
    assert share["rise"] > 0 and share["fall"] > 2.5 * share["rise"]


def test_initial_trust_sets_initial_risk_tolerance():
    """I4: at the start, risk tolerance equals trust and rises with history."""
    lo = run(bundled("voluntary_buddying"), history_of_collaboration=0.1)
    hi = run(bundled("voluntary_buddying"), history_of_collaboration=0.9)
    for df in (lo, hi):
        assert df["risk_tolerance"].iloc[0] == pytest.approx(df["trust"].iloc[0])
    assert hi["risk_tolerance"].iloc[0] > lo["risk_tolerance"].iloc[0]


def test_low_trust_and_faith_raise_conflict():
    """L4/A2: low faith and trust raise the potential for conflict."""
    good = run(bundled("voluntary_buddying"))
    bad = run(bundled("mandated_cross_sector_system"))
    assert bad["conflict"].mean() > good["conflict"].mean()
    assert good["conflict_potential"].iloc[-1] < good["conflict_potential"].iloc[0]


def test_more_partners_and_size_slow_communication():
    """M3/I1: more and larger organisations make communication harder and the task
    more complex, lowering trust and faith."""
    few = run(bundled("voluntary_buddying"))
    many = run(bundled("voluntary_buddying"), number_of_organisations=12,
               organisation_size=0.9)
    assert many["communication"].iloc[0] < few["communication"].iloc[0]
    assert many["task_complexity"].iloc[0] > few["task_complexity"].iloc[0]
    assert many["faith"].iloc[-1] < few["faith"].iloc[-1]


def test_task_failure_lowers_trust_and_risk_tolerance():
    """L1: task failure -> reduced trust -> reduced risk tolerance; it also raises
    conflict (A1)."""
    sc = load_scenario(bundled("voluntary_buddying"))
    fail = run(sc.__class__.from_dict({**sc.to_dict(), "events": [
        {"at": 12, "kind": "task_failure", "size": 1.0}]}))
    base = run(sc.__class__.from_dict({**sc.to_dict(), "events": []}))
    after = slice(12.25, 15)
    assert (fail.loc[after, "trust"] < base.loc[after, "trust"]).all()
    assert (fail.loc[after, "risk_tolerance"] < base.loc[after, "risk_tolerance"]).all()
    assert (fail.loc[after, "conflict"] > base.loc[after, "conflict"]).all()
