"""The parameter registry: every constant of the model, declared once.

Each entry is a :class:`Parameter` with a name, units, a default, bounds, a group
(``context``, ``lever``, ``mechanism`` or ``initial``) and the claim ids of
``CLAIMS.md`` it bears on. Everything else is projected from this table: the
sympy symbols of :mod:`iocdynamics.model`, the constants (with units and
comments) of the generated Vensim and XMILE files, scenario validation, lmfit
``Parameters`` and SALib problems.

Where the theory gives no functional form, the parameter names the standard
system-dynamics choice (adjustment times, weights of a weighted average,
half-saturation points, jump fractions of discrete events); the description
says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Group = Literal["context", "lever", "mechanism", "initial"]
Kind = Literal["float", "int", "bool", "choice"]


@dataclass(frozen=True)
class Parameter:
    """One named, bounded, documented model constant.

    Parameters
    ----------
    name : str
        Python and XMILE name (snake case); the Vensim name replaces ``_`` by a space.
    default : float
        Value used when a scenario does not set it.
    lower, upper : float
        Inclusive bounds of the valid range.
    units : str
        Units in Vensim notation (``Dmnl``, ``Month``, ``1/Month``, ...).
    group : {"context", "lever", "mechanism", "initial"}
        Where the value comes from: the setting of the collaboration, a policy
        choice, a behavioural constant of the theory, or an initial level.
    description : str
        What the constant means, and where it is a modelling choice, which one.
    claims : tuple of str
        Claim ids of ``CLAIMS.md`` that the constant encodes.
    kind : {"float", "int", "bool", "choice"}
        Scenario-file type. ``bool`` is stored in the model as 0/1.
    choices : tuple of str
        Allowed values of a ``choice`` (scenario side only).
    """

    name: str
    default: float
    lower: float
    upper: float
    units: str
    group: Group
    description: str
    claims: tuple[str, ...] = ()
    kind: Kind = "float"
    choices: tuple[str, ...] = field(default=())

    @property
    def vensim_name(self) -> str:
        return self.name.replace("_", " ")


def _p(name, default, lower, upper, units, group, description, claims=(), kind="float"):
    return Parameter(name, float(default), float(lower), float(upper), units, group,
                     description, tuple(claims), kind)


_CONTEXT = [
    _p("history_of_collaboration", 0.5, 0, 1, "Dmnl", "context",
       "Past relationship of the partners: 0 a long history of competing, 1 of collaborating.",
       ["I3"]),
    _p("partner_reputation", 0.5, 0, 1, "Dmnl", "context",
       "Reputation of the partner organisations in each other's eyes.", ["I3"]),
    _p("form_reputation", 0.5, 0, 1, "Dmnl", "context",
       "Reputation of the form of collaboration itself (0: seen as e.g. a vehicle of "
       "privatisation).", ["I1"]),
    _p("legacy_of_failures", 0.0, 0, 1, "Dmnl", "context",
       "Known history of health-system failures in the region ('fortress mentalities').",
       ["I3", "P4"]),
    _p("financial_constraints", 0.5, 0, 1, "Dmnl", "context",
       "Financial pressure on the partners; 1 means no financial support for collaborating.",
       ["I1", "P4"]),
    _p("regulatory_support", 0.5, 0, 1, "Dmnl", "context",
       "Regulatory regime: 0 competition-oriented, 1 favours collaboration.", ["I1", "P4"]),
    _p("organisation_size", 0.5, 0, 1, "Dmnl", "context",
       "Size of the partner organisations, 0 small to 1 very large.", ["I1", "M3", "T2"]),
    _p("number_of_organisations", 2, 2, 100, "Dmnl", "context",
       "Number of partner organisations (count).", ["I1", "M3", "T2"], kind="int"),
    _p("cross_sector", 0, 0, 1, "Dmnl", "context",
       "1 if the collaboration spans sectors (e.g. health and social care), else 0.",
       ["I1", "T2"], kind="bool"),
    _p("mandated", 0, 0, 1, "Dmnl", "context",
       "1 if the collaboration is imposed (mandated), 0 if voluntary.",
       ["I2", "F1", "F2", "F5", "M4", "P5", "T1", "T2"], kind="bool"),
    _p("integration", 0.3, 0, 1, "Dmnl", "context",
       "Degree of integration: 0 a loose network or buddying, 1 a full merger.",
       ["F1", "F2", "A3"]),
    _p("stakeholder_involvement", 0.5, 0, 1, "Dmnl", "context",
       "Involvement of staff and stakeholders in shaping the collaboration.", ["I2"]),
    _p("professional_threat", 0.3, 0, 1, "Dmnl", "context",
       "Extent to which staff perceive the collaboration as a professional threat.",
       ["I2", "T2"]),
    _p("geographic_proximity", 0.5, 0, 1, "Dmnl", "context",
       "Geographical closeness of the partners.", ["M3"]),
    _p("it_compatibility", 0.5, 0, 1, "Dmnl", "context",
       "Compatibility of the partners' IT systems.", ["M3"]),
    _p("cultural_distance", 0.3, 0, 1, "Dmnl", "context",
       "Pre-existing distance between the partners' organisational cultures.",
       ["M4", "A1", "T2"]),
    _p("power_imbalance", 0.3, 0, 1, "Dmnl", "context",
       "Imbalance of influence between partners (domination by a powerful partner).",
       ["A3", "F5"]),
    _p("leadership_quality", 0.5, 0, 1, "Dmnl", "context",
       "Open, honest, stable, empathetic and constructive leadership; a leadership_change "
       "event may set a new value.", ["M2", "M4", "A3", "A4", "E1"]),
]

_LEVERS = [
    _p("contract_is_mou", 0, 0, 1, "Dmnl", "lever",
       "1 if the formal agreement is a non-binding memorandum of understanding "
       "(scenario key: contract = \"mou\").", ["F4"], kind="bool"),
    _p("contract_is_binding", 0, 0, 1, "Dmnl", "lever",
       "1 if the formal agreement is a binding contract (scenario key: contract = "
       "\"binding\").", ["F1", "F2"], kind="bool"),
    _p("formalisation", 0.0, 0, 1, "Dmnl", "lever",
       "Strength of the formal agreement (0 none, 1 fully specified).",
       ["F1", "F2", "F3", "F4"]),
    _p("evaluation_interval", 6, 0, 120, "Month", "lever",
       "Months between evaluation-and-dissemination rounds; 0 means none. Intervals "
       "shorter than the round duration mean continuous evaluation.", ["A5"]),
    _p("ambition", 1.0, 0.25, 4, "Dmnl", "lever",
       "Targeted over achievable progress; above 1 is over-ambition.", ["A5", "L2"]),
    _p("meeting_frequency", 1.0, 0, 20, "1/Month", "lever",
       "Collaboration-wide meetings per month.", ["M3"]),
    _p("conflict_resolution", 0.5, 0, 1, "Dmnl", "lever",
       "Approach to conflict resolution: 0 none, 1 constructive and structured.", ["A3"]),
    _p("external_broker", 0, 0, 1, "Dmnl", "lever",
       "1 if an external impartial broker or committee is used.", ["A3"], kind="bool"),
    _p("joint_appointments", 0.0, 0, 1, "Dmnl", "lever",
       "Share of key roles jointly appointed or seconded (also joint teams).",
       ["M2", "M3", "M4"]),
    _p("patient_public_engagement", 0.5, 0, 1, "Dmnl", "lever",
       "Patient and public engagement.", ["A4"]),
    _p("inclusive_decision_making", 0.5, 0, 1, "Dmnl", "lever",
       "Inclusiveness of decision-making processes.", ["A4"]),
    _p("planning", 0.5, 0, 1, "Dmnl", "lever",
       "Effectiveness of planning (staff working on the right projects at the right time).",
       ["A5"]),
    _p("transition_support", 0.5, 0, 1, "Dmnl", "lever",
       "Support for staff through the transition.", ["M4"]),
    _p("balanced_governance", 0.5, 0, 1, "Dmnl", "lever",
       "Governance balanced in power, managing any sense of takeover.", ["A3"]),
]

_T = "Month"
_MECHANISM = [
    # adjustment times (first-order goal seeking: the standard SD formulation)
    _p("trust_build_time", 6, 2, 36, _T, "mechanism",
       "Time for trust to close a gap to its indicated level when rising (first-order "
       "adjustment).", ["L1"]),
    _p("trust_erosion_speedup", 3, 1, 8, "Dmnl", "mechanism",
       "How many times faster trust erodes than it builds (asymmetric adjustment; >= 1 "
       "by construction).", ["L1", "A2"]),
    _p("faith_adjustment_time", 6, 1, 36, _T, "mechanism",
       "Time for faith to adjust to its indicated level.", ["A5"]),
    _p("conflict_adjustment_time", 3, 1, 24, _T, "mechanism",
       "Time for conflict to adjust to its potential.", ["A1", "A2"]),
    _p("informal_perception_time", 12, 1, 60, _T, "mechanism",
       "Time for staff to notice progress without formal evaluation and dissemination.",
       ["A5"]),
    _p("risk_tolerance_adjustment_time", 3, 0.5, 24, _T, "mechanism",
       "Time for risk tolerance to adjust to trust and confidence.", ["L1", "I4"]),
    _p("confidence_adjustment_time", 3, 0.5, 24, _T, "mechanism",
       "Time for confidence to build on formalisation.", ["F1"]),
    _p("behaviour_adjustment_time", 3, 0.5, 24, _T, "mechanism",
       "Time for collaborative behaviour to follow its indicated level.", ["L1"]),
    _p("performance_adjustment_time", 6, 1, 36, _T, "mechanism",
       "Delay between behaviour and care-quality metrics.", ["L5", "P3"]),
    _p("vision_adjustment_time", 12, 1, 60, _T, "mechanism",
       "Time for the clarity and sharedness of vision to adjust.", ["A4"]),
    _p("assimilation_time", 18, 2, 60, _T, "mechanism",
       "Time for cultural assimilation to adjust.", ["M4"]),
    _p("ambition_adjustment_time", 12, 1, 60, _T, "mechanism",
       "Time for ambition to be adjusted after success or failure.", ["L2"]),
    _p("capability_accrual_rate", 0.1, 0.01, 1, "1/Month", "mechanism",
       "Fractional rate at which collaborative behaviour accrues shared skill, knowledge "
       "and resources.", ["P2"]),
    _p("capability_decay_rate", 0.02, 0, 0.5, "1/Month", "mechanism",
       "Fractional rate at which accrued capability is lost.", ["P2"]),
    _p("experience_time", 24, 2, 60, _T, "mechanism",
       "Time for experienced trustworthiness to follow the partnership's record of "
       "joint success (first-order adjustment; lived experience).", ["L1", "I3"]),
    _p("contract_obsolescence_time", 36, 6, 120, _T, "mechanism",
       "Time for a formal agreement to lose 63% of its relevance above its floor: early "
       "contracts cannot anticipate every eventuality (first-order decay).", ["F3"]),
    # weighted averages (the standard SD 'weighted average of effects')
    _p("weight_trust_anchor", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of the pre-existing relationship (initial trust) in indicated trust.",
       ["I3"]),
    _p("weight_trust_experience", 2.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of experienced trustworthiness (the partnership's own record) in indicated "
       "trust.", ["L1", "I3"]),
    _p("weight_trust_communication", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of communication and information sharing in indicated trust.", ["M3"]),
    _p("weight_trust_assimilation", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of cultural assimilation in indicated trust.", ["M4"]),
    _p("weight_trust_vision", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of the sharedness of vision in indicated trust.", ["A4"]),
    _p("weight_trust_leadership", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of leadership and seconded staff in indicated trust.", ["M2"]),
    _p("success_trust_boost", 0.8, 0, 1, "Dmnl", "mechanism",
       "Share of the remaining trust gap closed at full task success (the trust-building "
       "loop); absence of success is not failure, so it only adds.", ["L1"]),
    _p("weight_faith_context", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of the contextual base of faith (initial faith) in indicated faith.",
       ["I1"]),
    _p("weight_faith_progress", 2.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of perception of progress in indicated faith.", ["A5"]),
    _p("weight_faith_vision", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of the clarity of vision in indicated faith.", ["A4"]),
    _p("weight_faith_legitimacy", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of perceived legitimacy in indicated faith.", ["I2"]),
    _p("weight_conflict_trust", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of low trust in the potential for conflict.", ["A2", "L4"]),
    _p("weight_conflict_faith", 0.5, 0.05, 5, "Dmnl", "mechanism",
       "Weight of low faith (intra-organisational conflict) in the potential for conflict.",
       ["A2", "L4"]),
    _p("weight_conflict_culture", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of unassimilated cultural distance in the potential for conflict.",
       ["M4", "A1"]),
    _p("weight_conflict_power", 1.0, 0.05, 5, "Dmnl", "mechanism",
       "Weight of unbalanced power and takeover in the potential for conflict.", ["A3"]),
    # effect strengths
    _p("conflict_effect_on_trust", 0.8, 0, 1, "Dmnl", "mechanism",
       "Fraction of indicated trust lost at full, unresolved conflict.", ["A2"]),
    _p("conflict_faith_ratio", 0.5, 0, 1, "Dmnl", "mechanism",
       "Effect of conflict on faith relative to its effect on trust (<= 1: conflict hits "
       "trust harder than faith).", ["A2"]),
    _p("resolution_dampening", 0.7, 0, 1, "Dmnl", "mechanism",
       "Share of the effect of conflict removed by a fully constructive approach to "
       "conflict resolution.", ["A3"]),
    _p("broker_shield", 0.5, 0, 1, "Dmnl", "mechanism",
       "Share of the effect of conflict on trust removed by an external broker (trust moves "
       "to the third party).", ["A3"]),
    _p("leadership_conflict_reduction", 0.5, 0, 1, "Dmnl", "mechanism",
       "Share of the potential for conflict removed by fully constructive leadership.",
       ["A3"]),
    _p("proximity_conflict_sensitivity", 1.0, 0, 1, "Dmnl", "mechanism",
       "How far conflict cancels the benefit of geographical proximity to communication.",
       ["M3"]),
    _p("meeting_half_saturation", 1.0, 0.1, 10, "1/Month", "mechanism",
       "Meeting frequency giving half the maximal benefit to communication.", ["M3"]),
    _p("organisation_count_half_saturation", 4, 1, 20, "Dmnl", "mechanism",
       "Partners beyond two at which the scale of the collaboration is half-saturated.",
       ["I1", "M3"]),
    _p("competitive_failure_rate", 0.3, 0, 1, "1/Month", "mechanism",
       "Rate of routine joint-task failures (in event sizes per month) when no joint task "
       "succeeds: competitive behaviour makes tasks fail (the vicious half of the "
       "trust-building loop).", ["L1", "A1"]),
    _p("confidence_risk_share", 0.5, 0, 1, "Dmnl", "mechanism",
       "Largest share of the gap between trust and full risk tolerance that confidence "
       "can close: a contract cannot anticipate every eventuality, so it never makes "
       "risk tolerance complete.", ["F1", "F3"]),
    _p("obligation_share", 0.3, 0, 1, "Dmnl", "mechanism",
       "Share of full collaborative behaviour that full confidence obliges in a mandated "
       "or integrative arrangement, bypassing the risk threshold (Fig. 6).", ["F1"]),
    _p("contract_relevance_floor", 0.3, 0, 1, "Dmnl", "mechanism",
       "Relevance a formal agreement keeps however old it is.", ["F3"]),
    _p("distance_relationship_delay", 1.0, 0, 3, "Dmnl", "mechanism",
       "Extra relationship-building time at full geographical distance, as a multiple of "
       "the base trust building time.", ["M3"]),
    _p("scale_relationship_delay", 1.0, 0, 3, "Dmnl", "mechanism",
       "Extra relationship-building time at the largest scale (size and number of "
       "organisations), as a multiple of the base trust building time.", ["M3", "T2"]),
    _p("mou_trust_boost", 0.3, 0, 1, "Dmnl", "mechanism",
       "Share of the trust gap closed by a full MoU in a voluntary arrangement.", ["F4"]),
    _p("binding_trust_penalty", 0.3, 0, 1, "Dmnl", "mechanism",
       "Share of indicated trust lost to misattribution under a full binding contract in a "
       "voluntary, non-integrative arrangement.", ["F2"]),
    _p("mandate_mistrust", 0.3, 0, 1, "Dmnl", "mechanism",
       "Share of trust lost to the inherent mistrust of a mandated partnership.", ["F5"]),
    _p("power_mistrust", 0.3, 0, 1, "Dmnl", "mechanism",
       "Share of trust lost to an unmanaged, full power imbalance.", ["F5", "A3"]),
    _p("mou_confidence_weight", 0.5, 0, 1, "Dmnl", "mechanism",
       "Confidence a full MoU gives relative to a binding contract.", ["F1", "F4"]),
    _p("informal_confidence_weight", 0.2, 0, 1, "Dmnl", "mechanism",
       "Confidence formal structures give without any contract, relative to a binding one.",
       ["F1"]),
    _p("confidence_weight_voluntary", 0.3, 0, 1, "Dmnl", "mechanism",
       "Weight of confidence in risk tolerance in a voluntary, non-integrative arrangement "
       "(it rises to 1 as the arrangement is mandated or integrative).", ["F1"]),
    _p("risk_threshold", 0.45, 0.1, 0.9, "Dmnl", "mechanism",
       "Risk tolerance at which collaborative behaviour is half its maximum (S-shaped "
       "threshold).", ["L1"]),
    _p("faith_threshold", 0.45, 0.1, 0.9, "Dmnl", "mechanism",
       "Faith at which collaborative behaviour is half its maximum (S-shaped threshold).",
       ["P2", "L1"]),
    _p("threshold_steepness", 8, 1, 12, "Dmnl", "mechanism",
       "Hill exponent of both S-shaped thresholds (1 gradual, 12 near a switch).", ["L1"]),
    _p("relational_work_share", 0.3, 0, 1, "Dmnl", "mechanism",
       "Share of effort absorbed by managing conflict and building relationships when "
       "trust and faith are nil.", ["P1"]),
    _p("complexity_drag", 0.5, 0, 1, "Dmnl", "mechanism",
       "Share of task success lost at full task complexity with no effective planning.",
       ["I1", "A5"]),
    _p("evaluation_round_duration", 1.0, 0.5, 3, _T, "mechanism",
       "Duration of one evaluation-and-dissemination round.", ["A5"]),
    _p("evaluation_effectiveness", 1.0, 0, 2, "Dmnl", "mechanism",
       "Perception gap closed during a round, in units of e-folds (1: 63% of the gap).",
       ["A5"]),
    _p("progress_half_saturation", 0.3, 0.05, 2, "Dmnl", "mechanism",
       "Task success giving half the maximal progress signal at an ambition of 1 "
       "(saturating; scaled by ambition).", ["A5", "L2"]),
    _p("ambition_adjustment_range", 0.5, 0, 0.9, "Dmnl", "mechanism",
       "Largest fractional change of ambition after sustained success or failure.", ["L2"]),
    _p("critical_trust", 0.15, 0, 0.5, "Dmnl", "mechanism",
       "Trust below which the partnership heads for dissolution.", ["L3"]),
    _p("critical_faith", 0.15, 0, 0.5, "Dmnl", "mechanism",
       "Faith below which the partnership heads for dissolution.", ["L3"]),
    _p("dissolution_dwell", 6, 0.5, 36, _T, "mechanism",
       "Time spent below a critical level after which the partnership dissolves "
       "(absorbing).", ["L3"]),
    _p("dwell_recovery_time", 1, 0.25, 12, _T, "mechanism",
       "Time over which the accumulated time below threshold is forgiven once trust and "
       "faith recover.", ["L3"]),
    _p("informal_visibility", 0.6, 0, 1, "Dmnl", "mechanism",
       "Share of actual progress that staff perceive without formal evaluation and "
       "dissemination.", ["A5"]),
    _p("distance_assimilation_penalty", 0.5, 0, 1, "Dmnl", "mechanism",
       "Share of attainable assimilation lost at full pre-existing cultural distance.",
       ["M4"]),
    _p("forced_assimilation_penalty", 0.5, 0, 1, "Dmnl", "mechanism",
       "Share of attainable assimilation lost when the collaboration is felt as forced.",
       ["M4"]),
    _p("performance_gain", 0.3, 0, 1, "Dmnl", "mechanism",
       "Performance improvement over baseline at full accrued capability.", ["P2", "L5"]),
    _p("transition_cost", 0.15, 0, 0.5, "Dmnl", "mechanism",
       "Performance lost to relational work while the collaboration is being set up.",
       ["P3", "L5"]),
    # discrete events: fraction of the gap (up) or level (down) moved per unit event size
    _p("quick_win_trust_effect", 0.15, 0, 0.3, "Dmnl", "mechanism",
       "Share of the trust gap closed by a quick win of size 1.", ["M1"]),
    _p("quick_win_experience_effect", 0.25, 0, 0.3, "Dmnl", "mechanism",
       "Share of the experienced-trustworthiness gap closed by a quick win of size 1.",
       ["M1", "L1"]),
    _p("task_failure_experience_effect", 0.1, 0, 0.3, "Dmnl", "mechanism",
       "Share of experienced trustworthiness lost in a task failure of size 1.", ["L1"]),
    _p("conflict_incident_experience_effect", 0.2, 0, 0.3, "Dmnl", "mechanism",
       "Share of experienced trustworthiness lost in a conflict incident of size 1 "
       "('bad blood').", ["A1", "A2"]),
    _p("quick_win_progress_effect", 0.3, 0, 0.3, "Dmnl", "mechanism",
       "Share of the perception-of-progress gap closed by a quick win of size 1.",
       ["M1", "A5"]),
    _p("task_failure_trust_effect", 0.15, 0, 0.3, "Dmnl", "mechanism",
       "Share of trust lost in a task failure of size 1.", ["L1"]),
    _p("task_failure_conflict_effect", 0.2, 0, 0.3, "Dmnl", "mechanism",
       "Share of the conflict headroom filled by a task failure of size 1.", ["A1"]),
    _p("task_failure_progress_effect", 0.2, 0, 0.3, "Dmnl", "mechanism",
       "Share of perceived progress lost in a task failure of size 1.", ["L1", "A5"]),
    _p("conflict_incident_effect", 0.3, 0, 0.3, "Dmnl", "mechanism",
       "Share of the conflict headroom filled by a conflict incident of size 1.", ["A1"]),
    _p("leadership_change_vision_effect", 0.3, 0, 0.3, "Dmnl", "mechanism",
       "Share of vision lost when leadership turns over (size 1).", ["A4"]),
    _p("leadership_change_trust_effect", 0.1, 0, 0.3, "Dmnl", "mechanism",
       "Share of trust lost when leadership turns over and trust building restarts.", ["A4"]),
    _p("staff_loss_faith_effect", 0.15, 0, 0.3, "Dmnl", "mechanism",
       "Share of faith lost with a loss of staff of size 1.", ["A5"]),
    _p("staff_loss_capability_effect", 0.1, 0, 0.3, "Dmnl", "mechanism",
       "Share of accrued capability lost with a loss of staff of size 1.", ["P2"]),
    _p("vision_clarified_effect", 0.3, 0, 0.3, "Dmnl", "mechanism",
       "Share of the vision gap closed when the vision is clarified (size 1).", ["A4"]),
]

_INITIAL = [
    _p("initial_perceived_progress", 0.3, 0, 1, "Dmnl", "initial",
       "Perceived progress at the start.",
       ["A5"]),
    _p("initial_vision", 0.3, 0, 1, "Dmnl", "initial",
       "Clarity and sharedness of vision at the start.", ["A4"]),
    _p("initial_assimilation", 0.5, 0, 1, "Dmnl", "initial",
       "Cultural assimilation at the start, as a share of the cultural closeness "
       "(1 - cultural distance).", ["M4"]),
    _p("initial_collaborative_behaviour", 0.1, 0, 1, "Dmnl", "initial",
       "Collaborative behaviour at the start.", ["L1"]),
]

PARAMETERS: Mapping[str, Parameter] = MappingProxyType(
    {p.name: p for p in _CONTEXT + _LEVERS + _MECHANISM + _INITIAL}
)
"""All model constants by name, in declaration order."""


def parameters(group: Group | None = None) -> list[Parameter]:
    """Return the registered parameters, optionally of one group only.

    Parameters
    ----------
    group : {"context", "lever", "mechanism", "initial"}, optional
        Restrict to one group.

    Returns
    -------
    list of Parameter
    """
    return [p for p in PARAMETERS.values() if group is None or p.group == group]


def defaults() -> dict[str, float]:
    """Default value of every registered parameter, by name."""
    return {p.name: p.default for p in PARAMETERS.values()}


def get_parameter(name: str) -> Parameter:
    """The registered parameter ``name``; a ``KeyError`` suggests the closest name."""
    try:
        return PARAMETERS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(PARAMETERS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise KeyError(f"unknown parameter '{name}'{hint}") from None
