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

* ``log2`` in double-double (Dekker's exact products, a 21-term series in
  ``s = (m - 1) / (m + 1)``), accurate to about ``2**-60`` relative;
* ``exp2`` of a double-double by rounding to an integer ``k`` (the
  ``1.5 * 2**52`` trick), a degree-14 Taylor polynomial of ``e**(r ln 2)`` on
  ``|r| <= 1/2`` and scaling by ``2**k`` built from its bits;
* ``pow(x, y) = exp2(y * log2(x))``, ``exp``, ``log`` and ``tanh`` from them,
  with C99's special cases (zeros, infinities, NaN, negative bases).

They are within 1.5 ulp of the correctly rounded result (``pow`` and ``exp``
about 0.6 ulp, ``tanh`` within 2.5 ulp; the tests check this against mpmath).

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
_SHIFT_BITS = 0x4338000000000000   # its bit pattern
_TWO52 = 4503599627370496.0        # 2**52
_TWO52_BITS = 0x4330000000000000   # its bit pattern
_TWO54 = 18014398509481984.0       # 2**54, lifts subnormals
_SPLIT = 134217729.0               # 2**27 + 1, Veltkamp's splitter
_MIN_NORMAL = 2.2250738585072014e-308
_SQRT2 = 1.4142135623730951
_LN2_HI = 0.6931471805599453       # ln 2 = _LN2_HI + _LN2_LO
_LN2_LO = 2.3190468138462996e-17
_INV_LN2_HI = 1.4426950408889634   # 1 / ln 2 = _INV_LN2_HI + _INV_LN2_LO
_INV_LN2_LO = 2.0355273740931033e-17
_Y_MAX = 1e270                     # |y| beyond this saturates pow like infinity
_INF = float("inf")
_NAN = float("nan")
_SMALL_VENSIM = SMALL_VENSIM
# 2/(2j+1), j = 1..10: ln((1+s)/(1-s)) = 2s + s * sum_j (2/(2j+1)) s^(2j)
_L1, _L2, _L3, _L4, _L5 = 2 / 3, 2 / 5, 2 / 7, 2 / 9, 2 / 11
_L6, _L7, _L8, _L9, _L10 = 2 / 13, 2 / 15, 2 / 17, 2 / 19, 2 / 21
# 1/n!, n = 2..14: e**z = 1 + z + z^2 * sum_n z^(n-2) / n!
_E2, _E3, _E4, _E5, _E6 = 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720
_E7, _E8, _E9, _E10 = 1 / 5040, 1 / 40320, 1 / 362880, 1 / 3628800
_E11, _E12, _E13, _E14 = 1 / 39916800, 1 / 479001600, 1 / 6227020800, 1 / 87178291200
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
def _two_sum(a, b):
    """``a + b`` as an unevaluated sum ``s + e`` (Knuth; exact)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    """``a = hi + lo`` with 26-bit halves (Veltkamp)."""
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a, b):
    """``a * b`` as ``p + e`` (Dekker; exact without a fused multiply-add)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _min(a, b):
    """The smaller of ``a`` and ``b`` (``a`` if equal)."""
    return _select(a <= b, a, b)


def _max(a, b):
    """The larger of ``a`` and ``b`` (``a`` if equal)."""
    return _select(a >= b, a, b)


def _sign(x):
    """-1, 0 or 1 (NaN stays NaN)."""
    return _select(x > 0.0, 1.0, _select(x < 0.0, -1.0, x))


