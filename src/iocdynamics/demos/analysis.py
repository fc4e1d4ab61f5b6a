"""Equilibria, trust-faith phase portraits (two basins at the default constants) and
bifurcation diagrams over leadership and formalisation."""

from __future__ import annotations

from pathlib import Path

ORDER = 30

#: A scenario with synergy and inertia at the default constants, and its portrait.
BISTABLE_SCENARIO = "borderline_partnership"
#: Bifurcation diagrams: (scenario, parameter) with the fold pair, and the mandated
#: system over formalisation.
BIFURCATIONS = (("fig5_voluntary_partnership", "leadership_quality"),
                ("mandated_cross_sector_system", "formalisation"))


def run(out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ..analysis.autonomous import autonomous_system
    from ..analysis.bifurcation import (
        bifurcation_table,
        continuation,
        hysteresis_sweep,
        plot_bifurcation,
    )
    from ..analysis.equilibria import equilibria_table, find_equilibria
    from ..analysis.phase import phase_data, save_phase_figure
    from ..io import atomic_write
    from .scenarios import bundled_scenarios

    target = out_dir / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    paths = {p.stem: p for p in bundled_scenarios()}

    tables = []
    for stem, path in paths.items():
        system = autonomous_system(path)
        eqs = find_equilibria(system)
        df = equilibria_table(system, eqs)
        df.insert(0, "scenario", stem)
        tables.append(df)
        print(f"   {stem}: {len(eqs)} equilibri{'um' if len(eqs) == 1 else 'a'} "
              f"({', '.join(e.type for e in eqs)})")
    table = pd.concat(tables)
    atomic_write(target / "equilibria.csv", lambda p: table.to_csv(p, float_format="%.10g"))

    for stem in ("voluntary_buddying", "mandated_cross_sector_system", BISTABLE_SCENARIO):
        if stem in paths:
            data = phase_data(paths[stem], n_basin=41)
            for f in save_phase_figure(data, target / f"phase_{stem}"):
                print(f"   -> {f}")

    for stem, param in BIFURCATIONS:
        d = continuation(paths[stem], param, 0.0, 1.0)
        hysteresis_sweep(d, paths[stem])
        fig, axes = plt.subplots(1, 2, figsize=(13, 5))
        for ax, output in zip(axes, ("collaborative_behaviour", "trust")):
            plot_bifurcation(d, output, ax=ax)
            mark_context_changes(ax, paths[stem], param)
        fig.tight_layout()
        name = f"bifurcation_{param}_{stem}"
        for fmt in ("png", "pdf"):
            atomic_write(target / f"{name}.{fmt}",
                         lambda p, fmt=fmt, fig=fig: fig.savefig(p, dpi=150, format=fmt))
        plt.close(fig)
        tab = bifurcation_table(d, "collaborative_behaviour")
        atomic_write(target / f"{name}.csv",
                     lambda p, tab=tab: tab.to_csv(p, index=False, float_format="%.10g"))
        folds = ", ".join(f"{t.p:.3f}" for t in d.tipping_points if t.kind == "fold")
        print(f"   -> {target / name}.png (folds at {param}: {folds or 'none'})")


def mark_context_changes(ax, scenario, param: str) -> None:
    """Draw the values ``param`` takes later in the run (a new leader, a lever
    changed from a given month) as dash-dotted lines, added to the legend."""
    from matplotlib.lines import Line2D

    from ..analysis.tipping import context_segments
    from ..plotting import label
    from ..scenario import load_scenario

    later = [(start, changed[param]) for start, _, changed
             in context_segments(load_scenario(scenario)) if param in changed]
    if not later:
        return
    legend = ax.get_legend()
    handles = list(legend.legend_handles) if legend else []
    for h in handles:
        if h.get_label() == "scenario's value":
            h.set_label("scenario's value at the start")
    for start, value in later:
        ax.axvline(value, color="0.2", ls="-.", lw=1)
        handles.append(Line2D([], [], color="0.2", ls="-.", lw=1,
                              label=f"{label(param).lower()} from month {start:g}"))
    ax.legend(handles=handles, fontsize=7.5, loc="best", frameon=True, framealpha=0.85)
