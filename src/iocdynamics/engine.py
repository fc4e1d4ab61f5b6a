"""The fast engine: code generated from the same sympy equations.

Two back ends share one integration semantics (PySD's):

* a **compiled kernel** (numba, ``cache=True``): straight-line scalar code per
  ensemble member, with every auxiliary that depends only on constants hoisted
  out of the time loop; members run in parallel threads;
* a **pure-numpy** path (used when numba is missing or fails): the same
  equations evaluated on arrays over the ensemble, one time step at a time.

Integration follows PySD exactly: Euler steps ``state + rate * dt``, the clock
advanced by repeated addition of ``dt``, outputs at a save time report the state
and auxiliaries at that time before the step, time-dependent inputs read at the
current grid point, and Vensim's ``MODULO(x, m) = x - m * INTEGER(x / m)``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.core.relational import Relational
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.logic.boolalg import BooleanAtom
from sympy.printing.pycode import PythonCodePrinter

from . import elementary
from .equations import build_model
from .structure import StockFlowModel

log = logging.getLogger(__name__)

BACKENDS = ("auto", "numba", "numpy")

_SUPPORTED = (sp.Symbol, sp.Number, sp.NumberSymbol, sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log,
              sp.tanh, sp.Abs, sp.Min, sp.Max, sp.floor, sp.ceiling, sp.sign, sp.Mod,
              sp.Piecewise, ExprCondPair, Relational, sp.And, sp.Or, sp.Not, sp.Xor, sp.ITE,
              BooleanAtom)
"""Expression nodes the engine evaluates reproducibly (see :mod:`iocdynamics.elementary`)."""


class UnsupportedExpressionError(ValueError):
    """An equation uses a function the engine has no reproducible definition of."""


def check_supported(name: str, expr: sp.Expr) -> None:
    """Raise :class:`UnsupportedExpressionError` if ``expr`` (the equation of ``name``)
    uses a function the generated code cannot evaluate the same way everywhere."""
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, _SUPPORTED):
            supported = ("+ - * / ** exp log tanh Abs Min Max floor ceiling sign Mod "
                         "Piecewise, comparisons and And/Or/Not")
            raise UnsupportedExpressionError(
                f"equation of '{name}': the fast engine cannot evaluate {type(node).__name__} "
                f"(in {node}); it supports {supported}. Rewrite the equation with these, "
                "or add a definition to iocdynamics/elementary.py and to the engine's printer.")


class _Printer(PythonCodePrinter):
    """Prints an equation as code that both back ends run unchanged.

    Numbers print as float literals; integer powers up to the fourth as products,
    square roots as ``_sqrt`` (exactly rounded); every other power, ``exp``, ``log``,
    ``tanh``, ``Min``, ``Max``, ``sign`` and ``Mod`` as calls of the shared
    definitions of :mod:`iocdynamics.elementary`; ``Piecewise`` as nested ``_select``
    (both branches evaluated, as in vector code); ``And``/``Or``/``Not`` as ``&``,
    ``|`` and ``^ True`` (element-wise on arrays, plain on scalars).
    """

    def __init__(self):
        super().__init__({"fully_qualified_modules": False, "inline": True,
                          "allow_unknown_functions": False})

    def _number(self, expr) -> str:
        return repr(float(expr))

    _print_Integer = _print_Float = _print_Rational = _print_Half = _number
    _print_Zero = _print_One = _print_NegativeOne = _number
    _print_NumberSymbol = _print_Pi = _print_Exp1 = _number

    def _print_Infinity(self, expr):
        return "_INF"

    def _print_NegativeInfinity(self, expr):
        return "(-_INF)"

    def _print_NaN(self, expr):
        return "_NAN"

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        b = self._print(base)
        if e.is_Integer and 1 <= abs(int(e)) <= 4:
            prod = "*".join([f"({b})"] * abs(int(e)))
            return f"({prod})" if int(e) > 0 else f"(1.0/({prod}))"
        if e == sp.S.Half:
            return f"_sqrt({b})"
        if e == -sp.S.Half:
            return f"(1.0/_sqrt({b}))"
        return f"_pow({b}, {self._print(e)})"

    def _call(self, fn, expr):
        return f"{fn}({', '.join(self._print(a) for a in expr.args)})"

    def _print_exp(self, expr):
        return self._call("_exp", expr)

    def _print_log(self, expr):
        return self._call("_log", expr)

    def _print_tanh(self, expr):
        return self._call("_tanh", expr)

    def _print_Abs(self, expr):
        return self._call("abs", expr)

    def _print_sign(self, expr):
        return self._call("_sign", expr)

    def _print_floor(self, expr):
        return self._call("_floor", expr)

    def _print_ceiling(self, expr):
        return self._call("_ceil", expr)

    def _print_Mod(self, expr):
        return self._call("_vmod", expr)

    def _fold(self, fn, args):
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{fn}({out}, {self._print(a)})"
        return out

    def _print_Min(self, expr):
        return self._fold("_min", expr.args)

    def _print_Max(self, expr):
        return self._fold("_max", expr.args)

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond == sp.true:
            out = self._print(last.expr)
        else:
            pieces.append(last)
            out = "_NAN"
        for e, c in reversed(pieces):
            out = f"_select({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_ITE(self, expr):
        return self._print(expr.rewrite(sp.Piecewise))

    def _join(self, op, args):
        return "(" + f" {op} ".join(f"({self._print(a)})" for a in args) + ")"

    def _print_And(self, expr):
        return self._join("&", expr.args)

    def _print_Or(self, expr):
        return self._join("|", expr.args)

    def _print_Xor(self, expr):
        return self._join("^", expr.args)

    def _print_Not(self, expr):
        return f"(({self._print(expr.args[0])}) ^ True)"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


def print_expression(name: str, expr: sp.Expr) -> str:
    """The code of ``expr`` (the equation of ``name``) for both back ends."""
    check_supported(name, expr)
    return _Printer().doprint(expr)


@dataclass(frozen=True)
class CompiledModel:
    """A stock-and-flow model compiled to numpy.

    Attributes
    ----------
    stocks : tuple of str
        Stock names, in state order.
    outputs : tuple of str
        Every variable the step function can report (stocks, auxiliaries, flows).
    parameters, inputs : tuple of str
        Constants and time-dependent inputs the equations refer to by name.
    source : str
        Generated Python source (for inspection).
    """

    stocks: tuple[str, ...]
    outputs: tuple[str, ...]
    parameters: tuple[str, ...]
    inputs: tuple[str, ...]
    source: str
    _initial: object
    _rates: object
    _report: object

    def initial(self, values: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Initial stock values given parameter and input values at time 0."""
        return list(self._initial(values))

    def rates(self, time: float, state: list, values: Mapping[str, np.ndarray]) -> list:
        """Net rate of every stock."""
        return self._rates(time, state, values)

    def report(self, time: float, state: list, values: Mapping[str, np.ndarray],
               names: tuple[str, ...]) -> list:
        """Values of the named variables at the given state."""
        full = self._report(time, state, values)
        return [full[n] for n in names]


