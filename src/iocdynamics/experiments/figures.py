"""Figures of experiment results (matplotlib; no ``plt.show()``).

Every ``plot_*`` function draws on the axes it is given (or makes its own) and
returns them; the ``*_figure`` helpers lay out several panels and return the
figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..plotting import COLORS, label
from .metrics import METRICS
from .spec import Heatmap
from .summary import setting_titles, wilson_interval

BAND_ALPHAS = ((0.05, 0.95, 0.18), (0.25, 0.75, 0.35))


def _axes(ax, figsize=(7, 4)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_fan(times: np.ndarray, values: np.ndarray, ax=None, color: str = "#1f77b4",
             label_text: str | None = None):
    """Fan chart of an ensemble: the median and the 25-75% and 5-95% bands.

    Parameters
    ----------
    times : array, shape (T,)
    values : array, shape (members, T)
    ax : matplotlib Axes, optional
    color : str
    label_text : str, optional
        Legend label of the median line.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    values = np.asarray(values, dtype=float)
    for lo, hi, alpha in BAND_ALPHAS:
        ax.fill_between(times, np.quantile(values, lo, axis=0),
                        np.quantile(values, hi, axis=0), color=color, alpha=alpha, lw=0)
    ax.plot(times, np.median(values, axis=0), color=color, lw=1.8, label=label_text)
    ax.set_xlim(times[0], times[-1])
    ax.grid(alpha=0.3)
    return ax


#: Colours of the levels compared within a panel (Okabe-Ito, colour-blind safe).
LEVEL_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
MAX_FAN_PANELS = 9
UNIT_STOCKS_EXCEPT = ("performance", "ambition_level", "time_below_critical")


def fan_layout(settings: pd.DataFrame) -> tuple[str | None, list[str]]:
    """Which lever's levels share a panel (in colours) and which levers make the
    panels: the first lever with the most levels among those with 2 to 5 levels is
    compared within each panel; every other lever makes the panels."""
    cols = [str(c) for c in settings.columns]
    counts = {c: settings[c].astype(str).nunique() for c in cols}
    cand = [c for c in cols if 2 <= counts[c] <= len(LEVEL_COLOURS)]
    if not cand:
        return None, cols
    best = max(counts[c] for c in cand)
    colour = next(c for c in cand if counts[c] == best)
    return colour, [c for c in cols if c != colour]


