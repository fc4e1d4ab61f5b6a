"""The fast engine: code generated from the same sympy equations as the model files.

Two back ends share one integration semantics (PySD's) and one definition of every
elementary function, and give the same bits:

* a **compiled kernel** (numba, :mod:`.kernel`): members in blocks of
  :data:`LANES`, each step evaluated over a block with vector instructions,
  blocks in parallel threads;
* a **numpy** back end (:mod:`.numpy_model`): the same equations on arrays over
  the members, one step at a time (used when numba is missing or fails).

Integration follows PySD exactly: Euler steps ``state + rate * dt``, the clock
advanced by repeated addition of ``dt``, outputs at a save time report the state
and auxiliaries at that time before the step, time-dependent inputs read at the
current grid point, and Vensim's ``MODULO(x, m) = x - m * INTEGER(x / m)``.
"""

from .elementary import SMALL_VENSIM
from .inputs import MemberInputs
from .integrate import integrate, save_indices, time_grid
from .kernel import (
    BACKENDS,
    LANES,
    Kernel,
    get_kernel,
    kernel_varying,
    numba_available,
    time_varying_names,
)
from .numpy_model import CompiledModel, compile_model
from .printer import UnsupportedExpressionError, check_supported, print_expression
from .program import Program, build_program

__all__ = [
    "BACKENDS",
    "LANES",
    "SMALL_VENSIM",
    "CompiledModel",
    "Kernel",
    "MemberInputs",
    "Program",
    "UnsupportedExpressionError",
    "build_program",
    "check_supported",
    "compile_model",
    "get_kernel",
    "integrate",
    "kernel_varying",
    "numba_available",
    "print_expression",
    "save_indices",
    "time_grid",
    "time_varying_names",
]
