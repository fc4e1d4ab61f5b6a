"""Each sector against solutions derived by hand, its inputs held fixed.

For every sector the equations of ``docs/equations.md`` are written out below by
hand (``Documented``), and the model's own sympy expressions, driven by
``tests/sector_harness.py`` with every other stock held, must reproduce them: the
targets of goal seeking, the time constants (Euler's exact discrete solution
``x_k = x* + (x0 - x*)(1 - dt/tau)^k``, and the continuous half-time ``tau ln 2``
within Euler's known error), event jumps as fractions of the gap or the level, the
decay of contract relevance to its floor, experienced trustworthiness under routine
failures (a linear ODE solved by sympy's ``dsolve``), the timing of dissolution.

The points are drawn (seeded) across the registry bounds, with switches such as
``mandated`` at fractional values, so that every coefficient of every term moves
the result: a wrong time constant, exponent, sign or weight in any sector fails.
The last part states the baseline time scales at the default constants (trust
builds in months and erodes in weeks), so a changed default fails too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from .sector_harness import (
    MODEL,
    crossing_time,
    euler,
    goal_seeking,
    initial,
    rate,
    state,
    value,
)

SEEDS = (1, 2, 3)
DT = 0.125
EXACT = dict(rel=1e-11, abs=1e-12)


def generic(seed: int, **over: float) -> dict[str, float]:
    """A point with every parameter drawn across its bounds (switches and counts at
    fractional values) and every stock inside its range."""
    rng = np.random.default_rng(seed)
    vals: dict[str, float] = {}
    for p in MODEL.parameters:
        vals[p.name] = float(rng.uniform(p.lower, p.upper))
    # keep evaluation rounds out of the way unless a test asks for them
    vals["evaluation_interval"] = 0.0
    for s in MODEL.stocks:
        vals[s.name] = float(rng.uniform(0.15, 0.85))
    vals["ambition_level"] = float(rng.uniform(0.5, 2.0))
    vals["performance"] = float(rng.uniform(-0.2, 0.4))
    vals["time_below_critical"] = 0.0
    # above the critical levels: the partnership is active and not heading for dissolution
    vals["critical_trust"] = vals["critical_faith"] = 0.05
    vals.update(over)
    return state(**vals)


# ------------------------------------------------------------------------------
# The documented equations, written out by hand
# ------------------------------------------------------------------------------
def mean(*xs):
    return sum(xs) / len(xs)


def wavg(*pairs):
    return sum(w * x for w, x in pairs) / sum(w for w, _ in pairs)


def hill(x, theta, n):
    return x**n * (1 + theta**n) / (x**n + theta**n)


class Documented:
    """The equations of docs/equations.md at one point ``v`` (a dict of numbers)."""

    def __init__(self, v):
        self.v = v

    def __getattr__(self, name):
        return self.v[name]

    # context
    @property
    def organisation_count_effect(self):
        n = self.number_of_organisations
        return (n - 2) / (n - 2 + self.organisation_count_half_saturation)

    @property
    def collaboration_scale(self):
        return mean(self.organisation_size, self.organisation_count_effect)

    @property
    def task_complexity(self):
        return mean(self.collaboration_scale, self.collaboration_scale, self.cross_sector)

    @property
    def legitimacy(self):
        return mean(self.stakeholder_involvement, 1 - self.mandated,
                    1 - self.professional_threat)

    @property
    def contextual_faith(self):
        return mean(1 - self.financial_constraints, self.regulatory_support,
                    1 - self.task_complexity, 1 - self.cross_sector, self.form_reputation)

    @property
    def pre_existing_trust(self):
        return mean(self.history_of_collaboration, self.partner_reputation,
                    1 - self.legacy_of_failures)

    @property
    def power_tension(self):
        return (self.power_imbalance * (1 - self.balanced_governance)
                * (1 + self.integration) / 2)

    @property
    def relational_mistrust_factor(self):
        return ((1 - self.mandate_mistrust * self.mandated)
                * (1 - self.power_mistrust * self.power_tension))

    @property
    def carried_in_trust(self):
        return self.pre_existing_trust * self.relational_mistrust_factor

    @property
    def voluntariness(self):
        return (1 - self.mandated) * (1 - self.integration)

    @property
    def forced_perception(self):
        return self.mandated * (1 - self.stakeholder_involvement)

    # vision and culture
    @property
    def indicated_vision_clarity(self):
        return mean(self.patient_public_engagement, self.inclusive_decision_making,
                    self.leadership_quality, self.planning)

    @property
    def indicated_vision_sharedness(self):
        return mean(self.patient_public_engagement, self.inclusive_decision_making,
                    self.leadership_quality, self.stakeholder_involvement)

    @property
    def indicated_assimilation(self):
        return (mean(self.vision_sharedness, self.leadership_quality,
                     self.transition_support, self.joint_appointments)
                * (1 - self.distance_assimilation_penalty * self.cultural_distance)
                * (1 - self.forced_assimilation_penalty * self.forced_perception))

    # trust
    @property
    def meeting_effect(self):
        return self.meeting_frequency / (self.meeting_frequency + self.meeting_half_saturation)

    @property
    def communication(self):
        return mean(self.geographic_proximity
                    * (1 - self.proximity_conflict_sensitivity * self.conflict),
                    1 - self.collaboration_scale, self.it_compatibility,
                    self.joint_appointments, self.meeting_effect)

    @property
    def conflict_damage_on_trust(self):
        return (self.conflict_effect_on_trust * self.conflict
                * (1 - self.resolution_dampening * self.conflict_resolution)
                * (1 - self.broker_shield * self.external_broker))

    @property
    def trust_basis(self):
        lead = 1 - (1 - self.leadership_quality) * (1 - self.joint_appointments)
        return wavg((self.weight_trust_anchor, self.pre_existing_trust),
                    (self.weight_trust_experience, self.experienced_trustworthiness),
                    (self.weight_trust_communication, self.communication),
                    (self.weight_trust_assimilation, self.cultural_assimilation),
                    (self.weight_trust_vision, self.vision_sharedness),
                    (self.weight_trust_leadership, lead))

    @property
    def relational_trust(self):
        b = self.trust_basis
        return b + (1 - b) * self.success_trust_boost * self.task_success

    @property
    def mou_assurance(self):
        return (self.mou_trust_boost * self.contract_is_mou * self.formalisation
                * (1 - self.mandated))

    @property
    def binding_misattribution(self):
        return (self.binding_trust_penalty * self.contract_is_binding * self.formalisation
                * self.voluntariness)

    @property
    def indicated_trust(self):
        r = self.relational_trust
        return ((r + self.mou_assurance * (1 - r)) * (1 - self.binding_misattribution)
                * self.relational_mistrust_factor * (1 - self.conflict_damage_on_trust))

    @property
    def relationship_time_factor(self):
        return (1 + self.distance_relationship_delay * (1 - self.geographic_proximity)
                + self.scale_relationship_delay * self.collaboration_scale)

    # faith
    def faith_basis(self, progress, vision):
        return wavg((self.weight_faith_context, self.contextual_faith),
                    (self.weight_faith_progress, progress),
                    (self.weight_faith_vision, vision),
                    (self.weight_faith_legitimacy, self.legitimacy))

    @property
    def conflict_damage_on_faith(self):
        return (self.conflict_effect_on_trust * self.conflict_faith_ratio * self.conflict
                * (1 - self.resolution_dampening * self.conflict_resolution))

    @property
    def indicated_faith(self):
        return (self.faith_basis(self.perceived_progress, self.vision_clarity)
                * (1 - self.conflict_damage_on_faith))

    @property
    def carried_in_faith(self):
        return self.faith_basis(self.initial_perceived_progress, self.initial_vision)

    # conflict
    def potential(self, trust, faith, assimilation):
        return (wavg((self.weight_conflict_trust, 1 - trust),
                     (self.weight_conflict_faith, 1 - faith),
                     (self.weight_conflict_culture,
                      self.cultural_distance * (1 - assimilation)),
                     (self.weight_conflict_power, self.power_tension))
                * (1 - self.leadership_conflict_reduction * self.leadership_quality))

    @property
    def conflict_potential(self):
        return self.potential(self.trust, self.faith, self.cultural_assimilation)

    # progress and ambition
    @property
    def progress_signal(self):
        half = self.ambition_level * self.progress_half_saturation
        s = self.task_success
        return s * (1 + half) / (s + half)

    @property
    def indicated_ambition(self):
        return self.ambition * (1 + self.ambition_adjustment_range
                                * (2 * self.perceived_progress - 1))

    # contracts and risk
    @property
    def confidence_substitution(self):
        return 1 - (1 - self.confidence_weight_voluntary) * self.voluntariness

    @property
    def contract_strength(self):
        b, m = self.contract_is_binding, self.contract_is_mou
        return (self.contract_relevance * self.formalisation
                * (b + (1 - b) * (m * self.mou_confidence_weight
                                  + (1 - m) * self.informal_confidence_weight)))

    @property
    def confidence_contribution(self):
        return (self.confidence_risk_share * self.confidence_substitution * self.confidence
                * (1 - self.trust))

    @property
    def indicated_risk_tolerance(self):
        return self.trust + self.confidence_contribution

    @property
    def obligated_behaviour(self):
        return self.obligation_share * (1 - self.voluntariness) * self.confidence

    # behaviour and performance (an active partnership)
    @property
    def task_success(self):
        return self.collaborative_behaviour * (
            1 - self.complexity_drag * self.task_complexity * (1 - self.planning))

    @property
    def routine_task_failures(self):
        return self.competitive_failure_rate * (1 - self.task_success)

    @property
    def relational_strain(self):
        return 1 - self.trust * self.faith * (1 - self.conflict)

    @property
    def risk_willingness(self):
        return hill(self.risk_tolerance, self.risk_threshold, self.threshold_steepness)

    @property
    def faith_engagement(self):
        return hill(self.faith, self.faith_threshold, self.threshold_steepness)

    @property
    def indicated_collaborative_behaviour(self):
        routes = 1 - (1 - self.risk_willingness * self.faith_engagement) * (
            1 - self.obligated_behaviour)
        return (1 - self.relational_work_share * self.relational_strain) * routes

    @property
    def indicated_performance(self):
        return (self.performance_gain * self.capability
                - self.transition_cost * self.relational_strain)


AUXILIARIES = [
    # context
    "organisation_count_effect", "collaboration_scale", "task_complexity", "legitimacy",
    "contextual_faith", "pre_existing_trust", "power_tension", "relational_mistrust_factor",
    "carried_in_trust", "voluntariness", "forced_perception",
    # vision and culture
    "indicated_vision_clarity", "indicated_vision_sharedness", "indicated_assimilation",
    # trust
    "meeting_effect", "communication", "conflict_damage_on_trust", "trust_basis",
    "relational_trust", "indicated_trust", "relationship_time_factor",
    # faith
    "conflict_damage_on_faith", "indicated_faith", "carried_in_faith",
    # conflict
    "conflict_potential",
    # progress and ambition
    "progress_signal", "indicated_ambition",
    # contracts and risk
    "confidence_substitution", "contract_strength", "binding_misattribution",
    "mou_assurance", "confidence_contribution", "indicated_risk_tolerance",
    "obligated_behaviour",
    # behaviour and performance
    "task_success", "routine_task_failures", "relational_strain", "risk_willingness",
    "faith_engagement", "indicated_collaborative_behaviour", "indicated_performance",
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", AUXILIARIES)
def test_auxiliary_equals_its_documented_equation(name, seed):
    v = generic(seed)
    assert value(name, v) == pytest.approx(getattr(Documented(v), name), **EXACT)


# ------------------------------------------------------------------------------
# First-order goal seeking, sector by sector
# ------------------------------------------------------------------------------
# stock -> (target, time constant) by hand, with every other stock held and no events
GOAL_SEEKING = {
    "vision_clarity": lambda d: (d.indicated_vision_clarity, d.vision_adjustment_time),
    "vision_sharedness": lambda d: (d.indicated_vision_sharedness, d.vision_adjustment_time),
    "cultural_assimilation": lambda d: (d.indicated_assimilation, d.assimilation_time),
    "faith": lambda d: (d.indicated_faith, d.faith_adjustment_time),
    "ambition_level": lambda d: (d.indicated_ambition, d.ambition_adjustment_time),
    "confidence": lambda d: (d.contract_strength, d.confidence_adjustment_time),
    "risk_tolerance": lambda d: (d.indicated_risk_tolerance,
                                 d.risk_tolerance_adjustment_time),
    "collaborative_behaviour": lambda d: (d.indicated_collaborative_behaviour,
                                          d.behaviour_adjustment_time),
    "performance": lambda d: (d.indicated_performance, d.performance_adjustment_time),
    "contract_relevance": lambda d: (d.contract_relevance_floor,
                                     d.contract_obsolescence_time),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("stock", sorted(GOAL_SEEKING))
@pytest.mark.parametrize("start", [0.02, 0.98])
def test_stock_follows_first_order_goal_seeking(stock, start, seed):
    """From below and from above its target, each stock follows Euler's exact solution
    of first-order goal seeking with the documented target and time constant."""
    v = generic(seed)
    v[stock] = start
    target, tau = GOAL_SEEKING[stock](Documented(v))
    steps = 240
    got = euler(v, (stock,), steps, DT)[stock]
    np.testing.assert_allclose(got, goal_seeking(start, target, tau, DT, steps),
                               rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_contract_relevance_decays_to_its_floor(seed):
    """F3: U(t) = floor + (1 - floor) exp(-t / obsolescence time); Euler's steps give
    (1 - dt/tau)^k exactly, and the time to lose 63% of the relevance above the floor
    is the obsolescence time within Euler's error."""
    v = generic(seed)
    d = Documented(v)
    v["contract_relevance"] = initial("contract_relevance", v)
    assert v["contract_relevance"] == 1.0
    steps = int(3 * d.contract_obsolescence_time / DT)
    run = euler(v, ("contract_relevance",), steps, DT)
    floor, tau = d.contract_relevance_floor, d.contract_obsolescence_time
    np.testing.assert_allclose(run["contract_relevance"],
                               goal_seeking(1.0, floor, tau, DT, steps), rtol=1e-11)
    t63 = crossing_time(run["time"], run["contract_relevance"],
                        floor + (1 - floor) * math.exp(-1))
    assert t63 == pytest.approx(tau, abs=DT)