def _initial_order(model: StockFlowModel) -> tuple[list[str], dict[str, sp.Expr]]:
    """Stocks in an order where each initial value depends only on earlier ones."""
    time_sym = model.symbols["time"]
    init = {s.name: model.resolve(s.initial).xreplace({time_sym: sp.Float(0.0)})
            for s in model.stocks}
    done: list[str] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in chain:
            raise ValueError(f"circular initial values: {' -> '.join(chain + (name,))}")
        for dep in sorted(str(x) for x in init[name].free_symbols):
            if dep in init:
                visit(dep, chain + (name,))
        done.append(name)

    for s in model.stocks:
        visit(s.name, ())
    return done, init


def _initial_program(model: StockFlowModel, skip: set[str] = frozenset()
                     ) -> list[tuple[str, sp.Expr]]:
    """Assignments that set every stock's initial value the way PySD does.

    Each stock's initial expression is evaluated as written, through the
    auxiliaries it names (computed at time 0 from the stocks initialised before
    it), so a stock initialised at an auxiliary's level equals that auxiliary
    exactly, as in PySD. ``skip`` names auxiliaries already computed.
    """
    done, _ = _initial_order(model)
    defs = {name: model.definitions[model.symbols[name]] for name in model.computation_order}
    stocks = {s.name: s for s in model.stocks}
    computed = set(skip)
    program: list[tuple[str, sp.Expr]] = []
    for name in done:
        expr = stocks[name].initial
        need: set[str] = set()
        todo = [str(x) for x in expr.free_symbols]
        while todo:
            dep = todo.pop()
            if dep in defs and dep not in computed and dep not in need:
                need.add(dep)
                todo += [str(x) for x in defs[dep].free_symbols]
        for aux in model.computation_order:
            if aux in need:
                program.append((aux, defs[aux]))
                computed.add(aux)
        program.append((name, expr))
    return program


