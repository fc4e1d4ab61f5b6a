"""What the explorer draws: trajectories of the key stocks (Plotly), an uncertainty
band from the ensemble engine, and the trust-faith phase portrait (matplotlib, as in
the bundled figures).

Pure functions of a scenario and its trajectories; nothing is written to disk.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..ensembles import sample_parameters, simulate_ensemble
from ..experiments.metrics import DEFAULT_SYNERGY_THRESHOLD
from ..model import STOCK_COLUMNS, build_model
from ..plotting import COLORS, EVENT_LABELS, label
from ..registry import PARAMETERS
from ..scenario import Scenario
from .controls import label_of

SYNERGY_THRESHOLD = DEFAULT_SYNERGY_THRESHOLD
"""Collaborative behaviour above which the page shades synergy (as the bundled
figures and the experiments' metrics do)."""

BAND_SPREADS = (0.1, 0.25, 0.5)
"""Relative spreads of the mechanism constants offered for the uncertainty band."""
BAND_MEMBERS = 200
BAND_SEED = 20240601
BAND_QUANTILES = (0.05, 0.95)

EVENT_COLOR = "#555555"
CHANGE_COLOR = "#d2691e"
_FALLBACK_COLORS = ("#6a3d9a", "#b15928", "#e7298a", "#1b9e77", "#7570b3", "#666666")


def key_stocks() -> tuple[str, ...]:
    """The stocks shown by default: the model's key stocks."""
    return tuple(STOCK_COLUMNS)


def all_stocks() -> tuple[str, ...]:
    """Every stock of the model, key stocks first."""
    rest = [s.name for s in build_model().stocks if s.name not in STOCK_COLUMNS]
    return tuple(STOCK_COLUMNS) + tuple(rest)


def stock_bounds(name: str) -> tuple[float | None, float | None]:
    """Declared lower and upper bound of a stock (``None``: unbounded)."""
    for s in build_model().stocks:
        if s.name == name:
            return s.lower, s.upper
    return None, None


def stock_description(name: str) -> str:
    for s in build_model().stocks:
        if s.name == name:
            return s.description
    return ""


def color_of(name: str, i: int = 0) -> str:
    return COLORS.get(name, _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)])


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


# ------------------------------------------------------------------ uncertainty band
@dataclass(frozen=True)
class Band:
    """Quantiles of an ensemble over the mechanism constants.

    Attributes
    ----------
    time : array
    lower, upper : dict of arrays
        By column, the :data:`BAND_QUANTILES`.
    spread : float
        Each mechanism constant drawn uniformly within this fraction of its current
        value (and within its registry bounds).
    members, seed : int
    """

    time: np.ndarray
    lower: Mapping[str, np.ndarray]
    upper: Mapping[str, np.ndarray]
    spread: float
    members: int
    seed: int


def band_bounds(sc: Scenario, spread: float) -> dict[str, tuple[float, float]]:
    """Sampling range of every mechanism constant: its value times ``1 -/+ spread``,
    within the registry bounds."""
    out = {}
    for p in PARAMETERS.values():
        if p.group != "mechanism":
            continue
        v = float(sc.values[p.name])
        lo, hi = sorted((v * (1 - spread), v * (1 + spread)))
        out[p.name] = (max(p.lower, lo), min(p.upper, hi))
    return out


def uncertainty_band(sc: Scenario, spread: float, columns: Sequence[str],
                     members: int = BAND_MEMBERS, seed: int = BAND_SEED) -> Band:
    """Simulate ``members`` draws of the mechanism constants around the scenario's
    values with the ensemble engine and return the 5 % and 95 % quantiles."""
    bounds = band_bounds(sc, spread)
    table = sample_parameters(members, list(bounds), seed=seed, bounds=bounds)
    ds = simulate_ensemble(table, base=sc, columns=list(columns))
    q_lo, q_hi = BAND_QUANTILES
    lower = {c: np.quantile(ds[c].values, q_lo, axis=0) for c in columns}
    upper = {c: np.quantile(ds[c].values, q_hi, axis=0) for c in columns}
    return Band(np.asarray(ds["time"].values, dtype=float), lower, upper, spread, members,
                seed)


