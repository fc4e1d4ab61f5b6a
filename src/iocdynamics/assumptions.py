"""Which of the model's assumptions a scenario switches on or off.

A parameter can have no effect in a scenario by construction: the confidence a
memorandum of understanding gives (``mou_confidence_weight``) cannot matter where
there is no contract, and the trust an MoU builds (``mou_assurance``, F4) is
switched off by a mandate. Sensitivity analyses and experiments that vary such a
parameter report a zero effect that is an assumption of the model, not a finding.

Everything here is read from the model's equations, generically: the scenario's
constants are substituted into every equation (constants that change during the
run -- lever changes, events, a new leader -- stay symbols), terms that become
constant are propagated, and what is left is the model *as this scenario runs it*
(:func:`reduced_equations`). Then

* a parameter is **inactive** when its symbol reaches no stock of the reduced
  model (:func:`inactive_parameters`);
* a **switch** is a term through which a parameter acts in the full model but which
  the scenario switches off, with the constants that decide it
  (:func:`switched_off`);
* two lever settings are **the same model** when their reduced equations and
  time-varying inputs coincide (:func:`model_fingerprint`); the constants that
  make them coincide are the assumptions that decide the comparison
  (:func:`deciding_assumptions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .model import build_model
from .registry import PARAMETERS
from .scenario import CONTRACT_FLAGS, Scenario, contract_name, load_scenario

_TOL = 1e-12


@dataclass(frozen=True)
class Decider:
    """A scenario constant whose value switches a term off (or makes two settings
    coincide)."""

    name: str
    value: float

    def words(self, values: Mapping[str, float] | None = None) -> str:
        """The constant in the scenario file's words (``contract = 'none'``,
        ``mandated = true``, ``mou_confidence_weight = 0.5``, ``no quick_win
        event``)."""
        p = PARAMETERS.get(self.name)
        if p is None and self.name.endswith("_input") and self.value == 0:
            return f"no {self.name.removesuffix('_input')} event"
        if self.name in CONTRACT_FLAGS and values is not None:
            return f"contract = '{contract_name(values)}'"
        if p is not None and p.kind == "bool":
            return f"{self.name} = {'true' if self.value else 'false'}"
        return f"{self.name} = {self.value:g}"


@dataclass(frozen=True)
class Switch:
    """A term through which ``parameter`` acts, switched off in a scenario.

    Attributes
    ----------
    parameter : str
        The registry name that enters the term.
    element : str
        The auxiliary, flow or stock initial value (``stock(0)``) whose equation
        holds the term.
    deciders : tuple of Decider
        Constants of the scenario each of which alone switches the term off (or,
        when none does alone, those without which it would be on); empty when
        only the constants together do.
    """

    parameter: str
    element: str
    deciders: tuple[Decider, ...]
    each_alone: bool = True

    def describe(self, values: Mapping[str, float] | None = None) -> str:
        """One sentence naming the term, its claims and what switches it off."""
        what = describe_element(self.element)
        words = [d.words(values) for d in self.deciders]
        if len(words) == 1:
            return f"{self.parameter} enters {what}, switched off here by {words[0]}"
        if words and self.each_alone:
            return (f"{self.parameter} enters {what}, switched off here by each of "
                    f"{', '.join(words[:-1])} and {words[-1]}")
        if words:
            return (f"{self.parameter} enters {what}, switched off here by "
                    f"{', '.join(words[:-1])} and {words[-1]} together")
        return f"{self.parameter} enters {what}, switched off here by the scenario's " \
               "constants together"


@dataclass(frozen=True)
class Inactive:
    """A varied parameter that has no effect in a scenario by construction."""

    parameter: str
    switches: tuple[Switch, ...]

    def describe(self, values: Mapping[str, float] | None = None) -> str:
        """Why the parameter cannot change any stock in this scenario."""
        if not self.switches:
            return f"{self.parameter}: reaches no stock in this scenario"
        parts = "; ".join(s.describe(values).removeprefix(f"{self.parameter} ")
                          for s in self.switches)
        return f"{self.parameter}: no effect by construction ({parts})"


def describe_element(name: str, long: bool = True) -> str:
    """``name (claims: description)`` of a model element (``long=False``: the
    claims only)."""
    m = build_model()
    base = name.removesuffix("(0)")
    e = m.elements.get(base)
    if e is None:
        return name
    claims = ", ".join(getattr(e, "claims", ()))
    desc = getattr(e, "description", "").rstrip(".")
    label = f"the initial value of {base}" if name.endswith("(0)") else base
    if not long:
        return f"{label} ({claims})" if claims else label
    return f"{label} ({claims + ': ' if claims else ''}{desc})"


# ------------------------------------------------------------------ reduction
def _varying_series(sc: Scenario) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Inputs and constants that change during the run, and the constant value of
    every other input series."""
    varying, constant = {}, {}
    for name, arr in sc.input_series().items():
        if np.ptp(arr) > 0:
            varying[name] = arr
        else:
            constant[name] = float(arr[0])
    return varying, constant