def _net_rates(model: StockFlowModel) -> list[str]:
    nets = []
    for s in model.stocks:
        terms = ""
        for f in model.stock_flows(s.name):
            terms += ("+" if f.direction == "in" else "-") + f.name
        nets.append(f"({terms})")
    return nets


def _generate(model: StockFlowModel) -> str:
    stocks = [s.name for s in model.stocks]
    given = [p.name for p in model.parameters] + [i.name for i in model.inputs]
    lines = ["def initial(v):"]
    for n in given:
        lines.append(f"    {n} = v['{n}']")
    lines.append("    time = numpy.float64(0.0)")
    for name, expr in _initial_program(model):
        lines.append(f"    {name} = {print_expression(name, expr)}")
    lines.append("    return (" + ", ".join(stocks) + ",)")
    lines.append("")

    def body(indent="    "):
        out = []
        for n in given:
            out.append(f"{indent}{n} = v['{n}']")
        out.append(f"{indent}(" + ", ".join(stocks) + ",) = state")
        for name in model.computation_order:
            expr = model.definitions[model.symbols[name]]
            out.append(f"{indent}{name} = {print_expression(name, expr)}")
        return out

    lines.append("def rates(time, state, v):")
    lines += body()
    lines.append("    return [" + ", ".join(_net_rates(model)) + "]")
    lines.append("")
    lines.append("def report(time, state, v):")
    lines += body()
    names = stocks + list(model.computation_order)
    lines.append("    return {" + ", ".join(f"'{n}': {n}" for n in names) + "}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=4)
def compile_model(model: StockFlowModel | None = None) -> CompiledModel:
    """Compile ``model`` (default: the collaboration model) to numpy functions."""
    model = model or build_model()
    src = _generate(model)
    namespace = dict(elementary.NUMPY_NAMESPACE)
    exec(compile(src, f"<iocdynamics generated {model.name}>", "exec"), namespace)
    outputs = tuple([s.name for s in model.stocks] + list(model.computation_order))
    return CompiledModel(
        stocks=tuple(s.name for s in model.stocks),
        outputs=outputs,
        parameters=tuple(p.name for p in model.parameters),
        inputs=tuple(i.name for i in model.inputs),
        source=src,
        _initial=namespace["initial"],
        _rates=namespace["rates"],
        _report=namespace["report"],
    )


def time_grid(final_time: float, time_step: float, initial_time: float = 0.0) -> np.ndarray:
    """The clock values PySD visits: repeated addition of ``time_step``."""
    times = [initial_time]
    t = initial_time
    while t + time_step * 1e-10 < final_time:
        t = t + time_step
        times.append(t)
    return np.array(times)


def save_indices(grid: np.ndarray, save_times: np.ndarray, time_step: float) -> np.ndarray:
    """Grid indices of the requested save times (matched within a step fraction)."""
    idx = np.searchsorted(grid, save_times - time_step * 1e-10)
    idx = np.clip(idx, 0, len(grid) - 1)
    bad = np.abs(grid[idx] - save_times) > time_step * 1e-6
    if bad.any():
        raise ValueError(f"save times {save_times[bad][:3]} are not on the time grid "
                         f"(time step {time_step})")
    return idx


# ------------------------------------------------------------ compiled kernel
def time_varying_names(model: StockFlowModel | None = None) -> tuple[str, ...]:
    """Names a scenario may make time-dependent, besides the event inputs:
    ``leadership_quality`` (leadership changes) and every lever (lever changes)."""
    model = model or build_model()
    return tuple(p.name for p in model.parameters
                 if p.group == "lever" or p.name == "leadership_quality")


def kernel_varying(series_names) -> tuple[str, ...]:
    """The canonical set of per-step inputs of the kernel that serves ``series_names``.

    Two kernels cover every scenario: one for events only (every other value is a
    constant, hoisted out of the time loop where possible), one that also reads
    ``leadership_quality`` and every lever per step (leadership changes with a
    new quality, lever changes).
    """
    model = build_model()
    base = tuple(i.name for i in model.inputs)
    extra = set(series_names) - set(base)
    if not extra:
        return base
    allowed = time_varying_names(model)
    bad = sorted(extra - set(allowed))
    if bad:
        raise ValueError(f"{bad} cannot vary in time (only event inputs, "
                         "leadership_quality and levers can)")
    return base + allowed


def _kernel_source(model: StockFlowModel, varying: tuple[str, ...]) -> tuple[str, dict]:
    """Scalar numba source of the ensemble kernel, and facts about it."""
    stocks = [s.name for s in model.stocks]
    params = [p.name for p in model.parameters] + [i.name for i in model.inputs]
    constants = [n for n in params if n not in varying]
    order = list(model.computation_order)
    defs = {name: model.definitions[model.symbols[name]] for name in order}
    fixed = set(constants)
    hoisted = []
    for name in order:
        if {str(s) for s in defs[name].free_symbols} <= fixed:
            fixed.add(name)
            hoisted.append(name)
    per_step = [n for n in order if n not in fixed]
    record = stocks + order
    nets = _net_rates(model)

    L = ["# generated by iocdynamics.engine from the sympy equations; do not edit",
         elementary.numba_source(), "from numba import prange", "", "",
         "@njit(cache=True, error_model='numpy', nogil=True)",
         "def one(_p, _s, _save, _cols, _dt, _n, _o):"]
    ind = "    "
    for i, n in enumerate(constants):
        L.append(f"{ind}{n} = _p[{i}]")
    for i, n in enumerate(varying):
        L.append(f"{ind}{n} = _s[{i}, 0]")
    for n in hoisted:
        L.append(f"{ind}{n} = {print_expression(n, defs[n])}")
    L.append(f"{ind}time = 0.0")
    for n, expr in _initial_program(model, set(hoisted)):
        L.append(f"{ind}{n} = {print_expression(n, expr)}")
    L.append(f"{ind}_rec = np.empty({len(record)})")
    L.append(f"{ind}_j = 0")
    L.append(f"{ind}for _k in range(_n + 1):")
    ind2 = ind * 2
    for i, n in enumerate(varying):
        L.append(f"{ind2}{n} = _s[{i}, _k]")
    for n in per_step:
        L.append(f"{ind2}{n} = {print_expression(n, defs[n])}")
    L.append(f"{ind2}if _save[_k]:")
    for i, n in enumerate(record):
        L.append(f"{ind2}    _rec[{i}] = {n}")
    L.append(f"{ind2}    for _c in range(_cols.shape[0]):")
    L.append(f"{ind2}        _o[_j, _c] = _rec[_cols[_c]]")
    L.append(f"{ind2}    _j += 1")
    L.append(f"{ind2}if _k == _n:")
    L.append(f"{ind2}    break")
    for i, net in enumerate(nets):
        L.append(f"{ind2}_d{i} = {net}")
    for i, n in enumerate(stocks):
        L.append(f"{ind2}{n} = {n} + _d{i}*_dt")
    L.append(f"{ind2}time = time + _dt")
    L.append("")
    L.append("")
    L.append("@njit(cache=True, error_model='numpy', nogil=True)")
    L.append("def run_serial(_P, _S, _sidx, _save, _cols, _dt, _n, _out):")
    L.append("    for _m in range(_P.shape[0]):")
    L.append("        one(_P[_m], _S[_sidx[_m]], _save, _cols, _dt, _n, _out[_m])")
    L.append("")
    L.append("")
    L.append("@njit(cache=True, error_model='numpy', nogil=True, parallel=True)")
    L.append("def run_parallel(_P, _S, _sidx, _save, _cols, _dt, _n, _out):")
    L.append("    for _m in prange(_P.shape[0]):")
    L.append("        one(_P[_m], _S[_sidx[_m]], _save, _cols, _dt, _n, _out[_m])")
    src = "\n".join(L) + "\n"
    facts = {"constants": tuple(constants), "varying": tuple(varying),
             "record": tuple(record), "hoisted": tuple(hoisted),
             "per_step": tuple(per_step)}
    return src, facts


def _count_flops(exprs) -> int:
    """Arithmetic operations (add, mul, div, pow, comparisons, functions) in ``exprs``."""
    return int(sum(sp.count_ops(e, visual=False) for e in exprs))


@dataclass(frozen=True)
class Kernel:
    """The compiled ensemble kernel for one set of per-step inputs.

    Attributes
    ----------
    constants : tuple of str
        Column order of the parameter matrix ``P`` (members x constants).
    varying : tuple of str
        Row order of the series array ``S`` (sets x varying x time).
    record : tuple of str
        Every reportable variable (stocks, then auxiliaries and flows).
    flops_per_step : int
        Operations per member and time step inside the loop, counted on the
        sympy expressions (hoisted constant auxiliaries excluded; two per stock
        for the Euler update).
    backend : str
        ``"numba"`` or ``"numpy"``.
    source : str
        The generated kernel module (numba source; the numpy back end evaluates
        the same equations and elementary functions).
    """

    constants: tuple[str, ...]
    varying: tuple[str, ...]
    record: tuple[str, ...]
    flops_per_step: int
    backend: str
    source: str
    _module: object

    @property
    def version(self) -> str:
        """A hash of the generated code of both back ends (equations, elementary
        functions, integration scheme): results of equal versions are equal."""
        h = hashlib.sha256(self.source.encode())
        h.update(compile_model().source.encode())
        return h.hexdigest()[:16]

    def run(self, P: np.ndarray, S: np.ndarray, sidx: np.ndarray, save_mask: np.ndarray,
            columns: tuple[str, ...], time_step: float, parallel: bool | None = None
            ) -> np.ndarray:
        """Integrate every member; returns ``(members, n_save, len(columns))``."""
        P = np.ascontiguousarray(P, dtype=np.float64)
        S = np.ascontiguousarray(S, dtype=np.float64)
        sidx = np.ascontiguousarray(sidx, dtype=np.int64)
        save_mask = np.ascontiguousarray(save_mask, dtype=np.bool_)
        n = S.shape[2] - 1
        pos = {c: i for i, c in enumerate(self.record)}
        try:
            cols = np.array([pos[c] for c in columns], dtype=np.int64)
        except KeyError as exc:
            raise KeyError(f"unknown output column {exc.args[0]!r}") from None
        out = np.empty((P.shape[0], int(save_mask.sum()), len(columns)))
        if self.backend == "numba":
            if parallel is None:
                parallel = P.shape[0] >= 64
            fn = self._module.run_parallel if parallel else self._module.run_serial
            fn(P, S, sidx, save_mask, cols, float(time_step), n, out)
            return out
        return _run_numpy(self, P, S, sidx, save_mask, columns, time_step, out)


def _run_numpy(kernel: Kernel, P, S, sidx, save_mask, columns, time_step, out):
    constants = {n: P[:, i] for i, n in enumerate(kernel.constants)}
    if S.shape[0] == 1:
        series = {n: S[0, i, :] for i, n in enumerate(kernel.varying)}
    else:
        series = {n: S[sidx, i, :].T for i, n in enumerate(kernel.varying)}
    res = _integrate_numpy(compile_model(), constants, series, S.shape[2] - 1, time_step,
                           np.flatnonzero(save_mask), columns, P.shape[0])
    for j, c in enumerate(columns):
        out[:, :, j] = res[c].T
    return out


def _cache_dir() -> Path:
    env = os.environ.get("IOCDYNAMICS_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME",
                                                     Path.home() / ".cache")) / "iocdynamics"
    d = base / "kernels"
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / ".write-probe"
        probe.touch()
        probe.unlink()
        return d
    except OSError:
        d = Path(tempfile.gettempdir()) / f"iocdynamics-kernels-{os.getuid()}"
        d.mkdir(parents=True, exist_ok=True)
        return d


