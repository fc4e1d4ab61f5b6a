"""Policy experiments (reduced ensembles) and a Morris screening, on the fast engine.

Runs every bundled experiment of ``experiments/*.toml`` with a reduced number of
members per lever setting and writes each one's ensemble, summary and figures
under ``OUT/experiments/NAME/``; PRIM scenario discovery of dissolution in
``set_up_for_failure``; then a small Morris screening of the mechanism
constants under ``OUT/experiments/sensitivity_morris/``.
"""

from __future__ import annotations

from pathlib import Path

ORDER = 50
DEMO_MEMBERS = 40
"""Members per lever setting in the demo (the files ask for 200)."""
MORRIS_TRAJECTORIES = 10


def bundled_experiments() -> list[Path]:
    """The experiment files shipped in ``experiments/``."""
    root = Path(__file__).resolve().parents[3] / "experiments"
    return sorted(root.glob("*.toml"))


def run(out_dir: Path) -> None:
    from ..experiments.runner import run_experiment
    from ..experiments.sensitivity import run_sensitivity

    target = out_dir / "experiments"
    for path in bundled_experiments():
        res = run_experiment(path, target / path.stem, members=DEMO_MEMBERS,
                             resumable=False)
        s = res.summary
        best = s["reached_synergy_probability"].idxmax()
        print(f"   {path.stem}: {len(s)} settings x {DEMO_MEMBERS} members; best "
              f"P(synergy) {s.loc[best, 'reached_synergy_probability']:.2f} at "
              f"{', '.join(f'{c}={s.loc[best, c]}' for c in res.design.settings.columns)}"
              f" -> {res.out_dir}")
    prim_step(target / "set_up_for_failure")
    root = Path(__file__).resolve().parents[3]
    run_sensitivity(root / "experiments" / "scenarios" / "fig5_voluntary_partnership.toml",
                    target / "sensitivity_morris", method="morris",
                    n=MORRIS_TRAJECTORIES, seed=1,
                    outputs=("behaviour_at_horizon", "cumulative_performance"))
    print(f"   Morris screening -> {target / 'sensitivity_morris'}")


PRIM_INPUTS = ("conflict_resolution", "external_broker", "evaluation_interval",
               "financial_constraints", "regulatory_support", "quick_wins",
               "history_of_collaboration", "leadership_quality", "power_imbalance")


def prim_step(results: Path) -> None:
    """PRIM on ``set_up_for_failure``: which levers and contexts hold the dissolutions
    (written to ``RESULTS_prim_dissolved.csv`` beside the results folder, which holds
    one experiment run and nothing else)."""
    from ..experiments.ema import describe_box, prim_discovery
    from ..io import atomic_write

    p, box = prim_discovery(results, outcome="dissolved", threshold=0.5,
                            inputs=PRIM_INPUTS, max_dims=4)
    stats, limits = describe_box(p, box)
    atomic_write(results.with_name(f"{results.name}_prim_dissolved.csv"),
                 lambda f: limits.to_csv(f, index=False, float_format="%.4g"))
    dims = "; ".join(f"{r['input']} in {{{r['levels']}}}" if isinstance(r.get("levels"), str)
                     else f"{r['input']} {r['lower']:.2f}..{r['upper']:.2f}"
                     for _, r in limits.iterrows())
    print(f"   PRIM (dissolved): coverage {stats['coverage']:.2f}, density "
          f"{stats['density']:.2f}, mass {stats['mass']:.2f}: {dims}")
