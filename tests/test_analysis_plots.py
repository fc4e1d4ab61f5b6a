"""Phase portraits, bifurcation diagrams and the analysis commands."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from iocdynamics.analysis.autonomous import autonomous_system  # noqa: E402
from iocdynamics.analysis.bifurcation import (  # noqa: E402
    continuation,
    hysteresis_sweep,
    plot_bifurcation,
)
from iocdynamics.analysis.phase import phase_data, plot_phase  # noqa: E402
from iocdynamics.analysis.qss import QuasiSteadyState  # noqa: E402
from iocdynamics.cli import main  # noqa: E402

from .conftest import bundled  # noqa: E402

SETTING: dict[str, float] = {}  # the default constants: the Fig. 5 context is bistable


def _lines(ax, gid):
    return [np.column_stack(line.get_data()) for line in ax.get_lines()
            if line.get_gid() == gid]


@pytest.fixture(scope="module")
def portrait():
    return phase_data(bundled("fig5_voluntary_partnership"), n_grid=41, n_basin=9,
                      n_traj=2, **SETTING)


def test_plotted_nullclines_are_the_computed_ones(portrait):
    fig, ax = plt.subplots()
    assert plot_phase(portrait, ax=ax) is ax
    for name in ("trust", "faith"):
        drawn = _lines(ax, f"nullcline:{name}")
        computed = portrait.nullclines[name]
        assert drawn and len(drawn) == len(computed)
        for a, b in zip(drawn, computed):
            assert np.allclose(a, b)
    plt.close(fig)


def test_nullclines_are_zeros_of_the_reduced_field_and_meet_at_equilibria(portrait):
    system = autonomous_system(bundled("fig5_voluntary_partnership"), **SETTING)
    q = QuasiSteadyState(system)
    scale = np.nanmax(np.abs(portrait.u))
    for k, name in enumerate(("trust", "faith")):
        pts = np.vstack(portrait.nullclines[name]).T
        _, roots, _ = q.field(pts)
        # zero up to the linear interpolation of a 41-point grid
        assert np.nanmax(np.abs(roots[k])) < 0.02 * max(scale, 1e-3) + 5e-3
    for e in portrait.equilibria:
        for name in ("trust", "faith"):
            d = min(np.min(np.hypot(seg[:, 0] - e.x, seg[:, 1] - e.y))
                    for seg in portrait.nullclines[name])
            assert d < 0.02


def test_basins_and_markers_follow_the_equilibria(portrait):
    assert len(portrait.attractors) == 2
    assert set(np.unique(portrait.basins)) <= {-1, 0, 1}
    assert {0, 1} <= set(np.unique(portrait.basins))
    fig, ax = plt.subplots()
    plot_phase(portrait, ax=ax)
    marks = _lines(ax, "equilibrium")
    assert len(marks) == len(portrait.equilibria)
    for m, e in zip(marks, portrait.equilibria):
        assert np.allclose(m[0], [e.x, e.y])
    plt.close(fig)


def test_fixed_mode_draws_the_field_with_the_other_stocks_held():
    """In fixed mode the arrows are the model's trust and faith rates with conflict
    held at the given value and every other stock at its initial value (initial
    values from a simulation, rates from the sympy equations)."""
    from iocdynamics.scenario import load_scenario
    from iocdynamics.simulation import simulate

    from .sector_harness import STOCKS, rate, state

    sc = bundled("voluntary_buddying")
    data = phase_data(sc, mode="fixed", n_grid=5, n_basin=3, n_traj=2,
                      fixed={"conflict": 0.2})
    start = simulate(sc, columns=list(STOCKS)).iloc[0].to_dict()
    held = state(**load_scenario(sc).values, **start)
    held.update(conflict=0.2, time_below_critical=0.0)
    assert "conflict 0.20" in data.note
    for j, y in enumerate(data.ys):
        for i, x in enumerate(data.xs):
            point = dict(held, trust=x, faith=y)
            assert data.u[j, i] == pytest.approx(rate("trust", point), rel=1e-9, abs=1e-12)
            assert data.v[j, i] == pytest.approx(rate("faith", point), rel=1e-9, abs=1e-12)
    assert data.equilibria
    for e in data.equilibria:
        point = dict(held, trust=e.x, faith=e.y)
        assert abs(rate("trust", point)) < 1e-8 and abs(rate("faith", point)) < 1e-8


def test_bifurcation_branches_folds_and_hysteresis():
    d = continuation(bundled("fig5_voluntary_partnership"), "leadership_quality",
                     0.0, 1.0, **SETTING)
    folds = [t for t in d.tipping_points if t.kind == "fold"]
    assert len(folds) == 2, "a fold pair: synergy appears, inertia disappears"
    for b in d.branches:
        for pk, xk in zip(b.p[::5], b.x[::5]):
            assert np.max(np.abs(d.system.rate(xk, [pk]))) < 1e-8
    hysteresis_sweep(d, bundled("fig5_voluntary_partnership"), n=11, **SETTING)
    up, down = d.sweep_up, d.sweep_down
    # every rest state of the sweeps lies on a stable branch
    for ps, xs in (up, down):
        for pk, xk in zip(ps, xs):
            best = min(np.min(np.max(np.abs(b.x[b.stable] - xk), axis=1))
                       for b in d.branches if b.stable.any())
            assert best < 0.02, pk
    # hysteresis: somewhere in the range the up sweep and the down sweep rest apart
    i = d.system.index("collaborative_behaviour")
    down_at = dict(zip(np.round(down[0], 9), down[1][:, i]))
    gaps = [abs(x[i] - down_at[round(pk, 9)]) for pk, x in zip(up[0], up[1])]
    assert max(gaps) > 0.3
    fig, ax = plt.subplots()
    assert plot_bifurcation(d, "collaborative_behaviour", ax=ax) is ax
    marks = _lines(ax, "tipping_point")
    assert [m[0, 0] for m in marks] == pytest.approx([t.p for t in folds])
    assert _lines(ax, "branch:stable") and _lines(ax, "branch:unstable")
    plt.close(fig)


@pytest.mark.parametrize("argv, needle", [
    (["phase", "S", "--x", "trusty", "-o", "F"], "'trusty'"),
    (["bifurcation", "S", "--param", "formalisation", "--range", "0", "2"],
     "registry bounds"),
    (["bifurcation", "S", "--param", "mandated", "--range", "0", "1"], "'mandated'"),
    (["equilibria", "S", "--set", "formalisation", "7"], "formalisation"),
    # -o/--output is the figure, as in every command; the old y-axis spelling is refused
    (["bifurcation", "S", "--param", "formalisation", "--range", "0", "1",
      "--output", "collaborative_behaviour"], "the vertical axis is --variable "
                                              "collaborative_behaviour"),
    (["bifurcation", "S", "--param", "formalisation", "--range", "0", "1", "-o", "fig"],
     "a figure path ends in .png"),
])
def test_bad_arguments_get_clear_errors(argv, needle, capsys, tmp_path):
    argv = [a if a != "S" else str(bundled("voluntary_buddying")) for a in argv]
    argv = [a if a != "F" else str(tmp_path / "f.png") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err


def test_bifurcation_refuses_the_old_figure_option(capsys):
    with pytest.raises(SystemExit):
        main(["bifurcation", str(bundled("voluntary_buddying")), "--param", "formalisation",
              "--range", "0", "1", "--figure", "f.png"])
    assert "--figure was renamed: use -o/--output" in capsys.readouterr().err


def test_every_command_names_its_output_path_dash_o():
    """One vocabulary: a command that writes a file or folder takes -o/--output."""
    from iocdynamics.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    writes_nothing = {"validate-case", "check", "explore", "regimes"}  # serve or print only
    for name, p in sub.choices.items():
        opts = {o for a in p._actions for o in a.option_strings}
        if name in writes_nothing:
            continue
        assert {"-o", "--output"} <= opts, name


def test_equilibria_command_writes_a_table(tmp_path, capsys):
    out = tmp_path / "eq.csv"
    assert main(["equilibria", str(bundled("voluntary_buddying")), "--starts", "24",
                 "-o", str(out)]) == 0
    text = out.read_text()
    assert "stable" in text and "trust" in text.splitlines()[0]