def _log2_dd(x):
    """``log2(x)`` as a double-double ``h + l``, for finite ``x > 0``."""
    tiny = x < _MIN_NORMAL
    xs = _select(tiny, x * _TWO54, x)
    bits = _f2i(xs)
    # the biased exponent as a float, exactly, without an int-to-float conversion
    ef = _i2f(((bits >> 52) & 0x7FF) | _TWO52_BITS) - _TWO52
    e = ef - _select(tiny, 1077.0, 1023.0)
    m = _i2f((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)  # [1, 2)
    big = m > _SQRT2
    m = _select(big, m * 0.5, m)  # [sqrt(1/2), sqrt(2)]
    e = _select(big, e + 1.0, e)
    f = m - 1.0  # exact (Sterbenz)
    dh, dl = _two_sum(2.0, f)
    inv = 1.0 / dh  # one division: sh need not be rounded correctly, sl corrects it
    sh = f * inv
    ph, pl = _two_prod(sh, dh)
    sl = (((f - ph) - pl) - sh * dl) * inv  # s = f / (2 + f) = sh + sl
    u = sh * sh
    tail = u * (_L1 + u * (_L2 + u * (_L3 + u * (_L4 + u * (_L5 + u * (
        _L6 + u * (_L7 + u * (_L8 + u * (_L9 + u * _L10)))))))))
    lh, ll = _two_sum(2.0 * sh, 2.0 * sl + sh * tail)  # ln(m) = lh + ll
    qh, ql = _two_prod(lh, _INV_LN2_HI)
    ql = ql + (lh * _INV_LN2_LO + ll * _INV_LN2_HI)
    h, hl = _two_sum(e, qh)
    return _two_sum(h, hl + ql)


def _exp2_dd(h, lo):
    """``2**(h + lo)`` for ``|lo|`` much smaller than ``|h|``; overflows to inf,
    underflows through the subnormals to 0."""
    h, lo = _two_sum(h, lo)
    hc = _select(h > 1100.0, 1100.0, _select(h < -1100.0, -1100.0, h))
    lo = _select(hc == h, lo, 0.0)
    kb = hc + _SHIFT
    k = _f2i(kb) - _SHIFT_BITS  # round(hc) as an int64
    r = (hc - (kb - _SHIFT)) + lo  # |r| <= 1/2 (+ |lo|)
    zh, zl = _two_prod(r, _LN2_HI)
    zl = zl + r * _LN2_LO
    p = zh + zh * zh * (_E2 + zh * (_E3 + zh * (_E4 + zh * (_E5 + zh * (_E6 + zh * (
        _E7 + zh * (_E8 + zh * (_E9 + zh * (_E10 + zh * (_E11 + zh * (
            _E12 + zh * (_E13 + zh * _E14))))))))))))
    v = 1.0 + (p + (zl + p * zl))  # e**(zh + zl)
    k1 = k >> 1
    k2 = k - k1
    return (v * _i2f((k1 + 1023) << 52)) * _i2f((k2 + 1023) << 52)


def _exp(x):
    """``e**x``."""
    th, tl = _two_prod(x, _INV_LN2_HI)
    main = _exp2_dd(th, tl + x * _INV_LN2_LO)
    return _select(x > 710.0, _INF, _select(x < -746.0, 0.0, main))


def _log(x):
    """Natural logarithm (NaN below 0, -inf at 0)."""
    ok = x > 0.0
    xs = _select(ok, x, 1.0)
    xs = _select(xs < _INF, xs, 1.0)
    h, lo = _log2_dd(xs)
    ph, pl = _two_prod(h, _LN2_HI)
    main = ph + (pl + (h * _LN2_LO + lo * _LN2_HI))
    special = _select(x == 0.0, -_INF, _select(x > 0.0, x, _NAN))  # 0, inf, <0, NaN
    return _select(ok & (x < _INF), main, special)


def _pow(x, y):
    """``x**y`` with C99's special cases."""
    ax = abs(x)
    yint = _floor(y) == y
    yodd = yint & (_floor(y * 0.5) * 2.0 != y) & (abs(y) < 9007199254740992.0)
    finite = (ax > 0.0) & (ax < _INF) & (abs(y) < _INF)
    axs = _select(finite, ax, 1.0)
    ys = _select(finite, _min(_max(y, -_Y_MAX), _Y_MAX), 0.0)
    h, lo = _log2_dd(axs)
    th, tl = _two_prod(ys, h)
    mag = _exp2_dd(th, tl + ys * lo)  # |x|**y
    # |x| = 0 or inf, or y = +-inf
    big = _select(ax > 1.0, 1.0, _select(ax < 1.0, -1.0, 0.0))  # sign of log|x|
    edge = _select(y > 0.0, big, -big)
    inf_y = _select(edge > 0.0, _INF, _select(edge < 0.0, 0.0, 1.0))
    zero_or_inf = _select((ax == 0.0) == (y > 0.0), 0.0, _INF)
    mag = _select(finite, mag, _select(abs(y) == _INF, inf_y, zero_or_inf))
    negative = _f2i(x) < 0
    res = _select(negative & yodd, -mag, mag)
    # a negative base with a finite non-integer exponent has no real power
    res = _select(negative & (_floor(y) != y) & (ax > 0.0) & (ax < _INF) & (abs(y) < _INF),
                  _NAN, res)
    res = _select((x != x) | (y != y), _NAN, res)
    return _select((y == 0.0) | (x == 1.0), 1.0, res)


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


SHARED = (_two_sum, _split, _two_prod, _min, _max, _sign, _log2_dd, _exp2_dd, _exp, _log,
          _pow, _tanh, _vmod)
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


@njit(forceinline=True)
def _floor(x):
    return np.floor(x)


@njit(forceinline=True)
def _ceil(x):
    return np.ceil(x)


@njit(forceinline=True)
def _trunc(x):
    return np.trunc(x)


@njit(forceinline=True)
def _sqrt(x):
    return np.sqrt(x)
'''
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
