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
    from .scenarios import bundled_scenarios

    base = next(p for p in bundled_scenarios() if p.stem == SCENARIO)
    target = out_dir / "ensemble"
    target.mkdir(parents=True, exist_ok=True)
    store = target / f"{SCENARIO}_{MEMBERS}.nc"
    ds = simulate_ensemble(MEMBERS, base, seed=SEED, store=store)
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True)
    for ax, col, color in zip(axes.flat, ("trust", "faith", "collaborative_behaviour",
                                          "performance"), ("C0", "C1", "C2", "C3")):
        plot_bands(ds, col, ax=ax, color=color, title=None)
    axes[0, 0].legend(loc="lower right", fontsize=8)
    share = float(ds["active"].isel(time=-1).mean())
    fig.suptitle(f"{ds.attrs.get('base_scenario', SCENARIO)}: {MEMBERS:,} members, every "
                 f"mechanism parameter drawn over its bounds (seed {SEED}); "
                 f"{share:.0%} still active at month {ds['time'].values[-1]:g}",
                 fontsize=10)
    fig.tight_layout()
    png = target / f"{SCENARIO}_{MEMBERS}.png"
    atomic_write(png, lambda p: fig.savefig(p, dpi=130, format="png"))
    plt.close(fig)
    ds.close()
    print(f"   ensemble: {MEMBERS} members -> {store}, {png}")