def fan_chart_figure(ds: xr.Dataset, stock: str, settings: pd.DataFrame,
                     title: str = ""):
    """Fan charts of ``stock``: one panel per combination of the other levers, the
    levels of one lever compared in colour within each panel (median and 25-75% of
    members; with a single level also 5-95%). At most nine panels, larger than
    small multiples; a 0..1 stock carries the codebook's level labels.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ..plotting import level_axis

    colour, panel_cols = fan_layout(settings)
    keys = [tuple(str(v) for v in row) for row in
            settings[panel_cols].itertuples(index=False)] if panel_cols \
        else [()] * len(settings)
    panels = list(dict.fromkeys(keys))
    n_all = len(panels)
    panels = panels[:MAX_FAN_PANELS]
    n = len(panels)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    width, height = 4.3 * ncols + 0.9, 3.1 * nrows + 1.5
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), sharex=True,
                             sharey=True, squeeze=False)
    fig.subplots_adjust(left=0.8 / width, right=1 - 0.75 / width, bottom=1.05 / height,
                        top=1 - 0.75 / height, hspace=0.35, wspace=0.12)
    t = ds["time"].values
    levels = list(dict.fromkeys(settings[colour].astype(str))) if colour else [""]
    colours = dict(zip(levels, LEVEL_COLOURS)) if colour else \
        {"": COLORS.get(stock, "#1f77b4")}
    unit = stock not in UNIT_STOCKS_EXCEPT
    for i in range(nrows * ncols):
        ax = axes.flat[i]
        if i >= n:
            ax.set_visible(False)
            continue
        for lv in levels:
            sel = np.array([k == panels[i] for k in keys])
            if colour:
                sel &= (settings[colour].astype(str) == lv).to_numpy()
            for j in np.flatnonzero(sel):
                v = ds[stock].isel(setting=int(j)).transpose("member", "time").values
                c = colours[lv]
                if len(levels) == 1:
                    plot_fan(t, v, ax=ax, color=c)
                else:
                    ax.fill_between(t, np.quantile(v, 0.25, axis=0),
                                    np.quantile(v, 0.75, axis=0), color=c, alpha=0.2, lw=0)
                    ax.plot(t, np.median(v, axis=0), color=c, lw=2)
        if stock == "performance":
            ax.axhline(0, color="0.4", lw=0.8)
        thr = ds.attrs.get("synergy_threshold")
        if stock == "collaborative_behaviour" and thr is not None:
            ax.axhline(thr, color="0.4", lw=0.8, ls="--")
        ax.set_xlim(t[0], t[-1])
        ax.grid(alpha=0.3)
        if panels[i]:
            ax.set_title(", ".join(f"{c} = {v}" for c, v in zip(panel_cols, panels[i])),
                         fontsize=10)
        ax.tick_params(labelsize=9)
        if unit:
            ax.set_ylim(0, 1)
            if i % ncols == ncols - 1 or i == n - 1:
                level_axis(ax, fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("Time (months)", fontsize=10)
    ylab = {"performance": "Relative to baseline (0)",
            "ambition_level": "Targeted / achievable",
            "time_below_critical": "Months"}.get(stock, "Level (0-1)")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylab, fontsize=10)
    more = f" (first {n} of {n_all} panels)" if n < n_all else ""
    fig.suptitle(f"{title}: {label(stock)}{more}", fontsize=13, y=1 - 0.15 / height,
                 va="top")
    if colour:
        handles = [plt.Line2D([], [], color=colours[lv], lw=2.5, label=lv) for lv in levels]
        handles.append(Patch(color="0.5", alpha=0.25, label="25-75% of members"))
        legend_title = f"{lever_label(colour)} (lines: median)"
    else:
        c = colours[""]
        handles = [Patch(color=c, alpha=0.18, label="5-95% of members"),
                   Patch(color=c, alpha=0.45, label="25-75%"),
                   plt.Line2D([], [], color=c, lw=1.8, label="median")]
        legend_title = None
    if stock == "collaborative_behaviour" and ds.attrs.get("synergy_threshold") is not None:
        handles.append(plt.Line2D([], [], color="0.4", lw=0.8, ls="--",
                                  label="synergy threshold"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9,
               frameon=False, bbox_to_anchor=(0.5, 0.0), title=legend_title,
               title_fontsize=9)
    return fig


def _cell_statistic(values: np.ndarray, statistic: str, kind: str) -> float:
    if kind == "binary":
        return float(np.mean(values))
    if kind == "censored":
        v = np.where(np.isnan(values), np.inf, values)
        q = {"median": 0.5, "p5": 0.05, "p95": 0.95}.get(statistic, 0.5)
        out = float(np.quantile(v, q, method="inverted_cdf"))
        return out if math.isfinite(out) else float("nan")
    if statistic == "mean":
        return float(np.mean(values))
    q = {"median": 0.5, "p5": 0.05, "p95": 0.95}[statistic]
    return float(np.quantile(values, q))


def heatmap_table(metrics: xr.Dataset, settings: pd.DataFrame, hm: Heatmap,
                  facet_level: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The ``y`` x ``x`` table of a heatmap (members of settings that share a cell
    are pooled) and the levers pooled over."""
    mask = np.ones(len(settings), dtype=bool)
    for k, v in hm.where.items():
        mask &= settings[k].astype(str).to_numpy() == v
    if hm.facet is not None and facet_level is not None:
        mask &= settings[hm.facet].astype(str).to_numpy() == facet_level
    used = {hm.x, hm.y} | ({hm.facet} if hm.facet else set()) | set(hm.where)
    pooled = [c for c in settings.columns if c not in used]
    xs = list(dict.fromkeys(settings[hm.x]))
    ys = list(dict.fromkeys(settings[hm.y]))
    kind = METRICS[hm.metric].kind
    table = pd.DataFrame(np.nan, index=ys, columns=xs)
    v = metrics[hm.metric].transpose("setting", "member").values
    for yv in ys:
        for xv in xs:
            sel = mask & (settings[hm.x].to_numpy() == xv) & (settings[hm.y].to_numpy() == yv)
            if sel.any():
                table.loc[yv, xv] = _cell_statistic(v[sel].ravel(), hm.statistic, kind)
    table.index.name, table.columns.name = hm.y, hm.x
    return table, pooled


