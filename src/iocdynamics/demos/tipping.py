"""Fig. 5 with and without its quick wins, over the portraits of its contexts."""

from __future__ import annotations

from pathlib import Path

ORDER = 35

SCENARIO = "fig5_voluntary_partnership"
REMOVED = ("quick_win",)


def run(out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..analysis.tipping import plot_tipping, tipping_data
    from ..io import atomic_write
    from .scenarios import bundled_scenarios

    path = next(p for p in bundled_scenarios() if p.stem == SCENARIO)
    data = tipping_data(path, remove=REMOVED)
    for seg in data.segments:
        print(f"   {seg.describe()}: stable states {', '.join(seg.regimes) or 'none'}; "
              + "; ".join(f"run {n}: {seg.status(n)}" for n in data.runs))
    for name, df in data.runs.items():
        b = df["collaborative_behaviour"]
        print(f"   run {name}: collaborative behaviour {b.iloc[-1]:.2f} at month "
              f"{df.index[-1]:g}")
    axes = plot_tipping(data)
    fig = axes[0].figure
    target = out_dir / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    stem = target / f"{SCENARIO}_{'_'.join(REMOVED)}s"
    for fmt in ("png", "pdf"):
        atomic_write(stem.with_suffix(f".{fmt}"),
                     lambda p, fmt=fmt: fig.savefig(p, dpi=120, format=fmt))
    plt.close(fig)
    print(f"   -> {stem}.png")
