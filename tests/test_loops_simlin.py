"""Agreement with Simlin's Loops That Matter (pysimlin) on the same XMILE and scenario.

Simlin evaluates the flow-to-stock link scores of some flows one time step later
than of others (it depends on how it orders a flow's equation; see docs/loops.md).
The tests therefore check, link by link, that each of Simlin's link scores equals
ours at the same step or -- for a flow-to-stock link -- ours one step later, and
then that Simlin's relative loop scores equal the ones we compute from our link
scores with Simlin's timing applied. Steps 0-1 (Simlin's start-up values) and the
last step are left out.
"""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.artefacts.settings import FileSettings
from iocdynamics.artefacts.xmile import model_text
from iocdynamics.loops import ltm
from iocdynamics.loops.crosscheck import scenario_xmile, simlin_scores
from iocdynamics.loops.graph import LoopGraph
from iocdynamics.loops.scores import _compute, model_graph, scenario_trajectories
from iocdynamics.model import build_model

from .loops_models import births_deaths, euler
from .test_loops_named import FIG5, ROOT

pytest.importorskip("simlin")

RTOL, ATOL = 1e-4, 1e-6
"""Link scores divide by second differences of the stocks: where a stock has
settled these are rounding noise (relative 1e-5 seen), hence the tolerance."""


def _timing(ours: dict, theirs: dict, graph: LoopGraph) -> dict:
    """Per link: 0 if Simlin's score equals ours, 1 if it equals ours one step later."""
    out = {}
    for key, a in ours.items():
        b = theirs[key]
        if np.allclose(b[2:-1], a[2:-1], rtol=RTOL, atol=ATOL):
            out[key] = 0
        elif graph.links[key].integration and np.allclose(b[2:-1], a[3:], rtol=RTOL,
                                                          atol=ATOL):
            out[key] = 1
        else:
            raise AssertionError(f"link {key}: Simlin's score differs, max "
                                 f"{np.max(np.abs(b[2:-1] - a[2:-1])):.3g}")
    return out


def _check(xmile_text, tmp_path, scenario):
    path = tmp_path / "model.xmile"
    path.write_text(xmile_text, encoding="utf-8")
    graph = model_graph()
    theirs = simlin_scores(path, graph)
    # the same loops
    assert None not in theirs.loop_ids.values()
    assert sorted(theirs.loop_ids.values()) == [lp.id for lp in graph.loops]
    # the same run
    traj = scenario_trajectories(scenario)
    for v, s in theirs.series.items():
        assert np.allclose(s, traj[v], rtol=1e-12, atol=1e-12), v
    links, _, rel = _compute(traj, "aligned")
    timing = _timing(links, theirs.links, graph)
    shifted = dict(links)
    for key, lag in timing.items():
        if lag:
            shifted[key] = np.concatenate([links[key][1:], links[key][-1:]])
    rel_s = ltm.relative_loop_scores(graph, ltm.loop_scores(graph, shifted))
    for lid, r in theirs.relative.items():
        assert np.allclose(r[2:-1], rel_s[lid][2:-1], rtol=1e-6, atol=1e-6), lid
    return rel, theirs, timing


@pytest.mark.xfail(strict=True, reason="Simlin switches to loop discovery on the full "
                   "model (its feedback structure exceeds Simlin's exhaustive-enumeration "
                   "gate), so it reports no enumerated loops to compare")
def test_models_ioc_xmile_default_run(tmp_path):
    """``models/ioc.xmile`` as shipped (registry defaults, no events)."""
    from iocdynamics.scenario import Scenario

    text = (ROOT / "models" / "ioc.xmile").read_text(encoding="utf-8")
    rel, theirs, timing = _check(text, tmp_path, Scenario())
    assert 0 < sum(timing.values()) < len(timing)


@pytest.mark.xfail(strict=True, reason="Simlin switches to loop discovery on the full "
                   "model (its feedback structure exceeds Simlin's exhaustive-enumeration "
                   "gate), so it reports no enumerated loops to compare")
def test_fig5_scenario(tmp_path):
    """The Fig. 5 scenario, events and the new leader written into the XMILE."""
    _check(scenario_xmile(build_model(), FIG5), tmp_path, FIG5)


def test_single_stock_model_agrees_exactly(tmp_path):
    """A model written from a hand-built structure: Simlin's relative scores are the
    hand-derived b/(b+d) and -d/(b+d), and ours equal Simlin's at every step >= 2."""
    b, d = 0.3, 0.1
    m = births_deaths(b, d)
    path = tmp_path / "bd.xmile"
    path.write_text(model_text(m, FileSettings(final_time=10, time_step=0.25)),
                    encoding="utf-8")
    g = LoopGraph(m)
    theirs = simlin_scores(path, g)
    run = euler(m, {"birth_rate": b, "death_rate": d, "x0": 10.0}, 0.25, 40)
    traj = ltm.Trajectories({k: v for k, v in run.items() if k not in ("birth_rate",
                             "death_rate", "x0")}, {"birth_rate": b, "death_rate": d}, 0.25)
    rel = ltm.relative_loop_scores(g, ltm.loop_scores(g, ltm.link_scores(g, traj)))
    births, deaths = g.loops
    assert np.allclose(theirs.relative[births.id][2:], b / (b + d))
    assert np.allclose(theirs.relative[deaths.id][2:], -d / (b + d))
    for lid in rel:
        assert np.allclose(theirs.relative[lid][2:], rel[lid][2:], atol=1e-12)