# ------------------------------------------------------------------------------
# Trust: asymmetric building and erosion, the relationship time factor
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_trust_builds_with_the_relationship_time_and_erodes_faster(seed):
    """L1, A2, M3, T2: below its indicated level trust rises with time constant
    trust_build_time * (1 + distance delay * (1 - proximity) + scale delay * scale);
    above it, it falls with trust_build_time / trust_erosion_speedup."""
    v = generic(seed)
    d = Documented(v)
    target = d.indicated_trust
    up_tau = d.trust_build_time * d.relationship_time_factor
    down_tau = d.trust_build_time / d.trust_erosion_speedup
    steps = 400
    for start, tau in ((0.01, up_tau), (0.99, down_tau)):
        v["trust"] = start
        got = euler(v, ("trust",), steps, DT)["trust"]
        np.testing.assert_allclose(got, goal_seeking(start, target, tau, DT, steps),
                                   rtol=1e-11, atol=1e-12)
        assert value("trust_adjustment_time", v) == pytest.approx(tau, **EXACT)


def test_half_closing_times_of_a_trust_gap_are_tau_ln2():
    """The continuous solution's half-time tau ln 2, within Euler's known error
    (dt/2 and the grid) when rising and when falling, at fine steps."""
    v = generic(7)
    d = Documented(v)
    target = d.indicated_trust
    dt = 1 / 64
    for start, tau in ((0.0, d.trust_build_time * d.relationship_time_factor),
                       (1.0, d.trust_build_time / d.trust_erosion_speedup)):
        v["trust"] = start
        run = euler(v, ("trust",), int(3 * tau / dt), dt)
        t_half = crossing_time(run["time"], run["trust"], (start + target) / 2)
        assert t_half == pytest.approx(tau * math.log(2), abs=dt + dt * math.log(2))


