"""Loop dominance in the Fig. 5 partnership: Loops That Matter, gains at equilibria."""

from __future__ import annotations

from pathlib import Path

ORDER = 35
SCENARIO = "fig5_voluntary_partnership"
#: The bistable setting of the analysis step, where the tipping point is a saddle.
BISTABLE = ("imposed_buddying", {"threshold_steepness": 12.0, "formalisation": 0.2})


def run(out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_write
    from ..loops import equilibrium_loop_gains, loop_scores, plot_dominance
    from .scenarios import bundled_scenarios

    target = out_dir / "loops"
    target.mkdir(parents=True, exist_ok=True)
    paths = {p.stem: p for p in bundled_scenarios()}
    res = loop_scores(paths[SCENARIO])
    frame = res.at_save_times(res.named_relative())
    atomic_write(target / f"{SCENARIO}_relative_scores.csv",
                 lambda p: frame.to_csv(p, float_format="%.10g"))
    atomic_write(target / f"{SCENARIO}_loops.csv",
                 lambda p: res.table.to_csv(p, float_format="%.10g"))
    top, _ = plot_dominance(res)
    fig = top.figure
    for fmt in ("png", "pdf"):
        atomic_write(target / f"{SCENARIO}_dominance.{fmt}",
                     lambda p, fmt=fmt: fig.savefig(p, dpi=150, format=fmt))
    plt.close(fig)
    print(f"   {SCENARIO}: {len(res.loops)} loops -> {target / SCENARIO}_dominance.png")
    frames = []
    for stem, setting in ((SCENARIO, {}), BISTABLE):
        g = equilibrium_loop_gains(paths[stem], n_eigen=None, **setting)
        df = g.table.copy()
        df.insert(0, "scenario", stem + "".join(f" {k}={v:g}" for k, v in setting.items()))
        frames.append(df)
    import pandas as pd

    table = pd.concat(frames, ignore_index=True)
    atomic_write(target / "equilibrium_loop_gains.csv",
                 lambda p: table.to_csv(p, index=False, float_format="%.10g"))
    print(f"   -> {target / 'equilibrium_loop_gains.csv'}")