def lever_label(name) -> str:
    """Axis label of a lever, with its units when they are not dimensionless."""
    from ..registry import PARAMETERS

    name = str(name)
    p = PARAMETERS.get(name)
    units = {"Month": "months", "1/Month": "per month"}.get(p.units) if p else None
    if name == "quick_wins":
        return "Planned quick wins (count)"
    return f"{label(name)} ({units})" if units else label(name)


def plot_heatmap(table: pd.DataFrame, ax=None, vmin=None, vmax=None, cmap="viridis",
                 fmt: str = "{:.2f}", colorbar_label: str | None = None):
    """Heatmap of a table (rows = ``y`` levels, columns = ``x`` levels), each cell
    annotated with its value; empty cells (NaN) are hatched grey.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    ax = _axes(ax, figsize=(6, 4))
    data = table.to_numpy(dtype=float)
    masked = np.ma.masked_invalid(data)
    cm = plt.get_cmap(cmap).with_extremes(bad="0.85")
    im = ax.imshow(masked, cmap=cm, vmin=vmin, vmax=vmax, aspect="auto", origin="lower")
    ax.set_xticks(range(data.shape[1]), [str(c) for c in table.columns], fontsize=8)
    ax.set_yticks(range(data.shape[0]), [str(r) for r in table.index], fontsize=8)
    ax.set_xlabel(lever_label(table.columns.name) if table.columns.name else "")
    ax.set_ylabel(lever_label(table.index.name) if table.index.name else "")
    for (i, j), val in np.ndenumerate(data):
        if np.isnan(val):
            ax.text(j, i, "n/a", ha="center", va="center", fontsize=7, color="0.3")
            continue
        r, g, b, _ = im.cmap(im.norm(val))
        light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45
        ax.text(j, i, fmt.format(val), ha="center", va="center", fontsize=7.5,
                color="black" if light else "white")
    if colorbar_label is not None:
        ax.figure.colorbar(im, ax=ax, label=colorbar_label, shrink=0.9)
    return ax


def heatmap_figure(metrics: xr.Dataset, settings: pd.DataFrame, hm: Heatmap,
                   title: str = ""):
    """One heatmap per facet level (shared colour scale).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    facets = list(dict.fromkeys(settings[hm.facet])) if hm.facet else [None]
    tables = [heatmap_table(metrics, settings, hm, f) for f in facets]
    allv = np.concatenate([t.to_numpy(dtype=float).ravel() for t, _ in tables])
    finite = allv[np.isfinite(allv)]
    meta = METRICS[hm.metric]
    if meta.kind == "binary":
        vmin, vmax = 0.0, 1.0
    elif finite.size:
        vmin, vmax = float(finite.min()), float(finite.max())
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
    else:
        vmin, vmax = 0.0, 1.0
    cmap = "magma_r" if hm.metric in ("dissolved", "months_below_baseline",
                                      "time_to_synergy") else "viridis"
    fig, axes = plt.subplots(1, len(facets), figsize=(4.6 * len(facets) + 1.6, 4.4),
                             squeeze=False, layout="constrained")
    for ax, f, (table, _) in zip(axes.flat, facets, tables):
        fmt = "{:.0f}" if hm.metric in ("time_to_synergy", "months_below_baseline") \
            else "{:.2f}"
        plot_heatmap(table, ax=ax, vmin=vmin, vmax=vmax, cmap=cmap, fmt=fmt)
        if f is not None:
            ax.set_title(f"{label(hm.facet)} = {f}", fontsize=10)
    for ax in list(axes.flat)[1:]:
        ax.set_ylabel("")
    stat = "probability" if meta.kind == "binary" else hm.statistic
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(vmin, vmax))
    how = "share of members" if meta.kind == "binary" else f"{stat} over members"
    fig.colorbar(sm, ax=list(axes.flat), label=f"{meta.label}\n({how})", shrink=0.9)
    pooled = tables[0][1]
    sub = f"; pooled over {', '.join(pooled)}" if pooled else ""
    where = "; " + ", ".join(f"{k}={v}" for k, v in hm.where.items()) if hm.where else ""
    what = meta.label.split(" (")[0]
    what = what if meta.kind == "binary" else f"{stat} of {what.lower()}"
    fig.suptitle(f"{title}: {what}{where}{sub}", fontsize=10.5)
    if hm.metric == "time_to_synergy" and not np.isfinite(allv).all():
        fig.supxlabel("n/a: that share of members never reached synergy by the "
                 "horizon", fontsize=7.5, color="0.3")
    return fig