def test_distance_and_scale_slow_trust_building_by_the_documented_factor():
    """M3/T2 by hand: proximity 0.25, delay 1.2 at distance; 10 organisations of size
    0.8 with half-saturation 4: count effect 8/12, scale (0.8 + 2/3)/2 = 11/15;
    scale delay 0.6: factor 1 + 1.2 * 0.75 + 0.6 * 11/15 = 2.34."""
    v = state(geographic_proximity=0.25, distance_relationship_delay=1.2,
              number_of_organisations=10, organisation_size=0.8,
              organisation_count_half_saturation=4, scale_relationship_delay=0.6,
              trust_build_time=5.0, trust=0.0)
    assert value("relationship_time_factor", v) == pytest.approx(2.34, rel=1e-12)
    assert value("trust_adjustment_time", v) == pytest.approx(5 * 2.34, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind,effect,toward", [
    ("quick_win", "quick_win_trust_effect", 1.0),
    ("task_failure", "task_failure_trust_effect", 0.0),
    ("leadership_change", "leadership_change_trust_effect", 0.0),
])
def test_trust_event_jumps_are_fractions_of_the_gap_or_level(kind, effect, toward, seed):
    """M1, L1, A4: an event of size s moves trust by s * effect of the gap to 1 (quick
    win) or of its level (failure, leadership change), on top of one step of
    adjustment."""
    v = generic(seed, trust=0.4)
    d = Documented(v)
    size = 0.6
    run = euler(v, ("trust",), 3, DT, events={1: {kind: size}})
    t0, t1 = run["trust"][1], run["trust"][2]
    target = d.indicated_trust
    tau = (d.trust_build_time * d.relationship_time_factor if target > t0
           else d.trust_build_time / d.trust_erosion_speedup)
    jump = size * v[effect] * (toward - t0) if toward else -size * v[effect] * t0
    assert t1 == pytest.approx(t0 + DT * (target - t0) / tau + jump, **EXACT)


