"""Same numbers from both back ends on every CPU.

The engine's elementary functions (power, exp, log, tanh, ...) are defined once
from exactly rounded operations (:mod:`iocdynamics.elementary`) and evaluated by
numpy and by the numba kernel alike. These tests check that the two bindings give
the same bits, that the functions are accurate (against mpmath), that the whole
engine gives identical numbers from both back ends and any thread count, and
that the comparison would catch a power taken from another library (numpy's
``np.power`` is dispatched to AVX-512 code on some CPUs, glibc's ``pow`` to an
FMA variant on others). CI runs this file again with numpy's AVX-512 dispatch
disabled (``.ci/run``).
"""

from __future__ import annotations

import importlib.util

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from iocdynamics import engine
from iocdynamics.engine import elementary
from iocdynamics.ensembles import sample_parameters, simulate_ensemble

from .conftest import bundled
from .test_engine_agreement import random_scenario

LOOPS = '''

@njit(error_model="numpy")
def loop1(f, x, out):
    for i in range(x.shape[0]):
        out[i] = f(x[i])


@njit(error_model="numpy")
def loop2(f, x, y, out):
    for i in range(x.shape[0]):
        out[i] = f(x[i], y[i])
'''

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 2.5, -2.5,
                    np.inf, -np.inf, np.nan, 1e-310, -1e-310, 5e-324, 1e308, 709.0, -745.0])


def _import(path, source):
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def numba_elementary(tmp_path_factory):
    """The shared definitions compiled by numba, with element-wise loops."""
    return _import(tmp_path_factory.mktemp("nb") / "elementary_numba.py",
                   elementary.numba_source() + LOOPS)


def _inputs():
    rng = np.random.default_rng(20240601)
    n = 20_000
    unit = rng.uniform(0, 1, n)  # Hill-function bases, levels on 0..1
    wide = np.exp(rng.uniform(-700, 700, n))
    pairs = {
        "hill": (unit, rng.uniform(1, 12, n)),
        "wide": (wide, rng.uniform(-1.5, 1.5, n)),
        "special": tuple(a.ravel() for a in np.meshgrid(SPECIAL, SPECIAL)),
    }
    singles = {"exp": np.concatenate([rng.uniform(-745, 709, n), SPECIAL]),
               "log": np.concatenate([wide, unit, SPECIAL]),
               "tanh": np.concatenate([rng.normal(0, 3, n), rng.uniform(-0.4, 0.4, n),
                                       SPECIAL]),
               "sign": SPECIAL}
    return pairs, singles


