"""The theory's regimes at the default constants (model v2).

Each test states a claim of Aunger et al. (2021) about synergy, inertia, tipping,
collapse and contracts over time, on bundled or constructed contexts. None
compares with numbers taken from the model's own output: they assert the shape
the theory names (two stable states and a saddle, a lasting difference after early
events, a return after a single shock, a cost ratio).
"""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics import load_scenario, simulate
from iocdynamics.analysis import autonomous_system, find_equilibria
from iocdynamics.analysis.regimes import SYNERGY_LEVEL, context_at, regime_census
from iocdynamics.registry import PARAMETERS

from .conftest import bundled

INERTIA_LEVEL = 0.1


def scenario(name="borderline_partnership", c=None, events=(), lever_changes=(),
             final_time=120.0, **section_values):
    """A bundled scenario as a dict, optionally moved along the context path."""
    d = load_scenario(bundled(name)).to_dict()
    d["simulation"]["final_time"] = final_time
    d["events"], d["lever_changes"] = list(events), list(lever_changes)
    if c is not None:
        ctx = context_at(c)
        ctx["number_of_organisations"] = round(ctx["number_of_organisations"])
        d["context"].update(ctx)
    for section, values in section_values.items():
        d[section].update(values)
    return d


def behaviour_at_end(d):
    return float(simulate(d)["collaborative_behaviour"].iloc[-1])


def ev(kind, at, size=1.0):
    return {"kind": kind, "at": at, "size": size}


# ------------------------------------------------------------ 1. two regimes
def test_borderline_context_has_synergy_and_inertia_separated_by_a_saddle():
    """'once trust and faith reach a certain threshold, a novel state is entered'
    (partnership synergy); Fig. 5 draws SYNERGY and INERTIA: at the default constants
    a middling voluntary context has both, stable, and a saddle between them."""
    eqs = find_equilibria(autonomous_system(bundled("borderline_partnership")), seed=0)
    stable = [e for e in eqs if e.stable]
    saddles = [e for e in eqs if e.type == "saddle"]
    assert len(stable) == 2 and len(saddles) == 1
    beh = sorted(e["collaborative_behaviour"] for e in stable)
    assert beh[0] < INERTIA_LEVEL and beh[1] > 0.5
    # the saddle lies between the two attractors in trust and in faith
    for s in ("trust", "faith"):
        lo, hi = sorted(e[s] for e in stable)
        assert lo < saddles[0][s] < hi


def test_context_decides_which_regimes_exist():
    """P4: a collaboration 'set up for failure' has inertia only; a favourable one
    synergy only; in between both exist (the regime census along the context path)."""
    census = regime_census(index=(0.0, 0.5, 1.0))
    assert census.regimes == ["i", "Si", "S"]


def test_mandated_cross_sector_system_has_inertia_only():
    eqs = find_equilibria(autonomous_system(bundled("mandated_cross_sector_system")), seed=0)
    assert all(e["collaborative_behaviour"] < SYNERGY_LEVEL for e in eqs if e.stable)


# ------------------------------------------------------- 2. lived experience
def test_experience_is_earned_within_the_run():
    """L1: experienced trustworthiness starts at the trust carried in from history and
    follows the partnership's own record: it falls in a partnership that fails and
    rises in one that succeeds, from the same start."""
    up = simulate(scenario(c=0.9))
    down = simulate(scenario(c=0.9, events=[ev("task_failure", 3 * k) for k in range(1, 9)]))
    x0 = up["experienced_trustworthiness"].iloc[0]
    assert x0 == pytest.approx(down["experienced_trustworthiness"].iloc[0])
    assert down["experienced_trustworthiness"].loc[24.0] < 0.5 * x0
    assert (up["experienced_trustworthiness"].loc[24.0]
            > 2 * down["experienced_trustworthiness"].loc[24.0])


