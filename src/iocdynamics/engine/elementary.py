"""Elementary functions that give the same bits on every CPU and in both engine back ends.

The engine's numbers must not depend on where they are computed. Addition,
subtraction, multiplication, division and square root are exactly rounded by
IEEE 754, so every CPU and every vector width gives the same result; the
transcendental functions are not: numpy dispatches ``np.power``/``np.exp`` to
different SIMD code on AVX2 and AVX-512 machines, glibc picks an FMA or a plain
variant of ``pow`` at load time, and an SVML-enabled numba calls Intel's vector
library. Each is accurate to about one unit in the last place (ulp), and each
rounds some inputs differently from the others. No library offers a power,
exponential and logarithm that are both bit-reproducible across CPUs and usable
from numba's vectorised loops and from numpy alike, so they are defined here,
once, from exactly rounded operations only:

* ``ln x = e ln 2 + f - s (f - tail)`` with ``x = 2**e (1 + f)``, ``1 + f`` in
  ``[sqrt(1/2), sqrt(2))`` (the exponent taken from the bits), ``s = f / (2 + f)``
  and ``tail`` the series ``sum_j 2 s^(2j) / (2j + 1)`` to ``j = 9``;
* ``e**z 2**k`` by a degree-13 Taylor polynomial of ``e**z`` on ``|z| <= 0.35``
  and scaling by ``2**k`` built from its bits; ``exp(x)`` with ``k`` the integer
  nearest ``x / ln 2`` (rounded by the ``1.5 * 2**52`` trick) and ``z = x - k ln 2``
  by Cody and Waite's two-part ``ln 2``; ``exp2(t)`` with ``z = (t - k) ln 2``;
* ``pow(x, y) = exp2(y log2|x|)``, ``log`` and ``tanh`` from these parts, with
  C99's special cases (zeros, infinities, NaN, negative bases; ``x**1`` is ``x``).

Polynomials are evaluated by Estrin's scheme (independent products, a short chain
of dependent operations), in plain double arithmetic (no double-double): ``exp``
and ``log`` are within 1.5 ulp of the exact value (measured: below 1), ``tanh``
within 3 (measured: 2). ``pow`` is exact for powers of two and ``x**1``; otherwise
``t = y log2|x|`` carries a relative rounding error of a few ulp, which is an
absolute error of the exponent, so the relative error of the power is at most
``(2 + 3|t|) 2**-53``: below ``1e-13`` while ``|t| < 290`` (results between
``2**-290`` and ``2**290``), about ``4e-14`` for the Hill functions' ``x**n`` with
``x`` above ``1/1000`` and ``n`` up to 12, and ``4e-13`` at the ends of the double
range (the tests check the bound against mpmath). A power within one ulp needs an
extra-precise ``log2`` (double-double products), more than twice the operations
and much longer chains of dependent ones, and the power is most of the kernel's
work.

Every function below is written in the common subset of numpy array code and
numba scalar code, in terms of a few primitives (``_select``, ``_f2i``, ``_i2f``,
``_floor``, ``_trunc``, ``_sqrt``). This module binds the primitives to numpy (the
numpy back end calls the functions directly); :data:`NUMBA_PRELUDE` binds them
for numba, and :func:`numba_source` returns the same function definitions as
source text for the generated kernel. Both back ends therefore evaluate the
same sequence of exactly rounded operations, and give the same bits.

Without ``fastmath`` numba (LLVM) neither reassociates nor fuses a multiply and
an add into an FMA, which would change the roundings.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

SMALL_VENSIM = 1e-6
"""PySD's ``QUANTUM`` treats a quantum below this as none (so ``MODULO`` is 0)."""