def _same_bits(a, b) -> bool:
    """Equal bit patterns (NaN equals NaN of the same payload, 0.0 differs from -0.0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def test_numpy_and_numba_evaluate_the_elementary_functions_to_the_same_bits(
        numba_elementary):
    pairs, singles = _inputs()
    for name, (x, y) in pairs.items():
        out = np.empty_like(x)
        numba_elementary.loop2(numba_elementary._pow, x, y, out)
        with np.errstate(all="ignore"):
            ref = elementary.FUNCTIONS["pow"](x, y)
        assert _same_bits(out, ref), name
    for name, x in singles.items():
        out = np.empty_like(x)
        numba_elementary.loop1(getattr(numba_elementary, f"_{name}"), x, out)
        with np.errstate(all="ignore"):
            ref = elementary.FUNCTIONS[name](x)
        assert _same_bits(out, ref), name
    x, m = np.meshgrid(np.linspace(-50, 50, 101), [0.0, 1e-7, 0.5, 1.0, 6.0, 12.0])
    out = np.empty(x.size)
    numba_elementary.loop2(numba_elementary._vmod, x.ravel(), m.ravel(), out)
    with np.errstate(all="ignore"):
        assert _same_bits(out, elementary.FUNCTIONS["mod"](x.ravel(), m.ravel()))


def _ulps(got: float, exact) -> float:
    spacing = float(np.spacing(abs(float(exact))))
    return float(abs(mpmath.mpf(got) - exact)) / spacing


@pytest.mark.parametrize(("name", "limit"), [("exp", 1.5), ("log", 1.5), ("tanh", 3.0)])
def test_elementary_functions_are_within_their_stated_error_of_the_exact_value(name, limit):
    mpmath.mp.prec = 160
    rng = np.random.default_rng(7)
    f = elementary.FUNCTIONS[name]
    worst = 0.0
    for _ in range(400):
        x = {"exp": lambda: rng.uniform(-700, 700), "log": lambda: np.exp(
            rng.uniform(-700, 700)) if rng.random() < 0.5 else rng.uniform(0.5, 2),
             "tanh": lambda: rng.normal(0, 2)}[name]()
        got, exact = f(float(x)), getattr(mpmath, name)(mpmath.mpf(float(x)))
        if exact != 0:
            worst = max(worst, _ulps(float(got), exact))
    assert worst <= limit, (name, worst)


def test_power_is_within_its_stated_relative_error_of_the_exact_value():
    """``pow`` is plain double arithmetic: its relative error grows with the size of
    ``t = y log2|x|`` (the rounding of ``t`` is an absolute error of the exponent),
    and the module states at most ``(2 + 3|t|) 2**-53``. Hill-function bases and
    exponents, a wide range of bases, and large exponents."""
    mpmath.mp.prec = 160
    rng = np.random.default_rng(7)
    f = elementary.FUNCTIONS["pow"]
    worst, worst_hill = 0.0, 0.0
    for case in ("hill", "wide", "steep") * 200:
        x, y = {"hill": lambda: (rng.uniform(0, 1), rng.uniform(0.5, 12)),
                "wide": lambda: (np.exp(rng.uniform(-300, 300)), rng.uniform(-2, 2)),
                "steep": lambda: (np.exp(rng.uniform(-4, 4)), rng.uniform(-150, 150)),
                }[case]()
        exact = mpmath.power(mpmath.mpf(float(x)), mpmath.mpf(float(y)))
        t = abs(float(mpmath.mpf(float(y)) * mpmath.log(mpmath.mpf(float(x)), 2)))
        relative = float(abs(mpmath.mpf(float(f(float(x), float(y)))) - exact) / exact)
        worst = max(worst, relative / ((2 + 3 * t) * 2.0**-53))
        if case == "hill" and t < 60:  # x**n of bases above 2**-5, n up to 12
            worst_hill = max(worst_hill, relative)
    assert worst <= 1.0
    assert worst_hill < 1e-13


def test_special_values_follow_c99_as_numpy_does():
    """Zeros, infinities, NaN and negative bases give exactly C99's (numpy's)
    results; so do the powers that are exact in the engine's arithmetic: powers of
    powers of two (their logarithm is exact), ``x**1``, ``x**0`` and ``1**y``. Other
    exactly representable powers (``3**2``) are within the stated error, and of the
    right sign."""
    mpmath.mp.prec = 200
    x, y = (a.ravel() for a in np.meshgrid(SPECIAL, SPECIAL))
    with np.errstate(all="ignore"):
        got, ref = elementary.FUNCTIONS["pow"](x, y), np.power(x, y)
    checked = 0
    for xi, yi, g, r in zip(x, y, got, ref):
        if not np.isfinite(r) or r == 0:
            want = r
        else:
            exact = mpmath.power(abs(mpmath.mpf(xi)), mpmath.mpf(yi)) * (1 if r > 0 else -1)
            if mpmath.mpf(float(exact)) != exact:
                continue  # not representable: accuracy is tested above
            want = float(exact)
            if np.frexp(abs(xi))[0] != 0.5 and yi not in (0.0, 1.0) and xi != 1.0:
                t = float(abs(mpmath.mpf(yi) * mpmath.log(abs(mpmath.mpf(xi)), 2)))
                assert np.sign(g) == np.sign(want), (xi, yi, g, want)
                assert abs(g - want) <= (2 + 3 * t) * 2.0**-53 * abs(want), (xi, yi, g, want)
                continue
        if np.isnan(want):
            assert np.isnan(g), (xi, yi, g)
        else:
            assert _same_bits(g, want), (xi, yi, g, want)
        checked += 1
    assert checked > 250
    with np.errstate(all="ignore"):
        for name, fn in (("exp", np.exp), ("log", np.log), ("tanh", np.tanh)):
            sel = ~np.isfinite(SPECIAL) | (SPECIAL == 0) | (np.abs(SPECIAL) > 700)
            np.testing.assert_array_equal(elementary.FUNCTIONS[name](SPECIAL[sel]),
                                          fn(SPECIAL[sel]), err_msg=name)


def test_generated_code_for_every_supported_function_is_the_same_in_both_back_ends(
        tmp_path):
    """Models may use more than the current one does: each function the printer
    supports gives equal bits in both back ends and the value sympy computes."""
    x, y = sp.symbols("X1 Y1", real=True)
    expr = (sp.exp(-x) + sp.log(y + 1) * sp.tanh(x - y) + x**3 - y**-2 + sp.sqrt(y)
            + x**y + sp.Abs(x - y) + sp.Min(x, y, 0.25) - sp.Max(x, 2 * y)
            + sp.floor(3 * x) - sp.ceiling(2 * y) + sp.sign(x - 0.5) + sp.Mod(7 * x, y)
            + sp.Piecewise((x, sp.And(x > y, sp.Not(y < 0.1))), (y, sp.Or(x < 0.2, y > 0.9)),
                           (1, True)) + sp.Rational(1, 3) * sp.pi + sp.E)
    code = engine.print_expression("test", expr)
    module = _import(tmp_path / "expr_numba.py", elementary.numba_source() + f'''

@njit(error_model="numpy")
def f(x, y, out):
    for i in range(x.shape[0]):
        out[i] = {code.replace("X1", "x[i]").replace("Y1", "y[i]")}
''')
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(0, 1, 2000), rng.uniform(0.05, 1, 2000)
    out = np.empty_like(xs)
    module.f(xs, ys, out)
    with np.errstate(all="ignore"):
        ref = eval(code, dict(elementary.NUMPY_NAMESPACE), {"X1": xs, "Y1": ys})
    assert _same_bits(out, ref)
    exact = sp.lambdify((x, y), expr, "mpmath")
    mpmath.mp.prec = 120
    for i in range(0, 2000, 40):
        want = float(exact(mpmath.mpf(xs[i]), mpmath.mpf(ys[i])))
        assert abs(out[i] - want) <= 1e-13 * max(1.0, abs(want)), (xs[i], ys[i])


def test_a_function_without_a_reproducible_definition_is_refused_naming_the_equation():
    x = sp.Symbol("x")
    with pytest.raises(engine.UnsupportedExpressionError,
                       match=r"equation of 'wobble': .*cannot evaluate sin.*elementary\.py"):
        engine.print_expression("wobble", 1 + sp.sin(x))


def _members():
    table = sample_parameters(48, seed=12)  # every mechanism parameter across its bounds
    scenarios = [random_scenario(s) for s in range(40)]
    clock = (scenarios[0].final_time, scenarios[0].time_step, scenarios[0].save_interval)
    same_clock = [sc for sc in scenarios
                  if (sc.final_time, sc.time_step, sc.save_interval) == clock]
    assert len(same_clock) >= 3 and any(sc.lever_changes for sc in same_clock)
    return [((table, bundled("fig5_voluntary_partnership")), {}),
            ((same_clock,), {})]


def _compare(kwargs_a, kwargs_b):
    for args, kw in _members():
        a = simulate_ensemble(*args, columns="all", **kw, **kwargs_a)
        b = simulate_ensemble(*args, columns="all", **kw, **kwargs_b)
        yield a, b


def test_numba_and_numpy_back_ends_give_identical_numbers_on_every_column():
    for a, b in _compare({"backend": "numba"}, {"backend": "numpy"}):
        for c in a.data_vars:
            assert _same_bits(a[c].values, b[c].values), c


def test_the_comparison_would_catch_a_power_from_another_library(monkeypatch):
    """With the numpy back end's power replaced by ``np.power`` (libm or SIMD code,
    whichever this CPU gets), the back ends no longer agree to the bit: the test above
    is able to fail. They still agree to 1e-12: the engine's own power is within a
    few ulp of the libraries' for the Hill functions' arguments, and the model does
    not amplify the last bits."""
    monkeypatch.setitem(elementary.NUMPY_NAMESPACE, "_pow", np.power)
    engine.compile_model.cache_clear()
    try:
        differing, largest = 0, 0.0
        for a, b in _compare({"backend": "numba"}, {"backend": "numpy"}):
            for c in a.data_vars:
                differing += int(np.sum(a[c].values != b[c].values))
                largest = max(largest, float(np.max(np.abs(a[c].values - b[c].values))))
    finally:
        monkeypatch.undo()
        engine.compile_model.cache_clear()
    assert differing > 0
    assert largest <= 1e-12


def test_thread_count_blocks_and_serial_or_parallel_runs_give_identical_numbers():
    """Members run in blocks of engine.LANES (vector lanes), blocks in threads: the
    numbers do not depend on the number of threads, on running blocks serially, or on
    a member's position in its block (the last block is padded)."""
    import numba

    from iocdynamics.ensembles import plan_ensemble, run_chunk

    plan = plan_ensemble(sample_parameters(203, seed=4), bundled("fig5_voluntary_partnership"),
                         columns="all")

    def run(lo, hi, parallel):
        return run_chunk(plan.chunk(lo, hi), plan.save_mask, plan.columns, plan.time_step,
                         plan.varying, parallel=parallel)

    ref = run(0, 203, True)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(0, 203, True)
    finally:
        numba.set_num_threads(threads)
    assert _same_bits(one, ref)
    assert _same_bits(run(0, 203, False), ref)
    for lo, hi in ((1, 8), (5, 6), (199, 203), (2, 203)):  # other blocks, other padding
        assert _same_bits(run(lo, hi, None), ref[lo:hi]), (lo, hi)