def test_competitive_behaviour_makes_joint_tasks_fail():
    """The vicious half of the trust-building loop is endogenous: routine failures
    fall as collaborative behaviour rises, with no failure events at all."""
    df = simulate(scenario(c=0.9), columns="all")
    b, f = df["collaborative_behaviour"].to_numpy(), df["routine_task_failures"].to_numpy()
    order = np.argsort(b)
    assert f[order[0]] > f[order[-1]] > 0
    assert np.all(np.diff(f[order]) <= 1e-12)


# ---------------------------------------------------------- 3. tipping by events
def test_fig5_reaches_synergy_because_of_its_quick_wins():
    """Fig. 5, event 4: quick wins 'push[] collaboration into proper collaborative
    synergy'; the same partnership without them stays in inertia."""
    sc = load_scenario(bundled("fig5_voluntary_partnership")).to_dict()
    without = dict(sc, events=[e for e in sc["events"] if e["kind"] != "quick_win"])
    with_qw, no_qw = simulate(sc), simulate(without)
    assert with_qw["collaborative_behaviour"].iloc[-1] > 0.5
    assert no_qw["collaborative_behaviour"].max() < SYNERGY_LEVEL


def test_early_quick_wins_tip_a_borderline_partnership_into_lasting_synergy():
    base = scenario(c=0.5)
    won = scenario(c=0.5, events=[ev("quick_win", 6), ev("quick_win", 9)])
    assert behaviour_at_end(base) < INERTIA_LEVEL
    assert behaviour_at_end(won) > 0.5


def test_early_failures_tip_a_borderline_partnership_into_lasting_inertia():
    base = scenario(c=0.6)
    failed = scenario(c=0.6, events=[ev("task_failure", 6), ev("task_failure", 9)])
    assert behaviour_at_end(base) > 0.5
    assert behaviour_at_end(failed) < INERTIA_LEVEL


@pytest.mark.parametrize("kind", ["conflict_incident", "task_failure"])
def test_a_healthy_partnership_absorbs_a_single_shock(kind):
    """Synergy is stable: one conflict or failure is absorbed and the partnership
    returns to where it was."""
    calm = behaviour_at_end(scenario("voluntary_buddying", c=0.9))
    hit = behaviour_at_end(scenario("voluntary_buddying", c=0.9, events=[ev(kind, 36)]))
    assert calm > 0.5 and abs(hit - calm) < 0.02


# ------------------------------------------------------------------ 4. collapse
def test_sustained_failures_and_conflicts_drive_a_partnership_down_the_vicious_circle():
    """Fig. 6: task failure -> reduced trust -> reduced risk threshold -> competitive
    behaviour; sustained shocks leave a middling partnership dissolved or in lasting
    inertia long after they stop."""
    shocks = [ev(k, 3 * i) for i in range(1, 9) for k in ("task_failure",
                                                           "conflict_incident")]
    calm = simulate(scenario(c=0.7))
    hit = simulate(scenario(c=0.7, events=shocks))
    assert calm["collaborative_behaviour"].iloc[-1] > 0.5
    assert hit["collaborative_behaviour"].iloc[-1] < INERTIA_LEVEL
    assert hit["collaborative_behaviour"].loc[96.0:].max() < INERTIA_LEVEL


def test_inertia_is_not_dissolution_by_proximity():
    """A partnership is not dissolved merely because its inertia state sits near the
    critical level: in the borderline context the inertia state keeps trust and faith
    clearly above their critical levels, and the run stays active."""
    df = simulate(scenario(c=0.5))
    assert df["active"].iloc[-1] == 1
    assert df["trust"].iloc[-1] > 0.15 + 0.05 and df["faith"].iloc[-1] > 0.15 + 0.05