# ------------------------------------------------------------------ trajectories
def _event_text(kind: str, note: str) -> str:
    text = EVENT_LABELS.get(kind, kind.replace("_", " "))
    return f"{text} (event {note})" if note else text


def _change_text(lever: str, value) -> str:
    name = "contract" if lever == "contract" else label_of(lever).lower()
    shown = value if isinstance(value, str) else f"{float(value):g}"
    return f"{name} set to {shown}"


@dataclass(frozen=True)
class TimelineMark:
    """A letter drawn above the charts for events and lever changes close in time.

    Attributes
    ----------
    letter : str
    at : float
        Month of the first of them (where the letter is drawn).
    items : tuple of (month, text)
    color : str
        Grey for events, orange when the first is a lever change.
    """

    letter: str
    at: float
    items: tuple[tuple[float, str], ...]
    color: str

    @property
    def text(self) -> str:
        return "; ".join(f"month {at:g}: {what}" for at, what in self.items)


def timeline_marks(sc: Scenario, span: float | None = None) -> list[TimelineMark]:
    """Events and lever changes of ``sc`` grouped into lettered marks: those closer than
    4% of the horizon share a letter, so letters never overprint."""
    span = sc.final_time if span is None else span
    raw = [(e.at, _event_text(e.kind, e.note), EVENT_COLOR) for e in sc.events]
    raw += [(c.at, _change_text(c.lever, c.value), CHANGE_COLOR) for c in sc.lever_changes]
    clusters: list[list] = []
    for at, text, color in sorted(raw, key=lambda m: m[0]):
        if clusters and at - clusters[-1][1][-1][0] < 0.04 * span:
            clusters[-1][1].append((at, text))
        else:
            clusters.append([at, [(at, text)], color])
    return [TimelineMark(_letter(k), at, tuple(items), color)
            for k, (at, items, color) in enumerate(clusters)]