def _substitutions(sc: Scenario, keep: Iterable[str]) -> dict[sp.Symbol, sp.Expr]:
    m = build_model()
    S = m.symbols
    keep = set(keep)
    varying, constant = _varying_series(sc)
    sub: dict[sp.Symbol, sp.Expr] = {}
    for p in m.parameters:
        if p.name in keep or p.name in varying:
            continue
        sub[S[p.name]] = sp.Float(constant.get(p.name, sc.values[p.name]))
    for i in m.inputs:
        if i.name in keep or i.name in varying:
            continue
        sub[S[i.name]] = sp.Float(constant.get(i.name, 0.0))
    return sub


def reduced_equations(scenario, keep: Iterable[str] = ()) -> dict[str, sp.Expr]:
    """Every equation of the model as ``scenario`` runs it.

    Parameters
    ----------
    scenario : path, dict or Scenario
    keep : iterable of str
        Registry names to leave as symbols (the parameters being varied).

    Returns
    -------
    dict
        Auxiliary or flow name -> its equation, and ``"stock(0)"`` -> the stock's
        initial value, with the scenario's constants substituted (except ``keep``
        and constants that change during the run) and every auxiliary that became
        a number propagated into the equations that use it.
    """
    m = build_model()
    sc = load_scenario(scenario)
    sub = _substitutions(sc, keep)
    out: dict[str, sp.Expr] = {}
    for name in m.computation_order:
        expr = m.definitions[m.symbols[name]].xreplace(sub)
        out[name] = expr
        if not expr.free_symbols:
            sub[m.symbols[name]] = expr
    for st in m.stocks:
        out[f"{st.name}(0)"] = st.initial.xreplace(sub)
    return out


def _live(reduced: Mapping[str, sp.Expr]) -> set[str]:
    """Elements on which some stock depends in the reduced model."""
    m = build_model()
    stocks = {s.name for s in m.stocks}
    deps = {name: {str(s) for s in expr.free_symbols} for name, expr in reduced.items()}
    for s in stocks:
        deps[s] = {f.name for f in m.stock_flows(s)} | {f"{s}(0)"}
    live: set[str] = set()
    todo = list(stocks)
    while todo:
        n = todo.pop()
        if n in live:
            continue
        live.add(n)
        todo.extend(d for d in deps.get(n, ()) if d not in live)
    return live


def _direct_users(name: str) -> list[str]:
    """Elements whose own equation (as written) names ``name``."""
    m = build_model()
    sym = m.symbols[name]
    out = [n for n in m.computation_order if sym in m.definitions[m.symbols[n]].free_symbols]
    out += [f"{s.name}(0)" for s in m.stocks if sym in s.initial.free_symbols]
    return out


def _expression(element: str) -> sp.Expr:
    m = build_model()
    if element.endswith("(0)"):
        st = next(s for s in m.stocks if s.name == element[:-3])
        return m.resolve(st.initial)
    return m.resolve(m.definitions[m.symbols[element]])


def _switch(sc: Scenario, element: str, parameter: str, keep: Iterable[str],
            sub: Mapping[sp.Symbol, sp.Expr] | None = None) -> Switch:
    """The constants of ``sc`` that switch ``parameter`` out of ``element``.

    First the constants each of which alone, at its scenario value, removes the
    parameter from the element's equation (every other constant left free);
    failing that, those that keep it out (left free, the parameter returns).
    """
    m = build_model()
    S = m.symbols
    sub = dict(sub if sub is not None else _substitutions(sc, keep))
    expr = _expression(element)
    target = S[parameter]
    candidates = [c for c in sorted(expr.free_symbols - {target}, key=str) if c in sub]
    alone = [Decider(str(c), float(sub[c])) for c in candidates
             if target not in expr.xreplace({c: sub[c]}).free_symbols]
    if alone:
        return Switch(parameter, element, tuple(alone), True)
    out = []
    for c in candidates:
        trial = {k: v for k, v in sub.items() if k != c}
        if target in expr.xreplace(trial).free_symbols:
            out.append(Decider(str(c), float(sub[c])))
    return Switch(parameter, element, tuple(out), False)


def switched_off(scenario, names: Iterable[str], keep: Iterable[str] = ()
                 ) -> list[Switch]:
    """The terms through which ``names`` act that ``scenario`` switches off.

    Parameters
    ----------
    scenario : path, dict or Scenario
    names : iterable of str
        Registry names (a lever, a context variable, a constant).
    keep : iterable of str
        Further names varied at the same time (left as symbols).

    Returns
    -------
    list of Switch
        One per (name, element) where the name enters the element's equation in
        the full model but not in the scenario's reduced model (or the element
        no longer reaches any stock).
    """
    sc = load_scenario(scenario)
    names = list(dict.fromkeys(names))
    kept = set(keep) | set(names)
    reduced = reduced_equations(sc, kept)
    live = _live(reduced)
    sub = _substitutions(sc, kept)
    m = build_model()
    out = []
    for name in names:
        sym = m.symbols[name]
        for el in _direct_users(name):
            alive = el in live and sym in reduced[el].free_symbols
            if not alive:
                out.append(_switch(sc, el, name, kept, sub))
    return out