# -------------------------------------------------------- 5. contracts in time
def test_withdrawing_a_contract_early_costs_much_more_than_withdrawing_it_late():
    """F3: a contract's contribution 'is less in subsequent phases once trust grows'.
    An MoU carries a voluntary partnership in a poor context into synergy; withdrawn
    after trust has been built, it costs little; withdrawn early, everything."""
    mou = {"contract": "mou", "formalisation": 1.0}

    def run(at=None):
        changes = [] if at is None else [{"at": at, "lever": "formalisation", "value": 0.0}]
        return behaviour_at_end(scenario(c=0.3, levers=mou, lever_changes=changes))

    keep, early, late = run(), run(6.0), run(48.0)
    none = behaviour_at_end(scenario(c=0.3))
    assert none < INERTIA_LEVEL < 0.5 < keep
    assert keep - early > 5 * (keep - late)


def test_a_contract_ages():
    """F3: 'early contracts cannot anticipate every eventuality': at constant
    formalisation the confidence a contract gives falls as it ages."""
    df = simulate(scenario("imposed_buddying", levers={"contract": "binding",
                                                       "formalisation": 1.0}))
    k = df["confidence"]
    assert k.idxmax() < 24.0 and k.iloc[-1] < 0.8 * k.max()


def test_confidence_bypasses_the_risk_threshold_only_when_mandated_or_integrative():
    """Fig. 6: in more integrative or mandated collaborations confidence 'bypasses
    risk threshold' and obliges collaborative behaviour; in a voluntary, loose
    arrangement it does not."""
    binding = {"contract": "binding", "formalisation": 1.0}
    vol = simulate(scenario("voluntary_buddying", levers=binding,
                            context={"integration": 0.0}), columns="all")
    imp = simulate(scenario("imposed_buddying", levers=binding), columns="all")
    none = simulate(scenario("imposed_buddying"), columns="all")
    assert np.all(vol["obligated_behaviour"] == 0)
    assert imp["obligated_behaviour"].max() > 0.1
    assert imp["collaborative_behaviour"].loc[24.0] > none["collaborative_behaviour"].loc[24.0]


def test_a_full_contract_never_makes_risk_tolerance_complete():
    """What a full binding contract cannot make up for: it closes at most
    confidence_risk_share of the gap between trust and full risk tolerance."""
    df = simulate(scenario("imposed_buddying", levers={"contract": "binding",
                                                       "formalisation": 1.0}), columns="all")
    cap = PARAMETERS["confidence_risk_share"].default
    gap = 1 - df["trust"]
    assert np.all(df["indicated_risk_tolerance"] - df["trust"] <= cap * gap + 1e-12)
    assert df["indicated_risk_tolerance"].max() < 1


# ---------------------------------------------------- 6. time scales from context
@pytest.mark.parametrize("context", [{"geographic_proximity": 0.1},
                                     {"number_of_organisations": 12,
                                      "organisation_size": 0.9}])
def test_relationship_building_is_slower_with_distance_and_scale(context):
    """M3: 'a greater geographical distance ... increases time spent building
    relationships significantly'; T2: so do more and larger organisations."""
    near = simulate(scenario("voluntary_buddying", final_time=12.0), columns="all")
    far = simulate(scenario("voluntary_buddying", final_time=12.0, context=context),
                   columns="all")
    # while trust builds it adjusts over trust_build_time times the relationship
    # time factor, and that factor is larger far apart / at scale
    build = near["indicated_trust"] > near["trust"]
    assert build.iloc[1:].any()
    base = PARAMETERS["trust_build_time"].default
    assert np.allclose(near.loc[build, "trust_adjustment_time"],
                       base * near.loc[build, "relationship_time_factor"])
    assert far["relationship_time_factor"].iloc[0] > 1.3 * near["relationship_time_factor"].iloc[0]


@pytest.mark.slow
def test_regime_structure_is_not_a_knife_edge():
    """Two regimes persist in most draws of every mechanism constant within +-20%."""
    from iocdynamics.analysis.regimes import robustness

    rob = robustness(draws=20, spread=0.2, seed=1)
    assert rob.bistable_share >= 0.5
