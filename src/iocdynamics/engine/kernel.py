"""The compiled ensemble kernel: SIMD across members, threads over blocks of members.

Members run in blocks of :data:`LANES`. Every value a block needs (constants,
inputs, hoisted auxiliaries, stocks, recorded variables) lives in one scratch
array laid out ``[row, lane]``, members innermost and contiguous, and every time
step evaluates all equations in one loop over the lanes, which LLVM turns into
vector instructions (the elementary functions are written without branches or
calls for this). The last block is padded by repeating its last member, so every
member goes through the same code; lanes never interact, so a member's numbers
do not depend on its block, the chunking or the number of threads. Blocks run in
parallel threads (``prange``).

The kernel is generated from the model's :class:`~.program.Program`, written to
``~/.cache/iocdynamics/kernels/`` (or ``$IOCDYNAMICS_CACHE_DIR``) under a hash of
its source and compiled by numba once (``cache=True``). Without numba, the numpy
back end (:mod:`.numpy_model`) evaluates the same equations.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import logging
import os
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..model import build_model
from ..structure import StockFlowModel
from . import elementary
from .inputs import MemberInputs
from .numpy_model import compile_model, run_numpy
from .program import Program, build_program

log = logging.getLogger(__name__)

BACKENDS = ("auto", "numba", "numpy")

LANES = 8
"""Members per block: eight float64 values, two 256-bit vectors on AVX2 (two
independent chains of operations, which hide each other's latency) or one
512-bit vector on AVX-512 CPUs where LLVM chooses it. Lanes never interact, so
the numbers do not depend on the width (tested at 1, 4 and 8); it is fixed, so
that the kernel, and with it the engine version recorded in ensemble stores, is
the same on every machine."""


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


# ---------------------------------------------------------------- generation
def _rows(program: Program) -> dict[str, int]:
    """Row of every value in the block's scratch array."""
    names = list(program.constants)
    names += [f"_level_{v}" for v in program.varying]
    names += [f"_impulse_{v}" for v in program.varying]
    names += [n for n, _ in program.hoisted]
    names += [f"_state_{s}" for s in program.stocks]
    names += [f"_rec_{n}" for n in program.stocks + program.step_auxiliaries]
    return {n: i for i, n in enumerate(names)}


@lru_cache(maxsize=8)
def column_rows(program: Program) -> dict[str, int]:
    """Row holding each reportable variable at a saved step."""
    rows = _rows(program)
    out = {}
    for n in program.record:
        out[n] = rows[f"_rec_{n}"] if f"_rec_{n}" in rows else rows[n]
    return out


_ARGS = "_P, _V0, _first, _last, _cstep, _cvar, _cval, _cimp, _save, _colrow, _dt, _n, _out"


def _block_source(program: Program, name: str, lanes: int, record_always: bool) -> list[str]:
    """Source of the function that integrates one block of up to ``lanes`` members.

    With ``record_always`` every step stores the reportable values (one copy of
    the step's code: compiles in half the time, runs about a tenth slower);
    otherwise only saved steps do (two copies).
    """
    rows = _rows(program)
    n_rows = len(rows)
    nc, nv = len(program.constants), len(program.varying)
    rv = rows[f"_level_{program.varying[0]}"] if nv else 0
    ri = rows[f"_impulse_{program.varying[0]}"] if nv else 0

    def at(name: str) -> str:
        return f"_B[{rows[name] * lanes} + _i]"

    def lane_loop(ind: str, body: list[str]) -> list[str]:
        return [f"{ind}for _i in range({lanes}):"] + [f"{ind}    {b}" for b in body]

    loads_v = [f"{v} = {at(f'_level_{v}')} + {at(f'_impulse_{v}')}" for v in program.varying]
    init = [f"{n} = {at(n)}" for n in program.constants] + loads_v
    for n, code in program.hoisted:
        init += [f"{n} = {code}", f"{at(n)} = {n}"]
    init += [f"{n} = {code}" for n, code in program.initial]
    init += [f"{at(f'_state_{s}')} = {s}" for s in program.stocks]

    def step(record: bool) -> list[str]:
        b = [f"{n} = {at(n)}" for n in program.reads] + loads_v
        b += [f"{s} = {at(f'_state_{s}')}" for s in program.stocks]
        b += [f"{n} = {code}" for n, code in program.step]
        if record:
            b += [f"{at(f'_rec_{n}')} = {n}"
                  for n in program.stocks + program.step_auxiliaries]
        b += [f"_d{i} = {net}" for i, net in enumerate(program.nets)]
        b += [f"{at(f'_state_{s}')} = {s} + _d{i}*_dt" for i, s in enumerate(program.stocks)]
        return b

    save = ["for _c in range(_colrow.shape[0]):",
            f"    _r = _colrow[_c] * {lanes}",
            f"    for _i in range(min({lanes}, _hi - _lo)):",
            "        _out[_lo + _i, _c, _j] = _B[_r + _i]",
            "_j += 1"]
    L = ["@njit(cache=True, error_model='numpy', nogil=True)",
         f"def {name}({_ARGS}, _lo, _hi):",
         f"    _B = np.empty({n_rows * lanes})",
         f"    _ptr = np.empty({lanes}, np.int64)",
         f"    _end = np.empty({lanes}, np.int64)",
         "    _next = _n + 1",
         f"    for _i in range({lanes}):",
         "        _m = min(_lo + _i, _hi - 1)  # the last block repeats its last member",
         f"        for _c in range({nc}):",
         f"            _B[_c * {lanes} + _i] = _P[_m, _c]",
         f"        for _v in range({nv}):",
         f"            _B[({rv} + _v) * {lanes} + _i] = _V0[_m, _v]",
         f"            _B[({ri} + _v) * {lanes} + _i] = -0.0",
         "        _ptr[_i] = _first[_m]",
         "        _end[_i] = _last[_m]",
         "        if _ptr[_i] < _end[_i] and _cstep[_ptr[_i]] < _next:",
         "            _next = _cstep[_ptr[_i]]",
         "    _touched = False",
         "    _j = 0",
         "    time = 0.0",
         "    for _k in range(_n + 1):",
         "        if _k == _next:  # new levels and impulses of this step, lane by lane",
         "            _next = _n + 1",
         f"            for _i in range({lanes}):",
         "                _p = _ptr[_i]",
         "                while _p < _end[_i] and _cstep[_p] == _k:",
         "                    if _cimp[_p]:",
         f"                        _B[({ri} + _cvar[_p]) * {lanes} + _i] += _cval[_p]",
         "                        _touched = True",
         "                    else:",
         f"                        _B[({rv} + _cvar[_p]) * {lanes} + _i] = _cval[_p]",
         "                    _p += 1",
         "                _ptr[_i] = _p",
         "                if _p < _end[_i] and _cstep[_p] < _next:",
         "                    _next = _cstep[_p]",
         "        if _k == 0:"]
    L += lane_loop("            ", init)
    if record_always:
        L += lane_loop("        ", step(True))
        L += ["        if _save[_k]:"] + [f"            {x}" for x in save]
    else:
        L += ["        if _save[_k]:"]
        L += lane_loop("            ", step(True))
        L += [f"            {x}" for x in save]
        L += ["        else:"]
        L += lane_loop("            ", step(False))
    L += ["        if _touched:",
          f"            for _r in range({ri * lanes}, {(ri + nv) * lanes}):",
          "                _B[_r] = -0.0",
          "            _touched = False",
          "        time = time + _dt"]
    return L


def kernel_source(program: Program, lanes: int = LANES) -> str:
    """Numba source of the kernel for ``program``: blocks of ``lanes`` members, and a
    lone member (a single run, or the last member of an ensemble) in a block of
    one, which costs a wide block's time divided by about ``lanes``."""
    L = ["# generated by iocdynamics.engine from the sympy equations; do not edit",
         elementary.numba_source(), "from numba import prange", "",
         f"LANES = {lanes}", "", ""]
    L += _block_source(program, "_block", lanes, record_always=False) + ["", ""]
    L += _block_source(program, "_block_one", 1, record_always=True) + ["", ""]
    L += ["@njit(cache=True, error_model='numpy', nogil=True)",
          f"def _run_block({_ARGS}, _lo, _hi):",
          "    if _hi - _lo == 1:",
          f"        _block_one({_ARGS}, _lo, _hi)",
          "    else:",
          f"        _block({_ARGS}, _lo, _hi)",
          "", "",
          "@njit(cache=True, error_model='numpy', nogil=True)",
          f"def run_serial({_ARGS}):",
          "    _m = _P.shape[0]",
          "    for _b in range((_m + LANES - 1) // LANES):",
          f"        _run_block({_ARGS}, _b * LANES, min(_m, (_b + 1) * LANES))",
          "", "",
          "@njit(cache=True, error_model='numpy', nogil=True, parallel=True)",
          f"def run_parallel({_ARGS}):",
          "    _m = _P.shape[0]",
          "    for _b in prange((_m + LANES - 1) // LANES):",
          f"        _run_block({_ARGS}, _b * LANES, min(_m, (_b + 1) * LANES))"]
    return "\n".join(L) + "\n"


# ---------------------------------------------------------- operation counts
@lru_cache(maxsize=1)
def _function_ops() -> dict[str, int]:
    """Operations executed by each shared elementary function (bit casts free)."""
    counts: dict[str, int] = {"_select": 1, "_floor": 1, "_ceil": 1, "_trunc": 1,
                              "_sqrt": 1, "abs": 1, "_f2i": 0, "_i2f": 0}
    for f in elementary.SHARED:
        counts[f.__name__] = _count(ast.parse(inspect.getsource(f)), counts)
    return counts


def _count(tree: ast.AST, calls: dict[str, int]) -> int:
    n = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            n += 1
        elif isinstance(node, ast.Compare):
            n += len(node.ops)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            n += calls.get(node.func.id, 0)
    return n


def executed_ops(program: Program) -> int:
    """Arithmetic, comparison, select and integer operations executed per member and
    step, counted on the generated code with every elementary function expanded."""
    calls = _function_ops()
    code = [c for _, c in program.step] + list(program.nets)
    ops = sum(_count(ast.parse(c, mode="eval"), calls) for c in code)
    return ops + 2 * len(program.stocks) + len(program.varying)  # Euler update, inputs


# ------------------------------------------------------------------- loading
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


def load_numba_module(src: str):
    """Write ``src`` once to the kernel cache and import it (numba caches beside it)."""
    import numba  # noqa: F401  (ImportError -> numpy fallback)

    from ..io import atomic_write_text

    digest = hashlib.sha256(src.encode()).hexdigest()[:16]
    name = f"iocdynamics_kernel_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = _cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != src:
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


def numba_available() -> bool:
    """Whether numba can be imported."""
    return importlib.util.find_spec("numba") is not None


# -------------------------------------------------------------------- kernel
@dataclass(frozen=True)
class Kernel:
    """The ensemble kernel for one set of per-step inputs.

    Attributes
    ----------
    constants : tuple of str
        Column order of :attr:`MemberInputs.constants`.
    varying : tuple of str
        Column order of :attr:`MemberInputs.levels` (inputs read every step).
    record : tuple of str
        Every reportable variable (stocks, then auxiliaries and flows).
    flops_per_step : int
        The model's operations per member and step (sympy count; an elementary
        function counts one; two per stock for the Euler update).
    ops_per_step : int
        Operations the generated code executes per member and step, with the
        elementary functions expanded (see :func:`executed_ops`).
    backend : str
        ``"numba"`` or ``"numpy"``.
    lanes : int
        Members per block of the compiled kernel (:data:`LANES`).
    source : str
        The generated kernel module (numba source; the numpy back end evaluates
        the same equations and elementary functions).
    """

    program: Program
    flops_per_step: int
    ops_per_step: int
    backend: str
    source: str
    _module: object
    lanes: int = LANES
    _colrows: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def constants(self) -> tuple[str, ...]:
        return self.program.constants

    @property
    def varying(self) -> tuple[str, ...]:
        return self.program.varying

    @property
    def record(self) -> tuple[str, ...]:
        return self.program.record

    @property
    def version(self) -> str:
        """A hash of the generated code of both back ends (equations, elementary
        functions, integration scheme): results of equal versions are equal."""
        h = hashlib.sha256(self.source.encode())
        h.update(compile_model().source.encode())
        return h.hexdigest()[:16]

    def run(self, inputs: MemberInputs, save_mask: np.ndarray, columns: tuple[str, ...],
            time_step: float, parallel: bool | None = None,
            out: np.ndarray | None = None) -> np.ndarray:
        """Integrate every member; returns ``(members, len(columns), saved times)``.

        ``save_mask`` has one entry per grid point (``steps + 1``); ``parallel``
        (default: when there is more than one block) runs blocks in threads; ``out``
        (C-contiguous, of that shape) receives the result.
        """
        if inputs.constants.shape[1:] != (len(self.constants),) or \
                inputs.levels.shape[1:] != (len(self.varying),):
            raise ValueError(f"inputs have {inputs.constants.shape[1:]} constants and "
                             f"{inputs.levels.shape[1:]} per-step inputs; this kernel takes "
                             f"{len(self.constants)} and {len(self.varying)}")
        columns = tuple(columns)
        colrow = self._colrows.get(columns)  # rows of the columns, computed once
        if colrow is None:
            rows = column_rows(self.program)
            unknown = [c for c in columns if c not in rows]
            if unknown:
                raise KeyError(f"unknown output column(s) {unknown}")
            colrow = np.array([rows[c] for c in columns], dtype=np.int64)
            if len(self._colrows) >= 64:
                self._colrows.clear()
            self._colrows[columns] = colrow
        save_mask = np.ascontiguousarray(save_mask, dtype=np.bool_)
        shape = (inputs.n_members, len(columns), int(save_mask.sum()))
        if out is None:
            out = np.empty(shape)
        elif out.shape != shape or not out.flags.c_contiguous or out.dtype != np.float64:
            raise ValueError(f"out must be a C-contiguous float64 array of shape {shape}")
        if self.backend == "numpy":
            out[...] = run_numpy(compile_model(), inputs, self.constants, self.varying,
                                 save_mask, columns, time_step)
            return out
        if parallel is None:
            parallel = inputs.n_members > self.lanes
        fn = self._module.run_parallel if parallel else self._module.run_serial
        fn(inputs.constants, inputs.levels, inputs.first, inputs.last, inputs.step,
           inputs.var, inputs.value, inputs.impulse, save_mask, colrow, float(time_step),
           len(save_mask) - 1, out)
        return out


_KERNELS: dict[tuple[tuple[str, ...], str, int], Kernel] = {}


def get_kernel(varying: tuple[str, ...] | None = None, backend: str = "auto",
               lanes: int = LANES) -> Kernel:
    """The ensemble kernel for ``varying`` per-step inputs (compiled lazily, cached).

    Parameters
    ----------
    varying : tuple of str, optional
        Names given as time series (default: the event inputs only); the kernel
        serving them is chosen by :func:`kernel_varying`.
    backend : {"auto", "numba", "numpy"}
        ``"auto"`` uses numba when it imports and compiles, else numpy.
    lanes : int
        Members per block (default :data:`LANES`; other widths give the same
        numbers and exist to test that).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    key = (tuple(varying or ()), backend, lanes)
    if key in _KERNELS:
        return _KERNELS[key]
    canonical = (kernel_varying(varying or ()), backend, lanes)
    if canonical not in _KERNELS:
        _KERNELS[canonical] = _build(*canonical)
    _KERNELS[key] = _KERNELS[canonical]
    return _KERNELS[key]


def _build(varying: tuple[str, ...], backend: str, lanes: int = LANES) -> Kernel:
    program = build_program(build_model(), varying)
    src = kernel_source(program, lanes)
    used, module = "numpy", None
    if backend in ("auto", "numba"):
        try:
            module = load_numba_module(src)
            _warm(module, program)
            used = "numba"
        except Exception as exc:  # numba missing or failing: the numpy path is exact too
            if backend == "numba":
                raise
            log.warning("numba kernel unavailable (%s); using the numpy engine", exc)
            module = None
    return Kernel(program=program, flops_per_step=program.model_ops,
                  ops_per_step=executed_ops(program), backend=used, source=src,
                  _module=module, lanes=lanes)


def _warm(module, program: Program) -> None:
    """Compile (or load from the cache) both entry points with the working types."""
    inputs = MemberInputs.make(np.ones((1, len(program.constants))),
                               np.zeros((1, len(program.varying))))
    save = np.ones(2, dtype=np.bool_)
    out = np.empty((1, 1, 2))
    colrow = np.zeros(1, dtype=np.int64)
    for fn in (module.run_serial, module.run_parallel):
        fn(inputs.constants, inputs.levels, inputs.first, inputs.last, inputs.step,
           inputs.var, inputs.value, inputs.impulse, save, colrow, 0.5, 1, out)