def _letter(k: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[k] if k < 26 else letters[k // 26 - 1] + letters[k % 26]


def _grid(n: int) -> tuple[int, int]:
    ncols = 2 if n > 1 else 1
    return math.ceil(n / ncols), ncols


def trajectory_figure(df: pd.DataFrame, sc: Scenario, columns: Sequence[str] | None = None,
                      baseline: pd.DataFrame | None = None, baseline_name: str = "",
                      band: Band | None = None) -> dict:
    """Small multiples of the stocks against time, one panel each, as a Plotly figure
    dict (built directly: a figure object's validation would cost seconds per redraw).

    Every current-setting trace carries ``meta = {"column": name, "role": "current"}``
    (``"baseline"``, ``"band-lower"``, ``"band-upper"`` for the others), so a reader of
    the page -- or a test -- can find the values drawn.

    Parameters
    ----------
    df : DataFrame
        Trajectories of ``sc``.
    sc : Scenario
        For its events, lever changes and name.
    columns : sequence of str, optional
        Stocks to show (default :func:`key_stocks`).
    baseline : DataFrame, optional
        Trajectories of a pinned baseline, drawn dashed grey.
    band : Band, optional
        Uncertainty band, drawn shaded.

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}`` for ``dcc.Graph`` or ``plotly.io``.
    """
    columns = list(columns or key_stocks())
    nrows, ncols = _grid(len(columns))
    t = [float(x) for x in df.index]
    marks = [(e.at, EVENT_COLOR, "dot") for e in sc.events]
    marks += [(c.at, CHANGE_COLOR, "dashdot") for c in sc.lever_changes]
    letters = timeline_marks(sc, t[-1] - t[0])
    panel_px, gap_px = 190, 58
    top_px = 70 + (22 if marks else 0)
    bottom_px = 55
    plot_px = nrows * panel_px + (nrows - 1) * gap_px
    height = plot_px + top_px + bottom_px
    hgap = 0.07
    width = (1 - hgap * (ncols - 1)) / ncols

    data: list[dict] = []
    shapes: list[dict] = []
    annotations: list[dict] = []
    layout: dict = {"height": height, "template": "plotly_white",
                    "margin": {"l": 55, "r": 20, "t": top_px, "b": bottom_px},
                    "legend": {"orientation": "h", "x": 0, "xanchor": "left",
                               "y": 1 + (top_px - 24) / plot_px, "yanchor": "bottom"},
                    "hovermode": "x unified", "uirevision": "keep",
                    "font": {"family": "Helvetica, Arial, sans-serif", "size": 12}}
    shown_legend: set[str] = set()

    def legend_once(key: str) -> bool:
        new = key not in shown_legend
        shown_legend.add(key)
        return new

    for i, c in enumerate(columns):
        row, col = divmod(i, ncols)
        k = "" if i == 0 else str(i + 1)
        xa, ya = f"x{k}", f"y{k}"
        y1 = 1 - row * (panel_px + gap_px) / plot_px
        y0 = y1 - panel_px / plot_px
        x0 = col * (width + hgap)
        last_row = row == nrows - 1 or i + ncols >= len(columns)
        layout[f"xaxis{k}"] = {"domain": [x0, x0 + width], "anchor": ya,
                               "range": [t[0], t[-1]], "showgrid": True,
                               "gridcolor": "#eeeeee", "matches": "x" if i else None,
                               "showticklabels": True,
                               "title": {"text": "Time (months)"} if last_row else None}
        layout[f"yaxis{k}"] = {"domain": [max(y0, 0.0), min(y1, 1.0)], "anchor": xa,
                               "showgrid": True, "gridcolor": "#eeeeee", "zeroline": False}
        layout[f"xaxis{k}"] = {a: b for a, b in layout[f"xaxis{k}"].items() if b is not None}
        annotations.append({"text": f"<b>{label(c)}</b>", "x": x0 + width / 2, "y": y1,
                            "xref": "paper", "yref": "paper", "xanchor": "center",
                            "yanchor": "bottom", "showarrow": False, "font": {"size": 13}})
        color = color_of(c, i)
        common = {"xaxis": xa, "yaxis": ya, "type": "scatter", "mode": "lines"}
        if band is not None and c in band.lower:
            bt = [float(x) for x in band.time]
            data.append({**common, "x": bt, "y": [float(x) for x in band.lower[c]],
                         "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
                         "meta": {"column": c, "role": "band-lower"}})
            data.append({**common, "x": bt, "y": [float(x) for x in band.upper[c]],
                         "line": {"width": 0}, "fill": "tonexty",
                         "fillcolor": _rgba(color, 0.2), "hoverinfo": "skip",
                         "legendgroup": "band", "showlegend": legend_once("band"),
                         "name": f"band holding 90% of {band.members} runs with the "
                                 f"mechanism constants +/-{band.spread:.0%}",
                         "meta": {"column": c, "role": "band-upper"}})
        if baseline is not None and c in baseline:
            data.append({**common, "x": [float(x) for x in baseline.index],
                         "y": [float(x) for x in baseline[c]],
                         "line": {"color": "#777777", "width": 1.8, "dash": "dash"},
                         "name": f"pinned baseline: {baseline_name}" if baseline_name
                         else "pinned baseline", "legendgroup": "baseline",
                         "showlegend": legend_once("baseline"),
                         "hovertemplate": "baseline %{y:.3f}<extra></extra>",
                         "meta": {"column": c, "role": "baseline"}})
        if legend_once("current"):
            data.append({**common, "x": [None], "y": [None], "hoverinfo": "skip",
                         "line": {"color": "#333333", "width": 2.6},
                         "name": "current setting (one colour per stock)",
                         "legendgroup": "current", "meta": {"role": "legend"}})
        data.append({**common, "x": t, "y": [float(x) for x in df[c]],
                     "line": {"color": color, "width": 2.6}, "name": "current setting",
                     "legendgroup": "current", "showlegend": False,
                     "hovertemplate": f"{label(c)} %{{y:.3f}}<extra></extra>",
                     "meta": {"column": c, "role": "current"}})
        lo, hi = stock_bounds(c)
        if lo is not None and hi is not None:
            pad = 0.03 * (hi - lo)
            layout[f"yaxis{k}"]["range"] = [lo - pad, hi + pad]
        dom = f"{ya} domain"
        if c == "performance":
            shapes.append({"type": "line", "xref": f"{xa} domain", "yref": ya, "x0": 0,
                           "x1": 1, "y0": 0, "y1": 0, "line": {"color": "#444444",
                                                               "width": 1}})
        if c == "collaborative_behaviour":
            top = hi if hi is not None else 1.0
            bottom = lo if lo is not None else 0.0
            for ya0, ya1, fill, alpha in ((SYNERGY_THRESHOLD, top, "#2ca02c", 0.12),
                                          (bottom, SYNERGY_THRESHOLD, "#d62728", 0.09)):
                shapes.append({"type": "rect", "xref": f"{xa} domain", "yref": ya, "x0": 0,
                               "x1": 1, "y0": ya0, "y1": ya1, "fillcolor": fill,
                               "opacity": alpha, "line": {"width": 0}, "layer": "below"})
            shapes.append({"type": "line", "xref": f"{xa} domain", "yref": ya, "x0": 0,
                           "x1": 1, "y0": SYNERGY_THRESHOLD, "y1": SYNERGY_THRESHOLD,
                           "line": {"color": "#888888", "width": 1, "dash": "dash"}})
            for text, yv, anchor, fc in (("SYNERGY", top, "top", "#2a7a2a"),
                                         ("INERTIA", bottom, "bottom", "#a03030")):
                annotations.append({"text": text, "x": 0.995, "y": yv,
                                    "xref": f"{xa} domain", "yref": ya, "xanchor": "right",
                                    "yanchor": anchor, "showarrow": False,
                                    "font": {"size": 10, "color": fc}})
        if "active" in df and (df["active"] < 0.5).any():
            t0 = float(df.index[np.argmax(df["active"].to_numpy() < 0.5)])
            shapes.append({"type": "rect", "xref": xa, "yref": dom, "x0": t0, "x1": t[-1],
                           "y0": 0, "y1": 1, "fillcolor": "#999999", "opacity": 0.2,
                           "line": {"width": 0}, "layer": "below"})
            if i == 0:
                annotations.append({"text": f"partnership dissolved at month {t0:g}",
                                    "x": t0, "y": 0.5, "xref": xa, "yref": dom,
                                    "xanchor": "left", "showarrow": False,
                                    "font": {"size": 11, "color": "#333333"}})
        for at, mcolor, dash in marks:
            shapes.append({"type": "line", "xref": xa, "yref": dom, "x0": at, "x1": at,
                           "y0": 0, "y1": 1, "line": {"color": mcolor, "width": 1.2,
                                                      "dash": dash}})
    for mark in letters:
        for col in range(min(ncols, len(columns))):
            xa = "x" if col == 0 else f"x{col + 1}"
            annotations.append({"text": f"<b>{mark.letter}</b>", "x": mark.at, "y": 1.0,
                                "xref": xa, "yref": "paper", "yshift": 26,
                                "showarrow": False, "xanchor": "center",
                                "yanchor": "bottom", "hovertext": mark.text,
                                "bgcolor": "white", "bordercolor": mark.color,
                                "borderwidth": 1, "borderpad": 2,
                                "font": {"size": 11, "color": mark.color}})
    layout["shapes"] = shapes
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------ phase portrait
def phase_portrait_png(sc: Scenario, x: str = "trust", y: str = "faith") -> str:
    """The phase portrait of the scenario's setting as a ``data:image/png`` URI (drawn by
    :func:`iocdynamics.analysis.phase.plot_phase`; nothing is written to disk)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ..analysis.phase import phase_data, plot_phase

    data = phase_data(sc, x, y)
    fig = Figure(figsize=(10, 6.2))
    ax = fig.add_subplot()
    plot_phase(data, ax=ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def stock_label(name: str) -> str:
    """Label of a stock for menus (its plot label)."""
    return label(name)