# --------------------------------------------------------------- constants
_SHIFT = 6755399441055744.0        # 1.5 * 2**52: x + _SHIFT - _SHIFT rounds x to an integer
_SHIFT_BITS = 0x4338000000000000   # its bit pattern: _i2f(k + _SHIFT_BITS) = _SHIFT + k
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # bits of sqrt(1/2): mantissas in [sqrt(1/2), sqrt(2))
_HIGH_BITS = -4503599627370496     # 0xFFF0000000000000: sign and exponent bits
_TWO54 = 18014398509481984.0       # 2**54, lifts subnormals
_MIN_NORMAL = 2.2250738585072014e-308
_LN2 = 0.6931471805599453          # ln 2, rounded
_LN2_HI = 0.6931471803691238       # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with 32 bits, so
_LN2_LO = 1.9082149292705877e-10   # that k * _LN2_HI is exact for |k| < 2**21
_INV_LN2 = 1.4426950408889634      # 1 / ln 2, rounded
_INF = float("inf")
_NAN = float("nan")
_SMALL_VENSIM = SMALL_VENSIM
# 2/(2j+1), j = 1..9: ln((1+s)/(1-s)) = 2s + s * sum_j (2/(2j+1)) s^(2j)
_L1, _L2, _L3, _L4, _L5 = 2 / 3, 2 / 5, 2 / 7, 2 / 9, 2 / 11
_L6, _L7, _L8, _L9 = 2 / 13, 2 / 15, 2 / 17, 2 / 19
# 1/n!, n = 2..13: e**z = 1 + z + z^2 * sum_n z^(n-2) / n!
_E2, _E3, _E4, _E5, _E6 = 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720
_E7, _E8, _E9, _E10 = 1 / 5040, 1 / 40320, 1 / 362880, 1 / 3628800
_E11, _E12, _E13 = 1 / 39916800, 1 / 479001600, 1 / 6227020800
# Taylor coefficients of tanh(a) = a + a * sum_n T_n a^(2n), n = 1..12 (for |a| < 0.3)
_T1, _T2, _T3 = -1 / 3, 2 / 15, -17 / 315
_T4, _T5, _T6 = 62 / 2835, -1382 / 155925, 21844 / 6081075
_T7, _T8 = -929569 / 638512875, 6404582 / 10854718875
_T9, _T10 = -443861162 / 1856156927625, 18888466084 / 194896477400625
_T11, _T12 = -113927491862 / 2900518163668125, 58870668456604 / 3698160658676859375

CONSTANTS = {name: value for name, value in dict(globals()).items()
             if re.fullmatch(r"_[A-Z][A-Z0-9_]*", name) and isinstance(value, (int, float))}
"""Every constant the shared definitions use, by name."""


# ------------------------------------------------- primitives (numpy binding)
def _select(c, a, b):
    """``a`` where ``c`` holds, else ``b`` (both evaluated)."""
    return np.where(c, a, b)


def _f2i(x):
    """The bits of float64 ``x`` as an int64."""
    return np.asarray(x, dtype=np.float64).view(np.int64)


def _i2f(i):
    """The float64 whose bits are int64 ``i``."""
    return np.asarray(i, dtype=np.int64).view(np.float64)


_floor = np.floor
_trunc = np.trunc
_sqrt = np.sqrt
_ceil = np.ceil


# ------------------------------------------------- shared definitions
def _min(a, b):
    """The smaller of ``a`` and ``b`` (``a`` if equal)."""
    return _select(a <= b, a, b)


def _max(a, b):
    """The larger of ``a`` and ``b`` (``a`` if equal)."""
    return _select(a >= b, a, b)


def _sign(x):
    """-1, 0 or 1 (NaN stays NaN)."""
    return _select(x > 0.0, 1.0, _select(x < 0.0, -1.0, x))


