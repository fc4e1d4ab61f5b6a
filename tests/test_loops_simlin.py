"""Agreement with Simlin's Loops That Matter (pysimlin) on the same XMILE and scenario.

The model's feedback structure exceeds Simlin's exhaustive-enumeration gate, so
Simlin resolves to loop discovery and enumerates no loops at run time. The
agreement is checked on what it does report (see docs/loops.md):

* the same run (trajectories) and every link score: each of Simlin's link scores
  equals ours at the same step or -- for a flow-to-stock link -- ours one step
  later (Simlin evaluates the flow-to-stock score of some flows one ``dt`` later
  than of others), detected link by link;
* its discovery (``Model.analyze``): as many loops ever score as ours do, every
  loop it retains is one of ours, in the same cycle partition, the loop that
  dominates each step is among them, and their relative loop scores equal ours
  once our link scores are given Simlin's timing;
* the named loops pinned (``set_loop_name``): their raw loop scores equal ours,
  and their relative scores equal ours normalised among the pins of their
  partition (what Simlin normalises over in discovery mode).

Steps 0-1 (Simlin's start-up values) and the last step are left out.
"""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.artefacts.settings import FileSettings
from iocdynamics.artefacts.xmile import model_text
from iocdynamics.loops import ltm, named_loops
from iocdynamics.loops.crosscheck import scenario_xmile, simlin_discovery, simlin_scores
from iocdynamics.loops.graph import LoopGraph
from iocdynamics.loops.scores import model_graph, scenario_trajectories, score_trajectories
from iocdynamics.model import build_model

from .loops_models import births_deaths, euler
from .test_loops_named import FIG5, ROOT

pytest.importorskip("simlin")

RTOL, ATOL = 1e-4, 1e-6
"""Link scores divide by second differences of the stocks: where a stock has
settled these are rounding noise (relative 1e-5 seen), hence the tolerance."""
REL_TOL = 1e-6
"""Relative loop scores (shares in [-1, 1]) and raw loop scores (relative to
their size): agreement seen is 1e-10."""
S = slice(2, -1)


def _timing(ours: dict, theirs: dict, graph: LoopGraph) -> dict:
    """Per link: 0 if Simlin's score equals ours, 1 if it equals ours one step later."""
    out = {}
    for key, a in ours.items():
        b = theirs[key]
        if np.allclose(b[S], a[S], rtol=RTOL, atol=ATOL):
            out[key] = 0
        elif graph.links[key].integration and np.allclose(b[S], a[3:], rtol=RTOL,
                                                          atol=ATOL):
            out[key] = 1
        else:
            raise AssertionError(f"link {key}: Simlin's score differs, max "
                                 f"{np.max(np.abs(b[S] - a[S])):.3g}")
    return out


def _shifted(links: dict, timing: dict) -> dict:
    out = dict(links)
    for key, lag in timing.items():
        if lag:
            out[key] = np.concatenate([links[key][1:], links[key][-1:]])
    return out


def _check(xmile_text, tmp_path, scenario):
    path = tmp_path / "model.xmile"
    path.write_text(xmile_text, encoding="utf-8")
    graph = model_graph()
    named = [lp for n in named_loops() for lp in n.loops]
    theirs = simlin_scores(path, graph, pins=named)
    # the same run
    traj = scenario_trajectories(scenario)
    for v, s in theirs.series.items():
        assert np.allclose(s, traj[v], rtol=1e-12, atol=1e-12), v
    # every link score, with Simlin's per-link timing
    links, loops, _ = score_trajectories(traj, "aligned")
    timing = _timing(links, theirs.links, graph)
    loops_s = ltm.loop_scores(graph, _shifted(links, timing))
    rel_s = ltm.relative_loop_scores(graph, loops_s)

    # discovery: the same loops score, the retained ones are ours, same relative scores
    disc = simlin_discovery(path, graph)
    assert disc.complete
    assert disc.universe == sum(bool(np.any(s != 0)) for s in loops.values())
    assert None not in disc.loop_ids.values()
    stocks_of = {p: frozenset(s for s, q in graph.partitions.items() if q == p)
                 for p in set(graph.partitions.values())}
    by_id = {lp.id: lp for lp in graph.loops}
    for lid, r in disc.relative.items():
        assert disc.partitions[lid] == stocks_of[graph.partition_of(by_id[lid])], lid
        assert np.allclose(r[S], rel_s[lid][S], rtol=0, atol=REL_TOL), lid
    # Simlin keeps each step's dominant loop of every partition with competing loops
    ids = list(rel_s)
    mat = np.abs(np.stack([rel_s[i] for i in ids]))[:, S]
    for p in set(graph.partitions.values()):
        rows = [k for k, i in enumerate(ids) if graph.partition_of(by_id[i]) == p]
        if len(rows) < 2:
            continue
        sub = mat[rows]
        steps = sub.max(axis=0) > 0
        dominant = {ids[rows[k]] for k in np.argmax(sub[:, steps], axis=0)}
        assert dominant <= set(disc.relative), dominant - set(disc.relative)

    # the named loops pinned: raw scores as ours, relative among the pins
    assert set(theirs.loop) == {lp.id for lp in named}
    pinned_parts: dict[int, list[str]] = {}
    for lp in named:
        pinned_parts.setdefault(graph.partition_of(lp), []).append(lp.id)
    for members in pinned_parts.values():
        total = sum(np.abs(loops_s[i]) for i in members)
        for i in members:
            assert np.allclose(theirs.loop[i][S], loops_s[i][S], rtol=REL_TOL,
                               atol=REL_TOL), i
            with np.errstate(invalid="ignore", divide="ignore"):
                among = np.where(total > 0, loops_s[i] / total, 0.0)
            assert np.allclose(theirs.relative[i][S], among[S], rtol=0, atol=REL_TOL), i
    return theirs, disc, timing


def test_models_ioc_xmile_default_run(tmp_path):
    """``models/ioc.xmile`` as shipped (registry defaults, no events)."""
    from iocdynamics.scenario import Scenario

    text = (ROOT / "models" / "ioc.xmile").read_text(encoding="utf-8")
    theirs, disc, timing = _check(text, tmp_path, Scenario())
    assert 0 < sum(timing.values()) < len(timing)


def test_fig5_scenario(tmp_path):
    """The Fig. 5 scenario, events and the new leader written into the XMILE; the
    named loops that carry the run are among the loops Simlin's discovery keeps."""
    theirs, disc, _ = _check(scenario_xmile(build_model(), FIG5), tmp_path, FIG5)
    ids = {n.name: n.ids for n in named_loops()}
    for name in ("trust-building", "failure spiral"):
        assert set(ids[name]) <= set(disc.relative), name


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
    assert theirs.mode == "exhaustive"
    run = euler(m, {"birth_rate": b, "death_rate": d, "x0": 10.0}, 0.25, 40)
    traj = ltm.Trajectories({k: v for k, v in run.items() if k not in ("birth_rate",
                             "death_rate", "x0")}, {"birth_rate": b, "death_rate": d}, 0.25)
    rel = ltm.relative_loop_scores(g, ltm.loop_scores(g, ltm.link_scores(g, traj)))
    births, deaths = g.loops
    assert np.allclose(theirs.relative[births.id][2:], b / (b + d))
    assert np.allclose(theirs.relative[deaths.id][2:], -d / (b + d))
    for lid in rel:
        assert np.allclose(theirs.relative[lid][2:], rel[lid][2:], atol=1e-12)