_C = sp.symbols("c0 c1 c2 c3", positive=True)  # constants of a member
_V = sp.symbols("v0 v1 v2", positive=True)     # values that change every step


def _expressions():
    leaves = st.sampled_from(_C + _V + (sp.Integer(1), sp.Integer(2), sp.Rational(1, 3)))

    def extend(sub):
        two = st.tuples(sub, sub)
        return st.one_of(
            two.map(lambda ab: ab[0] + ab[1]), two.map(lambda ab: ab[0] - ab[1]),
            two.map(lambda ab: ab[0] * ab[1]), two.map(lambda ab: ab[0] / (ab[1] + 1)),
            two.map(lambda ab: (ab[0] + 1) ** ab[1]), sub.map(lambda a: a**2),
            sub.map(lambda a: -a), two.map(lambda ab: sp.Max(ab[0], ab[1])),
            two.map(lambda ab: sp.Piecewise((ab[0], ab[1] > 1), (ab[1], True))),
            # unevaluated nesting, as the model's mean() builds it
            two.map(lambda ab: sp.Mul(sp.Add(ab[0], ab[1]), sp.Pow(3, -1, evaluate=False),
                                      evaluate=False)),
            two.map(lambda ab: sp.Mul(ab[0], sp.Mul(ab[1], _C[0], evaluate=False),
                                      evaluate=False)),
            two.map(lambda ab: sp.Add(ab[0], sp.Add(ab[1], _C[1], evaluate=False),
                                      evaluate=False)),
            sub.map(lambda a: sp.Mul(-1, a, evaluate=False)))

    return st.recursive(leaves, extend, max_leaves=12).filter(
        lambda e: not e.has(sp.zoo, sp.nan, sp.oo, -sp.oo))  # e.g. x/(-1 + 1)