def _log_parts(x):
    """``ln(x) = e ln 2 + f - c`` for finite ``x > 0``: returns ``e`` (an integer, as
    a float), ``f = m - 1`` (exact) and the small correction ``c``, where
    ``x = 2**e m`` with ``m`` in ``[sqrt(1/2), sqrt(2))``."""
    tiny = x < _MIN_NORMAL
    bits = _f2i(_select(tiny, x * _TWO54, x))
    d = bits - _SQRT_HALF_BITS
    k = d >> 52  # the exponent that brings the mantissa into [sqrt(1/2), sqrt(2))
    f = _i2f(bits - (d & _HIGH_BITS)) - 1.0  # exact (Sterbenz)
    e = (_i2f(k + _SHIFT_BITS) - _SHIFT) - _select(tiny, 54.0, 0.0)  # k as a float
    s = f / (2.0 + f)  # ln(1 + f) = 2s + s*tail = f - s*(f - tail)
    u = s * s
    u2 = u * u
    u4 = u2 * u2
    tail = u * (((_L1 + u * _L2) + u2 * (_L3 + u * _L4))
                + u4 * (((_L5 + u * _L6) + u2 * (_L7 + u * _L8)) + u4 * _L9))
    return e, f, s * (f - tail)


def _exp_scaled(z, k):
    """``e**z * 2**k`` for ``|z| <= 0.35`` and an int64 ``k`` in ``[-1100, 1100]``;
    overflows to inf, underflows through the subnormals (one rounding) to 0."""
    z2 = z * z
    z4 = z2 * z2
    q = (((_E2 + z * _E3) + z2 * (_E4 + z * _E5)) + z4 * ((_E6 + z * _E7) + z2 * (
        _E8 + z * _E9))) + (z4 * z4) * ((_E10 + z * _E11) + z2 * (_E12 + z * _E13))
    v = 1.0 + (z + z2 * q)
    k1 = k >> 1
    return (v * _i2f((k1 + 1023) << 52)) * _i2f((k - k1 + 1023) << 52)


def _exp2(t):
    """``2**t`` (NaN stays NaN)."""
    tc = _select(t > 1100.0, 1100.0, _select(t < -1100.0, -1100.0, t))
    kb = tc + _SHIFT
    return _exp_scaled((tc - (kb - _SHIFT)) * _LN2, _f2i(kb) - _SHIFT_BITS)  # |r| <= 1/2


def _exp(x):
    """``e**x``."""
    xc = _select(x > 750.0, 750.0, _select(x < -750.0, -750.0, x))
    kb = xc * _INV_LN2 + _SHIFT
    kf = kb - _SHIFT
    z = (xc - kf * _LN2_HI) - kf * _LN2_LO  # Cody and Waite: xc - kf*_LN2_HI is exact
    return _exp_scaled(z, _f2i(kb) - _SHIFT_BITS)


def _log(x):
    """Natural logarithm (NaN below 0, -inf at 0)."""
    ok = (x > 0.0) & (x < _INF)
    e, f, c = _log_parts(_select(ok, x, 1.0))
    main = e * _LN2_HI - ((c - e * _LN2_LO) - f)
    special = _select(x == 0.0, -_INF, _select(x > 0.0, x, _NAN))  # 0, inf, <0, NaN
    return _select(ok, main, special)


def _pow(x, y):
    """``x**y`` with C99's special cases."""
    ax = abs(x)
    e, f, c = _log_parts(ax)
    lg = e + (f - c) * _INV_LN2  # log2|x| for finite nonzero x
    # log2 0 = -inf, log2 inf = inf, NaN stays NaN (and makes the result NaN)
    lg = _select(ax < _INF, _select(ax > 0.0, lg, -_INF), ax)
    # |x|**y; 1 for y = 0 and for |x| = 1 (whatever y is, also +-inf and NaN)
    mag = _exp2(_select((lg == 0.0) | (y == 0.0), 0.0, y * lg))
    yint = _floor(y) == y
    yodd = yint & (_floor(y * 0.5) * 2.0 != y)  # false for |y| >= 2**53 (even) and inf
    negative = _f2i(x) < 0
    res = _select(negative & yodd, -mag, mag)
    # a negative finite base with a non-integer exponent has no real power
    res = _select(negative & (yint ^ True) & (ax > 0.0) & (ax < _INF), _NAN, res)
    return _select(y == 1.0, x, res)  # x**1 is x