def plot_synergy_probability(metrics: xr.Dataset, settings: pd.DataFrame, ax=None,
                             title: str = ""):
    """Probability of reaching synergy by the horizon per lever setting, with 90%
    Wilson intervals, and the probability of dissolution beside it.

    Returns
    -------
    matplotlib Axes
    """
    n_set = metrics.sizes["setting"]
    ax = _axes(ax, figsize=(7.5, 0.32 * n_set + 1.6))
    n = metrics.sizes["member"]
    titles = setting_titles(settings)
    y = np.arange(n_set)[::-1]
    for name, color, off, lab in (("reached_synergy", COLORS["collaborative_behaviour"],
                                   0.17, "reached synergy"),
                                  ("dissolved", "#7f7f7f", -0.17, "dissolved")):
        v = metrics[name].transpose("setting", "member").values
        k = v.sum(axis=1)
        p = k / n
        lo, hi = wilson_interval(k, n)
        ax.barh(y + off, p, height=0.32, color=color, alpha=0.85, label=lab)
        ax.errorbar(p, y + off, xerr=[p - lo, hi - p], fmt="none", ecolor="0.2",
                    elinewidth=0.8, capsize=2)
    if max((len(t) for t in titles), default=0) > 60:
        # many levers: aligned columns of level labels, lever names as the axis label
        widths = [max(len(str(v)) for v in settings[c]) for c in settings.columns]
        titles = [" ".join(str(v).rjust(w) for v, w in zip(row, widths))
                  for row in settings.itertuples(index=False)]
        ax.set_yticks(y, titles, fontsize=7, family="monospace")
        compact = True
    else:
        compact = False
        ax.set_yticks(y, titles, fontsize=7.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"Probability by the horizon (share of {n} members; bars: 90% interval)")
    ax.grid(axis="x", alpha=0.3)
    # above the bars, never over them
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8,
              frameon=False, borderaxespad=0.2)
    thr = metrics.attrs.get("synergy_threshold")
    text = (f"{title}: reaching synergy (behaviour > {thr:g}) and dissolution"
            if thr is not None else title)
    if compact:
        text += "\nsettings (left, in columns): " + ", ".join(settings.columns)
    ax.set_title(text, fontsize=9, pad=20)
    return ax


def plot_metric_ranges(summary: pd.DataFrame, metric: str, ax=None,
                       titles: Sequence[str] | None = None):
    """Median and 5-95% range of a continuous metric per setting (horizontal).

    Returns
    -------
    matplotlib Axes
    """
    n = len(summary)
    ax = _axes(ax, figsize=(7, 0.3 * n + 1.5))
    y = np.arange(n)[::-1]
    med = summary[f"{metric}_median"].to_numpy()
    lo, hi = summary[f"{metric}_p5"].to_numpy(), summary[f"{metric}_p95"].to_numpy()
    ax.hlines(y, lo, hi, color="0.4", lw=2, alpha=0.6, label="5-95%")
    ax.plot(med, y, "o", color=COLORS.get("performance"), label="median")
    ax.set_yticks(y, titles if titles is not None else [str(i) for i in range(n)],
                  fontsize=7.5)
    ax.set_xlabel(METRICS[metric].label)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return ax