# ------------------------------------------------------------------------------
# Experienced trustworthiness and conflict under routine failures (linear ODEs)
# ------------------------------------------------------------------------------
def _linear_solution(a: float, b: float, x0: float):
    """sympy's dsolve of dx/dt = a - b x, x(0) = x0, as a function of t."""
    t = sp.Symbol("t", nonnegative=True)
    x = sp.Function("x")
    sol = sp.dsolve(sp.Eq(x(t).diff(t), a - b * x(t)), x(t), ics={x(0): x0})
    return sp.lambdify(t, sol.rhs, "math")


@pytest.mark.parametrize("seed", SEEDS)
def test_experience_under_routine_failures_follows_its_linear_ode(seed):
    """L1: with behaviour held, experienced trustworthiness X obeys
    dX/dt = (s - X)/T_e - r f X, r = failure rate * (1 - s): a linear ODE with target
    s / (1 + T_e r f) and time constant 1 / (1/T_e + r f)."""
    v = generic(seed, experienced_trustworthiness=0.95)
    d = Documented(v)
    s, r = d.task_success, d.routine_task_failures
    te, f = d.experience_time, d.task_failure_experience_effect
    a, b = s / te, 1 / te + r * f
    steps = int(2 * te / DT)
    run = euler(v, ("experienced_trustworthiness",), steps, DT,
                record=("routine_task_failures",))
    assert run["routine_task_failures"][0] == pytest.approx(r, **EXACT)
    got = run["experienced_trustworthiness"]
    np.testing.assert_allclose(got, goal_seeking(0.95, a / b, 1 / b, DT, steps), rtol=1e-11)
    # and the continuous solution, within Euler's first-order error
    solution = _linear_solution(a, b, 0.95)
    exact = np.array([solution(t) for t in run["time"]])
    assert np.max(np.abs(got - exact)) < DT * b * abs(0.95 - a / b)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind,effect,toward", [
    ("quick_win", "quick_win_experience_effect", 1.0),
    ("task_failure", "task_failure_experience_effect", 0.0),
    ("conflict_incident", "conflict_incident_experience_effect", 0.0),
])
def test_experience_event_jumps(kind, effect, toward, seed):
    v = generic(seed, experienced_trustworthiness=0.5)
    d = Documented(v)
    size = 0.7
    run = euler(v, ("experienced_trustworthiness",), 2, DT, events={0: {kind: size}})
    x0, x1 = run["experienced_trustworthiness"][:2]
    drift = ((d.task_success - x0) / d.experience_time
             - d.routine_task_failures * d.task_failure_experience_effect * x0)
    jump = size * v[effect] * (1 - x0) if toward else -size * v[effect] * x0
    assert x1 == pytest.approx(x0 + DT * drift + jump, **EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_conflict_under_routine_failures_follows_its_linear_ode(seed):
    """A1: dC/dt = (potential - C)/T_c + r f (1 - C): target
    (potential/T_c + r f) / (1/T_c + r f), time constant 1 / (1/T_c + r f)."""
    v = generic(seed, conflict=0.02)
    d = Documented(v)
    p, r = d.conflict_potential, d.routine_task_failures
    tc, f = d.conflict_adjustment_time, d.task_failure_conflict_effect
    a, b = p / tc + r * f, 1 / tc + r * f
    got = euler(v, ("conflict",), 200, DT)["conflict"]
    np.testing.assert_allclose(got, goal_seeking(0.02, a / b, 1 / b, DT, 200), rtol=1e-11)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind,effect", [
    ("conflict_incident", "conflict_incident_effect"),
    ("task_failure", "task_failure_conflict_effect"),
])
def test_conflict_event_jumps_fill_the_headroom(kind, effect, seed):
    v = generic(seed, conflict=0.3)
    d = Documented(v)
    size = 0.8
    run = euler(v, ("conflict",), 2, DT, events={0: {kind: size}})
    c0, c1 = run["conflict"][:2]
    drift = ((d.conflict_potential - c0) / d.conflict_adjustment_time
             + d.routine_task_failures * d.task_failure_conflict_effect * (1 - c0))
    assert c1 == pytest.approx(c0 + DT * drift + size * v[effect] * (1 - c0), **EXACT)