def inactive_parameters(scenario, names: Iterable[str], keep: Iterable[str] = ()
                        ) -> list[Inactive]:
    """The parameters among ``names`` that can change no stock of ``scenario``.

    Parameters
    ----------
    scenario : path, dict or Scenario
    names : iterable of str
        Registry names varied together (each is left as a symbol).
    keep : iterable of str
        Further names varied at the same time.

    Returns
    -------
    list of Inactive
        In the order of ``names``; each with the switched-off terms it enters.
    """
    sc = load_scenario(scenario)
    names = list(dict.fromkeys(names))
    kept = set(keep) | set(names)
    reduced = reduced_equations(sc, kept)
    live = _live(reduced)
    m = build_model()
    reach = set()
    for el in live:
        if el in reduced:
            reach |= {str(s) for s in reduced[el].free_symbols}
    varying, _ = _varying_series(sc)
    out = []
    sub = _substitutions(sc, kept)
    for name in names:
        if name in reach or name in varying:
            continue
        sym = m.symbols[name]
        switches = tuple(_switch(sc, el, name, kept, sub)
                         for el in _direct_users(name)
                         if not (el in live and sym in reduced[el].free_symbols))
        out.append(Inactive(name, switches))
    return out


# ------------------------------------------------------------------ comparisons
def _clean(expr: sp.Expr) -> sp.Expr:
    """``expr`` with floating-point dust (|x| < 1e-12) set to zero."""
    dust = {f: sp.Integer(0) for f in expr.atoms(sp.Float) if abs(f) < _TOL}
    return expr.xreplace(dust) if dust else expr


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    if a == b:
        return True
    return _clean(sp.expand(a - b)) == 0


def model_fingerprint(scenario, keep: Iterable[str] = ()) -> tuple:
    """What makes two settings the same model: the reduced equations, the clock and
    the inputs that change during the run. Compare with :func:`same_model`."""
    sc = load_scenario(scenario)
    varying, _ = _varying_series(sc)
    return (reduced_equations(sc, keep),
            (sc.final_time, sc.time_step, sc.save_interval),
            {k: v.tobytes() for k, v in sorted(varying.items())})


def same_model(a: tuple, b: tuple) -> bool:
    """Whether two :func:`model_fingerprint` results describe the same model."""
    (ea, ca, sa), (eb, cb, sb) = a, b
    if ca != cb or sa != sb or ea.keys() != eb.keys():
        return False
    return all(_same(ea[k], eb[k]) for k in ea)


def identical_settings(scenarios: Sequence, keep: Iterable[str] = ()) -> list[int]:
    """For each scenario, the index of the first one that is the same model (itself
    when none earlier is)."""
    keep = tuple(keep)
    prints = [model_fingerprint(s, keep) for s in scenarios]
    out: list[int] = []
    for i, fp in enumerate(prints):
        first = i
        for j in range(i):
            if out[j] == j and same_model(prints[j], fp):
                first = j
                break
        out.append(first)
    return out


def deciding_assumptions(a, b, keep: Iterable[str] = ()
                         ) -> list[tuple[str, Decider | None]]:
    """Why two settings that differ in their levers give the same model.

    Parameters
    ----------
    a, b : Scenario (or path, dict)
        Two settings, identical in every constant but a few (the levers).
    keep : iterable of str
        Names varied in both (left as symbols).

    Returns
    -------
    list of (element, Decider or None)
        For each element that the differing constants enter and where ``a`` and
        ``b`` agree, the constants of the scenario whose value makes them agree
        there (left free, the two settings would differ; failing that, those each
        of which alone makes them agree), or ``None`` when the equation's form
        itself (an equal-weight average, say) gives both the same value whatever
        the constants.
    """
    sa, sb = load_scenario(a), load_scenario(b)
    diff = sorted(k for k in sa.values if sa.values[k] != sb.values[k])
    m = build_model()
    S = m.symbols
    kept = set(keep) | set(diff)
    sub = _substitutions(sa, kept)
    va = {S[k]: sp.Float(sa.values[k]) for k in diff}
    vb = {S[k]: sp.Float(sb.values[k]) for k in diff}
    out: list[tuple[str, Decider]] = []
    users = dict.fromkeys(el for k in diff for el in _direct_users(k))
    for el in users:
        expr = _expression(el)
        if not _same(expr.xreplace(sub).xreplace(va), expr.xreplace(sub).xreplace(vb)):
            continue
        if _same(expr.xreplace(va), expr.xreplace(vb)):
            out.append((el, None))  # the form of the equation, whatever its constants
            continue
        cands = [c for c in sorted(expr.free_symbols, key=str) if c in sub]
        necessary = []
        for c in cands:
            trial = {k: v for k, v in sub.items() if k != c}
            if not _same(expr.xreplace(trial).xreplace(va), expr.xreplace(trial).xreplace(vb)):
                necessary.append(c)
        if not necessary:  # several constants each make them agree alone
            necessary = [c for c in cands
                         if _same(expr.xreplace({c: sub[c]}).xreplace(va),
                                  expr.xreplace({c: sub[c]}).xreplace(vb))]
        out += [(el, Decider(str(c), float(sub[c]))) for c in necessary]
    return out