def _tanh(x):
    """Hyperbolic tangent."""
    a = abs(x)
    u = a * a
    small = a + a * (u * (_T1 + u * (_T2 + u * (_T3 + u * (_T4 + u * (_T5 + u * (
        _T6 + u * (_T7 + u * (_T8 + u * (_T9 + u * (_T10 + u * (_T11 + u * _T12))))))))))))
    t = _exp(-2.0 * _select(a < 20.0, a, 20.0))
    large = _select(a < 20.0, (1.0 - t) / (1.0 + t), 1.0)
    r = _select(a < 0.3, small, large)
    return _select(x != x, x, _select(x < 0.0, -r, r))


def _vmod(x, m):
    """Vensim/PySD ``MODULO``: ``x - m * INTEGER(x / m)``, and ``0`` when ``m`` is
    below :data:`SMALL_VENSIM` (PySD's ``QUANTUM`` is then ``x`` itself)."""
    return _select(m < _SMALL_VENSIM, x - x, x - m * _trunc(x / m))


SHARED = (_min, _max, _sign, _log_parts, _exp_scaled, _exp2, _exp, _log, _pow, _tanh,
          _vmod)
"""Definitions both back ends evaluate (in dependency order)."""

def _quiet(f):
    """``f`` with numpy's floating-point warnings off (the unselected branch of a
    ``_select`` may overflow; the compiled kernel is silent too)."""
    def wrapped(*args):
        with np.errstate(all="ignore"):
            return f(*(np.asarray(a, dtype=np.float64) for a in args))

    wrapped.__name__, wrapped.__doc__ = f.__name__, f.__doc__
    return wrapped


FUNCTIONS = {name: _quiet(f) for name, f in (
    ("exp", _exp), ("log", _log), ("pow", _pow), ("tanh", _tanh), ("min", _min),
    ("max", _max), ("sign", _sign), ("mod", _vmod))}
"""The elementary functions by name, on numpy arrays or floats."""

NUMPY_NAMESPACE = {f.__name__: f for f in SHARED} | {
    "_select": _select, "_sqrt": _sqrt, "_floor": _floor, "_ceil": _ceil, "_trunc": _trunc,
    "numpy": np} | CONSTANTS
"""What generated numpy code needs: the shared functions, primitives and constants."""

NUMBA_PRELUDE = '''
import numpy as np
from llvmlite import ir as _ir
from numba import njit, types as _types
from numba.extending import intrinsic as _intrinsic


@_intrinsic
def _f2i(typingctx, x):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], _ir.IntType(64))
    return _types.int64(_types.float64), codegen


@_intrinsic
def _i2f(typingctx, i):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], _ir.DoubleType())
    return _types.float64(_types.int64), codegen


@njit(forceinline=True)
def _select(c, a, b):
    return a if c else b
'''
NUMBA_PRELUDE += "".join(f'''

@njit(forceinline=True)
def _{name}(x):
    return np.{name}(x)
''' for name in ("floor", "ceil", "trunc", "sqrt"))  # exactly rounded, no calls
"""Numba bindings of the primitives (bit casts as LLVM ``bitcast``; no calls)."""


def numba_source() -> str:
    """Source of the numba bindings, constants and every shared definition, for the
    generated kernel module (``@njit``, inlined into the kernel)."""
    lines = [NUMBA_PRELUDE, ""]
    for name, value in CONSTANTS.items():
        lines.append(f"{name} = {value!r}" if not isinstance(value, float)
                     or np.isfinite(value) else f"{name} = float({str(value)!r})")
    for f in SHARED:
        lines += ["", "", '@njit(forceinline=True, error_model="numpy")',
                  inspect.getsource(f).rstrip()]
    return "\n".join(lines) + "\n"