def _load_numba_module(src: str):
    """Write ``src`` once to the kernel cache and import it (numba caches beside it)."""
    import numba  # noqa: F401  (ImportError -> numpy fallback)

    digest = hashlib.sha256(src.encode()).hexdigest()[:16]
    name = f"iocdynamics_kernel_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = _cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != src:
        from .io import atomic_write_text

        atomic_write_text(path, src)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


_KERNELS: dict[tuple[tuple[str, ...], str], Kernel] = {}


def numba_available() -> bool:
    """Whether numba can be imported."""
    return importlib.util.find_spec("numba") is not None


def get_kernel(varying: tuple[str, ...] | None = None, backend: str = "auto") -> Kernel:
    """The ensemble kernel for ``varying`` per-step inputs (compiled lazily, cached).

    Parameters
    ----------
    varying : tuple of str, optional
        Names given as time series (default: the event inputs only); the kernel
        serving them is chosen by :func:`kernel_varying`.
    backend : {"auto", "numba", "numpy"}
        ``"auto"`` uses numba when it imports and compiles, else numpy.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    key = (tuple(varying or ()), backend)
    if key in _KERNELS:
        return _KERNELS[key]
    varying = kernel_varying(varying or ())
    key2 = (varying, backend)
    if key2 in _KERNELS:
        _KERNELS[key] = _KERNELS[key2]
        return _KERNELS[key2]
    key = key2
    if key in _KERNELS:
        return _KERNELS[key]
    model = build_model()
    src, facts = _kernel_source(model, varying)
    step_exprs = [model.definitions[model.symbols[n]] for n in facts["per_step"]]
    flops = _count_flops(step_exprs) + 2 * len(model.stocks)
    used = "numpy"
    module = None
    if backend in ("auto", "numba"):
        try:
            module = _load_numba_module(src)
            _warm(module, len(facts["constants"]), len(varying))
            used = "numba"
        except Exception as exc:  # numba missing or failing: the numpy path is exact too
            if backend == "numba":
                raise
            log.warning("numba kernel unavailable (%s); using the numpy engine", exc)
            module = None
    kernel = Kernel(constants=facts["constants"], varying=varying, record=facts["record"],
                    flops_per_step=flops, backend=used, source=src, _module=module)
    _KERNELS[key] = kernel
    return kernel


def _warm(module, n_const: int, n_var: int) -> None:
    """Compile (or load from the cache) both entry points with the working types."""
    P = np.ones((1, n_const))
    S = np.zeros((1, n_var, 2))
    sidx = np.zeros(1, dtype=np.int64)
    save = np.ones(2, dtype=np.bool_)
    cols = np.zeros(1, dtype=np.int64)
    out = np.empty((1, 2, 1))
    module.run_serial(P, S, sidx, save, cols, 0.5, 1, out)
    module.run_parallel(P, S, sidx, save, cols, 0.5, 1, out)


# --------------------------------------------------------------- integration
def _integrate_numpy(cm: CompiledModel, constants, series, n_steps, time_step, save_idx,
                     columns, n_members):
    """The pure-numpy loop: arrays over members, one step at a time (floating-point
    exceptions give inf/NaN silently, as in the compiled kernel)."""
    with np.errstate(all="ignore"):
        return _integrate_numpy_loop(cm, constants, series, n_steps, time_step, save_idx,
                                     columns, n_members)


def _integrate_numpy_loop(cm, constants, series, n_steps, time_step, save_idx, columns,
                          n_members):
    values = dict(constants)
    for name, arr in series.items():
        values[name] = arr[0]
    out = {c: [] for c in columns}
    save_set = {int(i) for i in save_idx}
    state = cm.initial(values)
    t = np.float64(0.0)  # numpy scalar: a division by zero gives inf, as in the kernel
    for k in range(n_steps + 1):
        for name, arr in series.items():
            values[name] = arr[k]
        if k in save_set:
            for c, val in zip(columns, cm.report(t, state, values, columns)):
                out[c].append(np.broadcast_to(np.asarray(val, float), (n_members,)).copy())
        if k == n_steps:
            break
        r = cm.rates(t, state, values)
        state = [s + d * time_step for s, d in zip(state, r)]
        t = t + time_step
    return {c: np.stack(vs) for c, vs in out.items()}


def integrate(constants: Mapping[str, np.ndarray | float],
              series: Mapping[str, np.ndarray],
              final_time: float, time_step: float, save_times: np.ndarray,
              columns: tuple[str, ...], compiled: CompiledModel | None = None,
              backend: str = "auto") -> dict[str, np.ndarray]:
    """Euler-integrate the model.

    Parameters
    ----------
    constants : mapping
        Parameter (and constant input) values: scalars or arrays over the ensemble.
    series : mapping
        Time-dependent values: arrays whose first axis runs over the time grid
        (``len(time_grid(final_time, time_step))``), optionally with ensemble axes.
    final_time, time_step : float
    save_times : array
        Times to record (must lie on the grid).
    columns : tuple of str
        Variables to record.
    compiled : CompiledModel, optional
        A model other than the default one (then the numpy loop runs it).
    backend : {"auto", "numba", "numpy"}
        Compiled kernel (default when numba works) or the pure-numpy loop.

    Returns
    -------
    dict
        Column -> array of shape ``(len(save_times),) + ensemble_shape``.
    """
    default = compile_model()
    cm = compiled or default
    columns = tuple(columns)
    grid = time_grid(final_time, time_step)
    save_idx = save_indices(grid, np.asarray(save_times, dtype=float), time_step)
    missing = (set(cm.parameters) | set(cm.inputs)) - set(constants) - set(series)
    if missing:
        raise KeyError(f"no value given for {sorted(missing)}")
    for name, arr in series.items():
        if len(arr) != len(grid):
            raise ValueError(f"series {name!r} has {len(arr)} points; the grid has "
                             f"{len(grid)}")
    unknown = [c for c in columns if c not in cm.outputs]
    if unknown:
        raise KeyError(f"unknown output column(s) {unknown}")
    shapes = [np.shape(v) for v in constants.values()]
    shapes += [np.shape(v)[1:] for v in series.values()]
    shape = np.broadcast_shapes(*shapes) if shapes else ()
    m = int(np.prod(shape, dtype=np.int64))
    T = len(grid)

    def flat_c(v):
        return np.broadcast_to(np.asarray(v, float), shape).reshape(m)

    def flat_s(v):  # -> (T, m)
        a = np.asarray(v, float)
        return np.broadcast_to(a.reshape(T, -1) if a.ndim > 1 else a[:, None], (T, m))

    if cm is not default:
        res = _integrate_numpy(cm, {k: flat_c(v) for k, v in constants.items()},
                               {k: flat_s(v) for k, v in series.items()}, T - 1,
                               time_step, save_idx, columns, m)
        return {c: res[c].reshape((len(save_idx),) + shape) for c in columns}

    kernel = get_kernel(tuple(series), backend)
    save_mask = np.zeros(T, dtype=bool)
    save_mask[save_idx] = True
    if shape == () and all(np.ndim(v) == 1 for v in series.values()):  # one run
        P = np.array([[float(constants[n]) for n in kernel.constants]])
        S = np.empty((1, len(kernel.varying), T))
        for i, name in enumerate(kernel.varying):
            S[0, i] = series[name] if name in series else float(constants[name])
        out = kernel.run(P, S, np.zeros(1, dtype=np.int64), save_mask, columns, time_step,
                         parallel=False)
        return {c: out[0, :, j] for j, c in enumerate(columns)}
    P = np.empty((m, len(kernel.constants)))
    for j, name in enumerate(kernel.constants):
        P[:, j] = flat_c(constants[name])
    rows = [flat_s(series[n]) if n in series else
            np.broadcast_to(flat_c(constants[n])[None, :], (T, m)) for n in kernel.varying]
    shared = m > 0 and all(np.all(r == r[:, :1]) for r in rows)
    if shared:
        S = np.stack([r[:, 0] for r in rows])[None]
        sidx = np.zeros(m, dtype=np.int64)
    else:
        S = np.stack(rows, axis=0).transpose(2, 0, 1)
        sidx = np.arange(m, dtype=np.int64)
    out = kernel.run(P, S, sidx, save_mask, columns, time_step)
    return {c: out[:, :, j].T.reshape((len(save_idx),) + shape)
            for j, c in enumerate(columns)}