# ------------------------------------------------------------------------------
# Progress: informal perception, evaluation rounds, quick wins and failures
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_perceived_progress_without_rounds_is_linear_goal_seeking(seed):
    """A5: dP/dt = (visibility * signal - P)/T_p - r f P, with no evaluation rounds."""
    v = generic(seed, perceived_progress=0.9)
    d = Documented(v)
    tp, r, f = d.informal_perception_time, d.routine_task_failures, \
        d.task_failure_progress_effect
    a, b = d.informal_visibility * d.progress_signal / tp, 1 / tp + r * f
    got = euler(v, ("perceived_progress",), 300, DT)["perceived_progress"]
    np.testing.assert_allclose(got, goal_seeking(0.9, a / b, 1 / b, DT, 300), rtol=1e-11)


@pytest.mark.parametrize("interval,duration,active", [
    (6, 1, {0: 0, 5.875: 0, 6: 1, 6.875: 1, 7: 0, 11.875: 0, 12: 1, 12.5: 1, 13: 0}),
    (12, 2, {6: 0, 12: 1, 13.875: 1, 14: 0, 24: 1, 25.5: 1, 26: 0}),
    (0.5, 1, {0: 0, 0.25: 0, 0.5: 1, 3: 1, 40.125: 1}),   # continuous evaluation
    (0, 1, {0: 0, 1: 0, 6: 0}),                          # none
])
def test_evaluation_rounds_follow_their_schedule(interval, duration, active):
    for t, expected in active.items():
        v = state(evaluation_interval=interval, evaluation_round_duration=duration, time=t)
        assert value("evaluation_round_active", v) == expected, t


