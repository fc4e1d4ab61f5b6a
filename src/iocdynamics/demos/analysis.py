"""Equilibria, trust-faith phase portraits and a bifurcation diagram over formalisation."""

from __future__ import annotations

from pathlib import Path

ORDER = 30

#: A setting where the model is bistable (found by continuation: the bundled
#: scenarios are monostable at the registry's threshold steepness).
BISTABLE_SCENARIO = "imposed_buddying"
BISTABLE_SETTING = {"threshold_steepness": 12.0}
BISTABLE_FORMALISATION = 0.2


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

    for stem in ("voluntary_buddying", "mandated_cross_sector_system"):
        if stem in paths:
            data = phase_data(paths[stem])
            for f in save_phase_figure(data, target / f"phase_{stem}"):
                print(f"   -> {f}")

    bistable = {**BISTABLE_SETTING, "formalisation": BISTABLE_FORMALISATION}
    data = phase_data(paths[BISTABLE_SCENARIO], **bistable)
    data.scenario = (f"{data.scenario} ("
                     + ", ".join(f"{k} = {v:g}" for k, v in bistable.items()) + ")")
    for f in save_phase_figure(data, target / f"phase_{BISTABLE_SCENARIO}_bistable"):
        print(f"   -> {f}")

    for stem, setting in ((BISTABLE_SCENARIO, BISTABLE_SETTING),
                          ("mandated_cross_sector_system", {})):
        d = continuation(paths[stem], "formalisation", 0.0, 1.0, **setting)
        hysteresis_sweep(d, paths[stem], **setting)
        fig, axes = plt.subplots(1, 2, figsize=(13, 5))
        plot_bifurcation(d, "collaborative_behaviour", ax=axes[0])
        plot_bifurcation(d, "trust", ax=axes[1])
        fig.tight_layout()
        name = f"bifurcation_formalisation_{stem}"
        for fmt in ("png", "pdf"):
            atomic_write(target / f"{name}.{fmt}",
                         lambda p, fmt=fmt, fig=fig: fig.savefig(p, dpi=150, format=fmt))
        plt.close(fig)
        tab = bifurcation_table(d, "collaborative_behaviour")
        atomic_write(target / f"{name}.csv",
                     lambda p, tab=tab: tab.to_csv(p, index=False, float_format="%.10g"))
        folds = ", ".join(f"{t.p:.3f}" for t in d.tipping_points if t.kind == "fold")
        print(f"   -> {target / name}.png (folds at formalisation: {folds or 'none'})")