_V0, _C0, _C1 = _V[0], _C[0], _C[1]


@settings(max_examples=150, deadline=None)
@given(expr=_expressions())
# -a*(b*c) prints as -a*b*c: the inner product is not an operand of its own
@example(expr=sp.Mul(-1, _V0, sp.Mul(_C0, _C1, evaluate=False), evaluate=False))
@example(expr=sp.Add(_V0, sp.Add(_C0, _C1, evaluate=False), evaluate=False))
@example(expr=(_V0 * _C0 + _C1) / (_C0 + _C1 + 1) - _C0 * _C1 + _V0**_C1 * (1 + _C0**_C1))
def test_computing_constant_subexpressions_once_changes_no_bit(expr):
    """The kernel computes the largest constant subexpressions of an equation once
    per member (``program.constant_subexpressions``) and prints the equation with
    their names: the result has the bits of the equation evaluated as written (what
    the numpy back end does), whatever the nesting, signs, divisions and powers."""
    from iocdynamics.engine.program import constant_subexpressions

    rng = np.random.default_rng(11)
    values = {str(s): rng.uniform(0.1, 3.0, 64) for s in _C + _V}
    namespace = dict(elementary.NUMPY_NAMESPACE)
    with np.errstate(all="ignore"):
        direct = eval(engine.print_expression("e", expr), namespace, dict(values))
        nodes = constant_subexpressions(expr, {str(s) for s in _C})
        names = {node: f"_h{i}" for i, node in enumerate(nodes)}
        hoisted = dict(values)
        for node, name in names.items():
            assert node.free_symbols <= set(_C), node
            hoisted[name] = eval(engine.print_expression(name, node), namespace, values)
        via_names = eval(engine.print_expression("e", expr, names), namespace, hoisted)
    assert _same_bits(np.broadcast_to(via_names, (64,)), np.broadcast_to(direct, (64,)))


