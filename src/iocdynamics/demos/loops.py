"""Loop dominance in the Fig. 5 partnership: Loops That Matter, gains at equilibria."""

from __future__ import annotations

from pathlib import Path

ORDER = 35
SCENARIO = "fig5_voluntary_partnership"
#: Bistable at the default constants: synergy and inertia with a saddle between them.
BISTABLE = "borderline_partnership"
#: The trust-building loop's success link, continued until synergy folds into the saddle.
FOLD_PARAM = ("success_trust_boost", 0.0, 1.0)


def run(out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ..analysis import continuation
    from ..io import atomic_write, read_toml
    from ..loops import equilibrium_loop_gains, loop_gains_at, loop_scores, plot_dominance
    from .scenarios import bundled_scenarios

    target = out_dir / "loops"
    target.mkdir(parents=True, exist_ok=True)
    paths = {p.stem: p for p in bundled_scenarios()}
    fig5 = read_toml(paths[SCENARIO], ValueError, "scenario")
    without = {**fig5, "name": fig5["name"] + " without its quick wins",
               "events": [e for e in fig5["events"] if e["kind"] != "quick_win"]}
    for stem, scenario in ((SCENARIO, paths[SCENARIO]),
                           (f"{SCENARIO}_without_quick_wins", without)):
        res = loop_scores(scenario)
        frame = res.at_save_times(res.named_relative())
        atomic_write(target / f"{stem}_relative_scores.csv",
                     lambda p, frame=frame: frame.to_csv(p, float_format="%.10g"))
        atomic_write(target / f"{stem}_loops.csv",
                     lambda p, res=res: res.table.to_csv(p, float_format="%.10g"))
        top, _ = plot_dominance(res)
        fig = top.figure
        for fmt in ("png", "pdf"):
            atomic_write(target / f"{stem}_dominance.{fmt}",
                         lambda p, fmt=fmt, fig=fig: fig.savefig(p, dpi=150, format=fmt))
        plt.close(fig)
        print(f"   {stem}: {len(res.loops)} loops -> {target / stem}_dominance.png")
    frames = []
    for stem in (SCENARIO, BISTABLE):
        df = equilibrium_loop_gains(paths[stem], n_eigen=None).table.copy()
        df.insert(0, "scenario", stem)
        frames.append(df)
    param, lo, hi = FOLD_PARAM
    diagram = continuation(paths[BISTABLE], param, lo, hi)
    folds = [tp for tp in diagram.tipping_points if tp.kind == "fold"]
    for k, tp in enumerate(folds, 1):
        _, df = loop_gains_at(paths[BISTABLE], tp.x, n_eigen=None, **{param: tp.p})
        df.insert(0, "scenario", f"{BISTABLE} fold {param}={tp.p:.4g}")
        df.insert(1, "equilibrium", k)
        df.insert(2, "type", "fold")
        frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    atomic_write(target / "equilibrium_loop_gains.csv",
                 lambda p: table.to_csv(p, index=False, float_format="%.10g"))
    print(f"   -> {target / 'equilibrium_loop_gains.csv'} ({len(folds)} fold(s) over {param})")
