"""An ensemble over the mechanism parameters with the fast engine: spread of outcomes."""

from __future__ import annotations

from pathlib import Path

ORDER = 40
MEMBERS = 2000
SEED = 7
SCENARIO = "voluntary_buddying"


def run(out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..ensembles import plot_bands, simulate_ensemble
    from ..io import atomic_write
    from ..plotting import level_axis
    from ..registry import PARAMETERS
    from ..simulation import simulate
    from .scenarios import bundled_scenarios

    base = next(p for p in bundled_scenarios() if p.stem == SCENARIO)
    target = out_dir / "ensemble"
    target.mkdir(parents=True, exist_ok=True)
    store = target / f"{SCENARIO}_{MEMBERS}.nc"
    ds = simulate_ensemble(MEMBERS, base, seed=SEED, store=store)
    own = simulate(base)  # the scenario at the registry's default constants
    varied = sum(1 for p in PARAMETERS.values() if p.group == "mechanism")
    fig, axes = plt.subplots(2, 2, figsize=(12, 7.5), sharex=True)
    for ax, col, color in zip(axes.flat, ("trust", "faith", "collaborative_behaviour",
                                          "performance"), ("C0", "C1", "C2", "C3")):
        plot_bands(ds, col, ax=ax, color=color, title=None)
        ax.plot(own.index, own[col], color="black", lw=1.4, ls="--",
                label="the scenario at its default constants")
        if col != "performance":
            ax.set_ylim(0, 1)
            level_axis(ax)
        else:
            ax.axhline(0, color="0.4", lw=0.8)
    axes[0, 0].legend(loc="lower right", fontsize=8)
    for ax in axes[0]:
        ax.set_xlabel("")
    share = float(ds["active"].isel(time=-1).mean())
    name = ds.attrs.get("base_scenario", SCENARIO)
    fig.suptitle(f"{name}: what the model's uncertain constants alone can do", fontsize=12)
    fig.text(0.5, 0.005,
             f"{MEMBERS:,} members; in each, all {varied} mechanism constants are drawn "
             "uniformly across their whole plausible range (seed "
             f"{SEED}); context and levers stay those of the scenario. The bands are this "
             "spread, not a forecast. The dashed line is the scenario at its default "
             "constants (its own figure): the distance between them is what the "
             "uncertainty of the constants alone does (a threshold or an adjustment time "
             f"drawn far from its default). {share:.0%} of members are still active at "
             f"month {ds['time'].values[-1]:g}.",
             ha="center", va="bottom", fontsize=8.5, wrap=True, color="0.25")
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    png = target / f"{SCENARIO}_{MEMBERS}.png"
    atomic_write(png, lambda p: fig.savefig(p, dpi=130, format="png"))
    plt.close(fig)
    ds.close()
    print(f"   ensemble: {MEMBERS} members -> {store}, {png}")