@pytest.mark.parametrize("effectiveness,duration", [(0.5, 2.0), (1.0, 1.0), (1.6, 0.5)])
def test_a_round_closes_the_documented_share_of_the_perception_gap(effectiveness, duration):
    """A5: during a round of duration D the gap to actual progress closes at rate
    effectiveness / D on top of informal perception; by hand, Euler's factor per step
    is 1 - dt (1/T_p + e/D) towards (v s / T_p + e s / D) / (1/T_p + e/D)."""
    v = generic(4, evaluation_interval=6.0, evaluation_round_duration=duration,
                evaluation_effectiveness=effectiveness, perceived_progress=0.1,
                competitive_failure_rate=0.0, time=6.0)
    d = Documented(v)
    s, tp, k = d.progress_signal, d.informal_perception_time, effectiveness / duration
    b = 1 / tp + k
    a = d.informal_visibility * s / tp + k * s
    steps = int(duration / DT)
    got = euler(v, ("perceived_progress",), steps, DT)["perceived_progress"]
    np.testing.assert_allclose(got, goal_seeking(0.1, a / b, 1 / b, DT, steps), rtol=1e-11)
    # after the round, informal perception alone: the target falls back
    v["perceived_progress"], v["time"] = got[-1], 6.0 + duration
    after = euler(v, ("perceived_progress",), 8, DT)["perceived_progress"]
    np.testing.assert_allclose(after, goal_seeking(got[-1], d.informal_visibility * s,
                                                   tp, DT, 8), rtol=1e-11)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind,effect,toward", [
    ("quick_win", "quick_win_progress_effect", 1.0),
    ("task_failure", "task_failure_progress_effect", 0.0),
])
def test_progress_event_jumps(kind, effect, toward, seed):
    v = generic(seed, perceived_progress=0.45)
    d = Documented(v)
    size = 0.5
    run = euler(v, ("perceived_progress",), 2, DT, events={0: {kind: size}})
    p0, p1 = run["perceived_progress"][:2]
    drift = ((d.informal_visibility * d.progress_signal - p0) / d.informal_perception_time
             - d.routine_task_failures * d.task_failure_progress_effect * p0)
    jump = size * v[effect] * (1 - p0) if toward else -size * v[effect] * p0
    assert p1 == pytest.approx(p0 + DT * drift + jump, **EXACT)


