"""The generated Vensim and XMILE files: up to date, reproducible, and equivalent in PySD."""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics import pysd_runner
from iocdynamics.artefacts import MODEL_FILES, export_models, model_texts
from iocdynamics.model import build_model
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import load_scenario
from iocdynamics.simulation import all_columns

from .conftest import SCENARIOS


def test_committed_model_files_are_up_to_date(root):
    texts = model_texts()
    for name in MODEL_FILES:
        committed = (root / "models" / name).read_text(encoding="utf-8")
        assert committed == texts[name], (
            f"models/{name} is stale: run `iocdyn export` (or `make models`) and commit it")


def test_export_is_byte_for_byte_reproducible(tmp_path):
    a = export_models(tmp_path / "a")
    b = export_models(tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """PySD models translated from copies in a temporary folder."""
    return {kind: pysd_runner.load(kind) for kind in ("mdl", "xmile")}


def _doc_names(model) -> dict[str, str]:
    doc = model.doc
    return dict(zip(doc["Py Name"], doc["Type"]))


@pytest.mark.parametrize("kind", ["mdl", "xmile"])
def test_registry_names_match_pysd_doc(translated, kind):
    """One registry, projected everywhere: the constants PySD finds in each file are
    exactly the registry's parameters plus the event inputs."""
    names = _doc_names(translated[kind])
    control = {"initial_time", "final_time", "time_step", "saveper"}
    constants = {n for n, t in names.items() if t == "Constant"} - control
    m = build_model()
    expected = set(PARAMETERS) | {i.name for i in m.inputs}
    assert constants == expected
    stateful = {n for n, t in names.items() if t == "Stateful"}
    assert stateful == {s.name for s in m.stocks}


def test_units_and_ranges_reach_the_vensim_file(translated):
    doc = translated["mdl"].doc.set_index("Py Name")
    for p in PARAMETERS.values():
        assert doc.loc[p.name, "Units"] == p.units
        lims = doc.loc[p.name, "Limits"]
        assert tuple(float(x) for x in lims) == (p.lower, p.upper)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_vensim_and_xmile_give_the_same_trajectories(translated, path):
    sc = load_scenario(path)
    cols = all_columns()
    a = pysd_runner.run(sc, cols, kind="mdl")
    b = pysd_runner.run(sc, cols, kind="xmile")
    assert a.shape == b.shape and len(a) == len(sc.save_times())
    assert np.nanmax(np.abs(a.to_numpy() - b.to_numpy())) <= 1e-9


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_fast_engine_agrees_with_pysd_on_bundled_scenarios(path):
    from iocdynamics.simulation import run_fast

    sc = load_scenario(path)
    cols = all_columns()
    a = pysd_runner.run(sc, cols, kind="mdl")
    b = run_fast(sc, cols)
    assert np.nanmax(np.abs(a.to_numpy() - b.to_numpy())) <= 1e-9


def test_events_are_pysd_params_not_package_magic(translated):
    """A PySD user sets an event with a pandas Series, without this package."""
    import warnings

    import pandas as pd

    model = translated["mdl"]
    grid = np.arange(0, 60.125, 0.125)
    qw = np.zeros_like(grid)
    qw[grid == 12.0] = 1 / 0.125
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = model.run(params={"quick_win_input": 0.0}, return_columns=["trust"],
                         initial_condition="original")
        hit = model.run(params={"quick_win_input": pd.Series(qw, index=grid)},
                        return_columns=["trust"], initial_condition="original")
        model.run(params={"quick_win_input": 0.0}, initial_condition="original")
    before = hit.index < 12
    assert np.allclose(hit["trust"][before], base["trust"][before])
    assert (hit["trust"][hit.index > 12] > base["trust"][hit.index > 12]).all()


def test_sketch_places_every_variable_on_one_view(tmp_path):
    """PySD reads the sketch (split_views): three views, each variable on exactly one,
    the stocks and flows on the dynamics view."""
    import shutil
    import warnings

    import pysd

    src = tmp_path / "ioc.mdl"
    shutil.copyfile(pysd_runner.model_file("mdl"), src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pysd.read_vensim(str(src), split_views=True)
    modules = model.modules
    assert len(modules) == 3
    placed = [v for names in modules.values() for v in names]
    assert len(placed) == len(set(placed))
    m = build_model()
    everything = set(PARAMETERS) | set(m.symbols) - {"time"}
    assert set(placed) == everything
    dynamics = next(names for key, names in modules.items() if "dynamics" in key)
    assert {s.name for s in m.stocks} | {f.name for f in m.flows} <= set(dynamics)


# ------------------------------------------------------------- file structure
_XMILE_NS = {"x": "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"}


def _vensim_views(text: str) -> dict[str, list[list[str]]]:
    """View title -> its sketch element lines (split on commas)."""
    sketch = text[text.index("\\\\\\---///"):text.index("///---\\\\\\")]
    views: dict[str, list[list[str]]] = {}
    lines = sketch.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("*"):
            assert lines[i - 2].startswith("\\\\\\---/// Sketch information") and \
                lines[i - 1].startswith("V300 "), f"view {line!r} lacks the sketch header pair"
            current = views.setdefault(line[1:], [])
        elif line[:3] in ("10,", "11,", "12,", "1,"):
            current.append(line.split(","))
    return views


def test_every_vensim_view_opens_with_the_sketch_header_pair(root):
    text = (root / "models" / "ioc.mdl").read_text(encoding="utf-8")
    views = _vensim_views(text)
    assert len(views) == 3
    assert text.count("V300 ") == len(views)


def _xmile_view(root):
    import xml.etree.ElementTree as ET

    tree = ET.parse(root / "models" / "ioc.xmile")
    header = tree.find("x:header", _XMILE_NS)
    assert header.find("x:options", _XMILE_NS) is not None
    views = tree.findall("x:model/x:views/x:view", _XMILE_NS)
    assert len(views) == 1 and views[0].get("type") == "stock_flow"
    return views[0]


def test_xmile_diagram_holds_every_variable_once_in_the_vensim_layout(root, model):
    """One XMILE view, the Vensim views as its sectors: every variable drawn once
    (others as aliases), at the Vensim position shifted by one offset per sector."""
    view = _xmile_view(root)
    tag = lambda e: e.tag.split("}")[1]  # noqa: E731
    elements = list(view)
    groups = [e for e in elements if tag(e) == "group"]
    vensim = _vensim_views((root / "models" / "ioc.mdl").read_text(encoding="utf-8"))
    assert [g.get("name") for g in groups] == list(vensim)
    drawn = [e.get("name") for e in elements if tag(e) in ("stock", "flow", "aux")]
    everything = [p.name for p in model.parameters] + model.names(("stock", "flow", "aux",
                                                                   "input"))
    assert sorted(drawn) == sorted(everything)
    kinds = {e.get("name"): tag(e) for e in elements if e.get("name")}
    assert {n for n, k in kinds.items() if k == "stock"} == set(model.names(("stock",)))
    assert {n for n, k in kinds.items() if k == "flow"} == set(model.names(("flow",)))
    # positions: XMILE = Vensim + one offset per sector; each inside its sector's frame
    bounds = [tuple(float(g.get(k)) for k in ("x", "y", "width", "height")) for g in groups]
    for (title, lines), (gx, gy, gw, gh) in zip(vensim.items(), bounds):
        names = {ln[2].replace(" ", "_"): (float(ln[3]), float(ln[4])) for ln in lines
                 if ln[0] == "10" and ln[7] != "40"}   # shape 40: a flow's name by its valve
        valves = {(float(ln[3]), float(ln[4])) for ln in lines if ln[0] == "11"}
        placed = [e for e in elements if tag(e) in ("stock", "aux", "alias", "flow")
                  and gy <= float(e.get("y")) <= gy + gh]
        assert placed, title
        offsets = set()
        for e in placed:
            x, y = float(e.get("x")), float(e.get("y"))
            assert gx <= x <= gx + gw, (title, e.get("name"))
            if tag(e) == "flow":
                continue
            name = e.get("name") or e.find("x:of", _XMILE_NS).text
            vx, vy = names[name]
            offsets.add((x - vx, y - vy))
        assert len(offsets) == 1, f"{title}: the two files place its variables differently"
        (dx, dy), = offsets
        for e in placed:
            if tag(e) == "flow":
                assert (float(e.get("x")) - dx, float(e.get("y")) - dy) in valves


def test_xmile_connectors_and_pipes_join_what_they_name(root, model):
    view = _xmile_view(root)
    tag = lambda e: e.tag.split("}")[1]  # noqa: E731
    named = {e.get("name"): e for e in view if e.get("name") and tag(e) != "group"}
    aliases = {e.get("uid"): e.find("x:of", _XMILE_NS).text for e in view if tag(e) == "alias"}
    assert set(aliases.values()) <= set(named)
    connectors = [e for e in view if tag(e) == "connector"]
    assert connectors
    for c in connectors:
        src, dst = c.find("x:from", _XMILE_NS), c.find("x:to", _XMILE_NS)
        alias = src.find("x:alias", _XMILE_NS)
        source = aliases[alias.get("uid")] if alias is not None else src.text
        assert source in named and dst.text in named
        # every arrow is a dependency of the equation it points to
        target = model.elements[dst.text]
        assert source in {str(s) for s in target.expr.free_symbols}, (source, dst.text)
    for f in model.flows:
        pts = named[f.name].findall("x:pts/x:pt", _XMILE_NS)
        assert len(pts) == 2
        stock = named[f.stock]
        sx, sy = float(stock.get("x")), float(stock.get("y"))
        end = pts[1] if f.direction == "in" else pts[0]
        ex, ey = float(end.get("x")), float(end.get("y"))
        # the pipe ends on the edge of its stock's box (45 x 35, XMILE's default)
        assert (abs(ex - sx) == 22.5 and abs(ey - sy) <= 17.5) or \
            (abs(ey - sy) == 17.5 and abs(ex - sx) <= 22.5), f.name


def _sdeverywhere_shape(eqn: str) -> bool:
    """SDEverywhere's XMILE reader follows one IF per equation, or IFs nested in the
    ELSE branch, with none in a condition or a THEN branch."""
    start = eqn.find("(IF ")
    if start < 0:
        return True
    depth, end = 0, None
    for i in range(start, len(eqn)):
        depth += {"(": 1, ")": -1}.get(eqn[i], 0)
        if depth == 0:
            end = i
            break
    if "IF " in eqn[:start] + eqn[end + 1:]:
        return False
    inner = eqn[start + 4:end]
    cond_end = inner.index(" THEN ")
    then_end = None
    depth = 0
    for i in range(cond_end + 6, len(inner)):
        depth += {"(": 1, ")": -1}.get(inner[i], 0)
        if depth == 0 and inner.startswith(" ELSE ", i):
            then_end = i
            break
    cond, then, other = inner[:cond_end], inner[cond_end + 6:then_end], inner[then_end + 6:]
    return "IF " not in cond and "IF " not in then and _sdeverywhere_shape(other)


def test_xmile_equations_use_only_what_every_reader_reads(root):
    import xml.etree.ElementTree as ET

    eqns = [e.text for e in ET.parse(root / "models" / "ioc.xmile").iter(
        "{http://docs.oasis-open.org/xmile/ns/XMILE/v1.0}eqn")]
    assert eqns
    for eqn in eqns:
        assert _sdeverywhere_shape(eqn), eqn
        # no infix modulo, no compound condition, no <>, no exponent with "+"
        for token in (" mod ", " MOD ", " AND ", " OR ", "<>", "e+"):
            assert token not in eqn, eqn


@pytest.mark.parametrize("kind", ["mdl", "xmile"])
def test_simlin_finds_no_model_or_unit_issue(root, kind):
    import simlin

    m = simlin.load(str(root / "models" / f"ioc.{kind}"))
    assert m.check() == ()
    assert m.check_units() == ()


def test_simlin_reads_the_whole_xmile_diagram(root, model):
    """Simlin draws the model from the file's own diagram, not an automatic layout."""
    import json
    from collections import Counter

    import simlin

    from iocdynamics.artefacts.sketch import layout

    project = simlin.load(str(root / "models" / "ioc.xmile")).project
    view = json.loads(project.serialize_json())["models"][0]["views"][0]
    counts = Counter(e["type"] for e in view["elements"])
    views = layout(model)
    assert counts["stock"] == len(model.stocks)
    assert counts["flow"] == len(model.flows)
    assert counts["aux"] == len(model.auxiliaries) + len(model.inputs) + len(model.parameters)
    assert counts["alias"] == sum(e.kind == "shadow" for v in views for e in v.elements)
    assert counts["link"] == sum(len(v.links) for v in views)
    assert counts["group"] == len(views)
    assert project.render_png().startswith(b"\x89PNG")


def test_export_of_a_scenario_needs_a_folder_and_writes_its_settings(tmp_path):
    from iocdynamics.scenario import load_scenario

    from .conftest import bundled

    path = bundled("fig5_voluntary_partnership")
    with pytest.raises(ValueError, match="-o/--output"):
        export_models(None, path)
    written = export_models(tmp_path, path)
    assert [p.name for p in written] == list(MODEL_FILES)
    sc = load_scenario(path)
    mdl = (tmp_path / "ioc.mdl").read_text(encoding="utf-8")
    # one step function per event kind in the scenario
    for kind in {e.kind for e in sc.events}:
        entry = mdl[mdl.index(f"\n{kind.replace('_', ' ')} input="):]
        assert entry.split("\n")[2].lstrip().startswith("IF THEN ELSE(Time < ")
