"""Simulate the bundled scenarios with PySD; tables, overview figures and Fig. 5."""

from __future__ import annotations

from pathlib import Path

ORDER = 10


def bundled_scenarios() -> list[Path]:
    """The scenario files shipped in ``experiments/scenarios/``."""
    root = Path(__file__).resolve().parents[3] / "experiments" / "scenarios"
    return sorted(root.glob("*.toml"))


def run(out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_write
    from ..plotting import plot_fig5, plot_scenario
    from ..scenario import load_scenario
    from ..simulation import simulate

    target = out_dir / "scenarios"
    target.mkdir(parents=True, exist_ok=True)
    for path in bundled_scenarios():
        sc = load_scenario(path)
        df = simulate(sc, engine="pysd")
        stem = path.stem
        atomic_write(target / f"{stem}.csv", lambda p, df=df: df.to_csv(p, float_format="%.10g"))
        fig = plot_scenario(df, sc)
        atomic_write(target / f"{stem}.png", lambda p, fig=fig: fig.savefig(p, dpi=130,
                                                                             format="png"))
        plt.close(fig)
        print(f"   {stem}: {len(df)} rows -> {target / stem}.csv/.png")
        if stem.startswith("fig5"):
            axes = plot_fig5(df, sc)
            fig = axes[0].figure
            atomic_write(out_dir / "fig5_trust_faith.png",
                         lambda p, fig=fig: fig.savefig(p, dpi=150, format="png"))
            atomic_write(out_dir / "fig5_trust_faith.pdf",
                         lambda p, fig=fig: fig.savefig(p, format="pdf"))
            plt.close(fig)
            print(f"   Fig. 5 -> {out_dir / 'fig5_trust_faith.png'}")