# ------------------------------------------------------------------------------
# Vision, faith, capability: event jumps and linear accrual
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("stock", ["vision_clarity", "vision_sharedness"])
@pytest.mark.parametrize("kind,effect,toward", [
    ("vision_clarified", "vision_clarified_effect", 1.0),
    ("leadership_change", "leadership_change_vision_effect", 0.0),
])
def test_vision_event_jumps(stock, kind, effect, toward, seed):
    v = generic(seed, **{stock: 0.35})
    target, tau = GOAL_SEEKING[stock](Documented(v))
    size = 0.9
    run = euler(v, (stock,), 2, DT, events={0: {kind: size}})
    x0, x1 = run[stock][:2]
    jump = size * v[effect] * (1 - x0) if toward else -size * v[effect] * x0
    assert x1 == pytest.approx(x0 + DT * (target - x0) / tau + jump, **EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_staff_loss_costs_faith_and_capability_in_proportion(seed):
    v = generic(seed, faith=0.6, capability=0.5)
    d = Documented(v)
    size = 0.4
    run = euler(v, ("faith", "capability"), 2, DT, events={0: {"staff_loss": size}})
    f0, f1 = run["faith"][:2]
    assert f1 == pytest.approx(f0 + DT * (d.indicated_faith - f0) / d.faith_adjustment_time
                               - size * d.staff_loss_faith_effect * f0, **EXACT)
    q0, q1 = run["capability"][:2]
    accrual = d.capability_accrual_rate * d.collaborative_behaviour * (1 - q0)
    assert q1 == pytest.approx(q0 + DT * (accrual - d.capability_decay_rate * q0)
                               - size * d.staff_loss_capability_effect * q0, **EXACT)


@pytest.mark.parametrize("seed", SEEDS)
def test_capability_accrues_towards_its_balance_of_accrual_and_decay(seed):
    """P2: dQ/dt = a B (1 - Q) - d Q: from nil towards a B / (a B + d) with time
    constant 1 / (a B + d)."""
    v = generic(seed)
    d = Documented(v)
    v["capability"] = initial("capability", v)
    assert v["capability"] == 0.0
    ab = d.capability_accrual_rate * d.collaborative_behaviour
    rate_ = ab + d.capability_decay_rate
    got = euler(v, ("capability",), 300, DT)["capability"]
    np.testing.assert_allclose(got, goal_seeking(0.0, ab / rate_, 1 / rate_, DT, 300),
                               rtol=1e-11, atol=1e-15)


# ------------------------------------------------------------------------------
# The S-shaped thresholds (Hill functions)
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("x,theta,n,expected", [
    # 0.3^2 (1 + 0.6^2) / (0.3^2 + 0.6^2) = 0.09 * 1.36 / 0.45
    (0.3, 0.6, 2, 0.272),
    # 0.3^3 (1 + 0.6^3) / (0.3^3 + 0.6^3) = 0.027 * 1.216 / 0.243
    (0.3, 0.6, 3, 0.135111111111111),
    # at the threshold: (1 + theta^n) / 2
    (0.5, 0.5, 4, 0.53125),
    (1.0, 0.45, 8, 1.0),
    (0.0, 0.45, 8, 0.0),
])
def test_hill_thresholds_equal_hand_computed_values(x, theta, n, expected):
    """L1, P2: willingness to take risk and engagement through faith are normalised
    Hill functions of risk tolerance and faith with exponent threshold_steepness."""
    v = state(risk_tolerance=x, risk_threshold=theta, faith=x, faith_threshold=theta,
              threshold_steepness=n)
    assert value("risk_willingness", v) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert value("faith_engagement", v) == pytest.approx(expected, rel=1e-12, abs=1e-15)


# ------------------------------------------------------------------------------
# Initial values
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_initial_values_follow_their_documented_rules(seed):
    v = generic(seed)
    d = Documented(v)
    expected = {
        "trust": d.indicated_trust,
        "faith": d.indicated_faith,
        "risk_tolerance": v["trust"],
        "experienced_trustworthiness": d.pre_existing_trust,
        "conflict": d.potential(d.carried_in_trust, d.carried_in_faith,
                                d.initial_assimilation * (1 - d.cultural_distance)),
        "cultural_assimilation": d.initial_assimilation * (1 - d.cultural_distance),
        "vision_clarity": d.initial_vision,
        "vision_sharedness": d.initial_vision,
        "perceived_progress": d.initial_perceived_progress,
        "ambition_level": d.ambition,
        "collaborative_behaviour": d.initial_collaborative_behaviour,
        "confidence": 0.0, "capability": 0.0, "performance": 0.0,
        "contract_relevance": 1.0, "time_below_critical": 0.0,
    }
    assert set(expected) == {s.name for s in MODEL.stocks}
    for stock, x in expected.items():
        assert initial(stock, v) == pytest.approx(x, **EXACT), stock


# ------------------------------------------------------------------------------
# Dissolution
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("held", [{"trust": 0.1}, {"faith": 0.1}])
def test_dissolution_after_the_dwell_time_below_a_critical_level(held):
    """L3: below a critical trust or faith level, time below critical grows at one
    month per month; the partnership dissolves once it reaches the dwell time, and
    then stays dissolved (the clock keeps running)."""
    v = state(**{"critical_trust": 0.2, "critical_faith": 0.2, "dissolution_dwell": 4.0,
                 "trust": 0.5, "faith": 0.5, **held})
    run = euler(v, ("time_below_critical",), 60, DT, record=("active", "dissolved"))
    w = run["time_below_critical"]
    np.testing.assert_allclose(w, run["time"], rtol=1e-12)
    first = int(np.argmax(run["dissolved"] == 1))
    assert run["time"][first] == pytest.approx(4.0)
    assert np.all(run["active"][:first] == 1) and np.all(run["active"][first:] == 0)
    # above the critical levels, once dissolved, the clock still runs
    v.update(trust=0.9, faith=0.9, time_below_critical=5.0)
    assert rate("time_below_critical", v) == 1.0
    assert value("active", v) == 0.0


def test_time_below_critical_is_forgiven_after_recovery():
    """L3: once trust and faith are above their critical levels (and the partnership
    has not dissolved), the time below critical decays with the recovery time."""
    v = state(critical_trust=0.2, critical_faith=0.2, dissolution_dwell=6.0,
              dwell_recovery_time=1.5, trust=0.5, faith=0.5, time_below_critical=3.0)
    got = euler(v, ("time_below_critical",), 40, DT)["time_below_critical"]
    np.testing.assert_allclose(got, goal_seeking(3.0, 0.0, 1.5, DT, 40), rtol=1e-12)


@pytest.mark.parametrize("trust,faith,below", [
    (0.19, 0.5, 1), (0.5, 0.19, 1), (0.2, 0.2, 0), (0.21, 0.5, 0)])
def test_below_critical_is_strict(trust, faith, below):
    v = state(critical_trust=0.2, critical_faith=0.2, trust=trust, faith=faith)
    assert value("below_critical_level", v) == below


def test_dissolved_partnership_has_no_behaviour_routine_failures_or_transition_cost():
    """L3: once dissolved, indicated behaviour, routine failures and the transition
    cost vanish."""
    v = generic(5, dissolution_dwell=2.0, time_below_critical=2.0)
    assert value("active", v) == 0.0
    d = Documented(v)
    assert value("indicated_collaborative_behaviour", v) == 0.0
    assert value("routine_task_failures", v) == 0.0
    assert value("indicated_performance", v) == pytest.approx(
        d.performance_gain * d.capability, **EXACT)


# ------------------------------------------------------------------------------
# Baseline time scales at the default constants
# ------------------------------------------------------------------------------
def test_baseline_time_scales_at_the_default_constants():
    """The model's documented baseline (registry defaults, docs/equations.md),
    restated by hand as behaviour: at the default context (proximity 0.5, two
    organisations of size 0.5: scale 0.25) trust closes half a rising gap in
    6 * (1 + 0.5 + 0.25) ln 2 = 7.28 months and half a falling gap in 6/3 ln 2 = 1.39;
    faith closes half its gap in 6 ln 2, conflict in 3 ln 2; a contract keeps 0.3 of
    its relevance and loses 63% of the rest in 36 months; a risk tolerance at the
    threshold 0.45 gives willingness (1 + 0.45^8)/2."""
    dt = 1 / 32
    v = state()
    targets = {"trust": "indicated_trust", "faith": "indicated_faith"}

    def half_time(stock, start):
        w = dict(v, **{stock: start})
        goal = value(targets[stock], w)
        run = euler(w, (stock,), int(30 / dt), dt)
        return crossing_time(run["time"], run[stock], (start + goal) / 2)

    ln2 = math.log(2)
    tol = 2 * dt
    assert half_time("trust", 0.0) == pytest.approx(6 * 1.75 * ln2, abs=tol)
    assert half_time("trust", 1.0) == pytest.approx(6 / 3 * ln2, abs=tol)
    assert half_time("faith", 0.0) == pytest.approx(6 * ln2, abs=tol)
    assert half_time("faith", 1.0) == pytest.approx(6 * ln2, abs=tol)
    run = euler(dict(v, contract_relevance=1.0), ("contract_relevance",), int(40 / dt), dt)
    assert crossing_time(run["time"], run["contract_relevance"],
                         0.3 + 0.7 * math.exp(-1)) == pytest.approx(36, abs=tol)
    assert value("risk_willingness", dict(v, risk_tolerance=0.45)) == pytest.approx(
        (1 + 0.45**8) / 2, rel=1e-12)


def test_baseline_effects_of_conflict_and_dissolution_at_the_default_constants():
    """The documented baseline, by hand: full conflict with no resolution and no broker
    removes 80% of indicated trust and half as much faith (40%); a half-constructive
    approach (resolution 0.5, dampening 0.7) removes 35% of that; a partnership
    dissolves after 6 months below a critical level of 0.15."""
    v = state(conflict=1.0, conflict_resolution=0.0, external_broker=0.0)
    assert value("conflict_damage_on_trust", v) == pytest.approx(0.8, rel=1e-12)
    assert value("conflict_damage_on_faith", v) == pytest.approx(0.4, rel=1e-12)
    v["conflict_resolution"] = 0.5
    assert value("conflict_damage_on_trust", v) == pytest.approx(0.8 * 0.65, rel=1e-12)
    w = state(trust=0.149, faith=0.5)
    assert value("below_critical_level", w) == 1
    assert value("below_critical_level", dict(w, trust=0.151)) == 0
    run = euler(w, ("time_below_critical",), 80, DT, record=("active",))
    assert run["time"][np.argmax(run["active"] == 0)] == pytest.approx(6.0)