def test_block_width_changes_no_bit():
    """The kernel runs members in blocks of engine.LANES (8) vector lanes and a lone
    member in a block of one; a kernel generated for blocks of 4 gives the same bits
    too: each lane performs the same operations, whatever the width (members with
    their own events and lever changes, and a sampled table)."""
    from iocdynamics.ensembles import plan_ensemble

    assert engine.LANES == 8
    for args, kw in _members():
        plan = plan_ensemble(*args, columns="all", **kw)
        n = min(plan.n_members, 21)

        def run(kernel, lo, hi, plan=plan):
            return kernel.run(plan.chunk(lo, hi), plan.save_mask, plan.columns,
                              plan.time_step)

        eight = engine.get_kernel(plan.varying, "numba")
        four = engine.get_kernel(plan.varying, "numba", lanes=4)
        assert (eight.lanes, four.lanes) == (8, 4)
        ref = run(eight, 0, n)
        assert _same_bits(run(four, 0, n), ref)
        lone = np.concatenate([run(eight, i, i + 1) for i in range(n)])
        assert _same_bits(lone, ref)


def test_kernel_refuses_inputs_of_another_width_naming_both():
    """Inputs with a constant or a per-step input too many or too few are refused
    (a wider array would otherwise be read at the wrong columns)."""
    import dataclasses

    from iocdynamics.ensembles import plan_ensemble

    (args, kw), *_ = _members()
    plan = plan_ensemble(*args, columns="all", **kw)
    kernel = engine.get_kernel(plan.varying, "numba")
    inputs = plan.chunk(0, 2)
    k, v = inputs.constants.shape[1], inputs.levels.shape[1]
    for field, arr in (("constants", inputs.constants), ("levels", inputs.levels)):
        for width in (arr.shape[1] - 1, arr.shape[1] + 1):
            bad = dataclasses.replace(inputs, **{field: np.zeros((arr.shape[0], width))})
            with pytest.raises(ValueError, match=rf"this kernel takes {k} and {v}"):
                kernel.run(bad, plan.save_mask, plan.columns, plan.time_step)
