"""A modeller's own variant of the model: an edited copy of ``ioc.mdl`` (or
``ioc.xmile``) run through PySD.

A Vensim user changes an equation, adds a variable or renames one, and wants the
toolkit's scenarios, experiments and calibration to run on the edited file. The
file is translated by PySD in a private temporary folder (nothing is written
beside it), and its names are compared with the model's: which it **adds**,
which it **lacks**, and which of those look like **renames** (close spellings,
:mod:`difflib`). A scenario setting a name the variant lacks is refused before
any run; names the variant adds keep the values written in the file.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .model import build_model
from .scenario import Scenario

#: PySD's own names, not the model's.
_CLOCK = {"final_time", "initial_time", "saveper", "time_step", "time"}
_VARIANTS: dict[str, ModelVariant] = {}


class VariantError(ValueError):
    """A model file cannot be used as a variant (the message names the file and why)."""


def reference_names() -> dict[str, str]:
    """Every name of the model (snake case) -> its kind (``constant``, ``input``,
    ``auxiliary``, ``flow`` or ``stock``)."""
    m = build_model()
    out = {p.name: "constant" for p in m.parameters}
    out.update({i.name: "input" for i in m.inputs})
    out.update({a.name: "auxiliary" for a in m.auxiliaries})
    out.update({f.name: "flow" for f in m.flows})
    out.update({s.name: "stock" for s in m.stocks})
    return out


@dataclass(frozen=True)
class NameReport:
    """How a variant's names differ from the model's.

    Attributes
    ----------
    added : tuple of str
        Names the variant has and the model lacks (renames excluded).
    lacking : tuple of str
        Names of the model the variant lacks (renames excluded).
    renamed : tuple of (str, str)
        ``(model name, variant name)`` pairs that look like one name respelt.
    """

    added: tuple[str, ...] = ()
    lacking: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()

    @property
    def identical(self) -> bool:
        return not (self.added or self.lacking or self.renamed)

    def lines(self) -> list[str]:
        """The report as text lines."""
        if self.identical:
            return ["names: the same as the model's"]
        out = []
        if self.renamed:
            out.append("renamed (model -> variant): " + ", ".join(
                f"{a} -> {b}" for a, b in self.renamed))
        if self.added:
            out.append("adds: " + ", ".join(self.added))
        if self.lacking:
            out.append("lacks: " + ", ".join(self.lacking))
        return out


def compare_names(variant: Iterable[str], reference: Iterable[str],
                  cutoff: float = 0.8) -> NameReport:
    """Names added, lacking and (by close spelling) renamed.

    Parameters
    ----------
    variant, reference : iterables of str
    cutoff : float
        :func:`difflib.get_close_matches` similarity for a rename (0..1).
    """
    v, r = list(dict.fromkeys(variant)), list(dict.fromkeys(reference))
    added = [n for n in v if n not in set(r)]
    lacking = [n for n in r if n not in set(v)]
    renamed = []
    pool = list(added)
    for name in lacking:
        close = difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
        if close:
            renamed.append((name, close[0]))
            pool.remove(close[0])
    gone = {a for a, _ in renamed} | {b for _, b in renamed}
    return NameReport(tuple(n for n in added if n not in gone),
                      tuple(n for n in lacking if n not in gone), tuple(renamed))


@dataclass
class ModelVariant:
    """A translated model file.

    Attributes
    ----------
    path : Path
        The modeller's file (never written to).
    model : pysd model
    names : dict
        Python name -> PySD type (``Constant``, ``Auxiliary``, ``Stateful``).
    limits : dict
        Python name -> ``(lower, upper)`` declared in the file (NaN when open).
    report : NameReport
    """

    path: Path
    model: object
    names: dict[str, str]
    limits: dict[str, tuple[float, float]]
    report: NameReport = field(default_factory=NameReport)

    @property
    def stocks(self) -> list[str]:
        return [n for n, t in self.names.items() if t == "Stateful"]

    @property
    def constants(self) -> list[str]:
        return [n for n, t in self.names.items() if t == "Constant"]

    def default_columns(self) -> list[str]:
        """The model's stocks and ``active`` that the variant has, then its own stocks."""
        ref = [s.name for s in build_model().stocks] + ["active"]
        return [c for c in ref if c in self.names] + \
            [s for s in self.stocks if s not in ref]

    def check_scenario(self, sc: Scenario) -> None:
        """Refuse a scenario that sets something the variant lacks."""
        from .registry import defaults

        base = defaults()
        missing = sorted(k for k, v in sc.values.items()
                         if k not in self.names and v != base[k])
        missing += sorted({f"{e.kind}_input" for e in sc.events} - set(self.names))
        missing += sorted({c.lever for c in sc.lever_changes
                           if c.lever != "contract" and c.lever not in self.names})
        if missing:
            renames = dict(self.report.renamed)
            hints = [f"{m} (renamed {renames[m]}?)" if m in renames else m for m in missing]
            raise VariantError(f"{sc.source}: sets {', '.join(hints)}, which {self.path} "
                               "lacks; remove the setting from the scenario or add the "
                               "variable to the model file")

    def run(self, sc: Scenario, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Simulate ``sc`` on the variant (PySD, Euler, the scenario's clock).

        Returns
        -------
        pandas.DataFrame
            Indexed by time (months), one column per variable.
        """
        from .pysd_runner import pysd_params

        self.check_scenario(sc)
        cols = list(columns) if columns is not None else self.default_columns()
        bad = [c for c in cols if c not in self.names]
        if bad:
            raise VariantError(f"{self.path}: no variable {', '.join(bad)} in the model "
                               "file")
        params = {k: v for k, v in pysd_params(sc).items() if k in self.names}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = self.model.run(params=params, initial_condition="original",
                                final_time=sc.final_time, time_step=sc.time_step,
                                return_timestamps=sc.save_times(), return_columns=cols,
                                progress=False)
        df = df.rename(columns=lambda c: c.replace(" ", "_"))
        df.index = pd.Index(np.asarray(df.index, dtype=float), name="time")
        return df[cols].astype(float)


def _limits(text) -> tuple[float, float]:
    try:
        lo, hi = text
        return (float(lo), float(hi))
    except (TypeError, ValueError):
        return (float("nan"), float("nan"))


def load_variant(path: str | Path) -> ModelVariant:
    """Translate a modeller's ``.mdl`` (or ``.xmile``) with PySD (once per process)
    and compare its names with the model's.

    Raises
    ------
    VariantError
        If the file is missing, not a Vensim or XMILE file, or PySD cannot
        translate it (PySD's message is included).
    """
    import pysd

    path = Path(path)
    key = str(path.resolve())
    if key in _VARIANTS:
        return _VARIANTS[key]
    suffix = path.suffix.lower()
    if suffix not in (".mdl", ".xmile", ".xml", ".stmx"):
        raise VariantError(f"{path}: a model variant is a Vensim .mdl or an XMILE .xmile "
                           "file")
    if not path.is_file():
        raise VariantError(f"{path}: no such model file")
    from .pysd_runner import workdir

    work = Path(tempfile.mkdtemp(prefix="variant-", dir=workdir()))
    copy = work / path.name
    shutil.copyfile(path, copy)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = (pysd.read_vensim(str(copy)) if suffix == ".mdl"
                     else pysd.read_xmile(str(copy)))
    except Exception as exc:  # PySD raises many kinds; the message is what matters
        raise VariantError(f"{path}: PySD cannot translate this file: {exc}") from None
    doc = model.doc
    names = {r["Py Name"]: str(r["Type"]) for _, r in doc.iterrows()
             if r["Py Name"] not in _CLOCK}
    limits = {r["Py Name"]: _limits(r["Limits"]) for _, r in doc.iterrows()
              if r["Py Name"] not in _CLOCK}
    report = compare_names(names, reference_names())
    out = ModelVariant(path, model, names, limits, report)
    _VARIANTS[key] = out
    return out
