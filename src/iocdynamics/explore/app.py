"""The explorer page (Dash): layout and callbacks.

Callbacks are thin: they read what is on the page, call the pure functions of
:mod:`.state` and :mod:`.views`, and put the result back. The server keeps no state
between requests -- everything a page needs (its setting, the loaded scenario, the
pinned baseline) lives in that page -- so colleagues sharing one server do not see
each other's changes. Nothing is written on the server: uploads are read from
memory and downloads are sent to the browser.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..scenario import Scenario, ScenarioError, load_scenario
from ..simulation import simulate
from . import timeline
from .controls import CONTRACT_LABELS, Control, grouped_controls, label_of
from .state import (
    Setting,
    SettingError,
    differences,
    file_stem,
    frame_from_records,
    horizon_summary,
    records_of,
    scenario_from_setting,
    scenario_from_toml,
    scenario_to_toml,
    setting_of,
    trajectories_csv,
)
from .views import (
    BAND_MEMBERS,
    BAND_SPREADS,
    SYNERGY_THRESHOLD,
    all_stocks,
    key_stocks,
    phase_portrait_png,
    stock_description,
    stock_label,
    timeline_marks,
    trajectory_figure,
    uncertainty_band,
)

log = logging.getLogger(__name__)

DEFAULT_KEY = "__defaults__"
UPLOAD_KEY = "__upload__"
PARAM = "param"

CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
.topbar { background: #1f3b57; color: white; padding: 10px 18px; }
.topbar h1 { font-size: 20px; margin: 0 0 2px 0; }
.topbar p { margin: 0; font-size: 13px; color: #d8e2ec; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 18px;
           background: #eef2f6; border-bottom: 1px solid #d0d7de; }
.toolbar .sep { width: 1px; height: 28px; background: #c0c8d0; margin: 0 6px; }
.toolbar label.tl { font-size: 13px; font-weight: bold; }
button, .upload-btn { font-size: 13px; padding: 6px 10px; border: 1px solid #8a99a8;
         border-radius: 4px; background: white; cursor: pointer; color: #1f3b57; }
button:hover, .upload-btn:hover { background: #e3ebf3; }
button.primary { background: #1f3b57; color: white; border-color: #1f3b57; }
.main { display: flex; align-items: flex-start; }
.sidebar { width: 390px; min-width: 390px; height: calc(100vh - 112px); overflow-y: auto;
           padding: 8px 14px 40px 14px; background: white; border-right: 1px solid #d0d7de;
           box-sizing: border-box; }
.content { flex: 1; padding: 10px 18px 40px 18px; min-width: 0; height: calc(100vh - 112px);
           overflow-y: auto; box-sizing: border-box; }
details.group { margin: 6px 0 10px 0; border-bottom: 1px solid #e4e8ec; padding-bottom: 6px; }
details.group > summary { font-weight: bold; font-size: 15px; cursor: pointer;
                          color: #1f3b57; padding: 4px 0; }
.group-note { font-size: 12px; color: #666; margin: 0 0 6px 0; }
.sector { font-size: 13px; font-weight: bold; color: #444; margin: 8px 0 2px 0; }
.control { margin: 8px 0 12px 0; }
.control label.name { font-size: 13px; font-weight: bold; display: block; cursor: help; }
.control .units { font-weight: normal; color: #666; }
.control .help { font-size: 11.5px; color: #666; line-height: 1.3; margin-top: 2px; }
.radio label { font-size: 13px; margin-right: 12px; }
.messages { position: sticky; top: 0; z-index: 20; }
.message { margin: 6px 0; padding: 8px 12px; border-radius: 4px; font-size: 13px; }
.message.error { background: #fde8e8; border: 1px solid #e0a0a0; color: #8a1f1f; }
.message.info { background: #e8f1fb; border: 1px solid #a9c4e4; color: #1f3b57; }
.message:empty { display: none; }
.summary { background: white; border: 1px solid #d0d7de; border-radius: 4px;
           padding: 8px 12px; font-size: 14px; }
.summary ul { margin: 0; padding-left: 18px; }
.viewopts { display: flex; flex-wrap: wrap; gap: 24px; align-items: center;
            margin: 8px 0; font-size: 13px; }
.viewopts .stocks { min-width: 360px; flex: 1; }
h2 { font-size: 16px; color: #1f3b57; margin: 18px 0 6px 0; }
.panel { background: white; border: 1px solid #d0d7de; border-radius: 4px; padding: 10px; }
.addrow { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 6px 0 10px 0;
          font-size: 12px; }
.addrow > div { display: flex; flex-direction: column; }
.addrow input { width: 110px; padding: 4px; font-size: 13px; }
.hint { font-size: 12px; color: #666; margin: 4px 0; }
.clock { display: flex; gap: 18px; font-size: 13px; }
.clock input { width: 90px; padding: 4px; font-size: 13px; }
.about { font-size: 13px; margin: 6px 0; }
.about summary { cursor: pointer; color: #1f3b57; }
.ttable { margin: 4px 0; }
.trow { display: flex; gap: 6px; align-items: center; margin: 3px 0; font-size: 13px; }
.trow.thead { font-weight: bold; color: #444; font-size: 12px; }
.trow input { padding: 4px; font-size: 13px; box-sizing: border-box; }
.cell-at { width: 90px; } .cell-size { width: 80px; } .cell-note { width: 120px; }
.cell-kind { width: 190px; } .cell-leadership_quality { width: 150px; }
.cell-lever { width: 330px; } .cell-value { width: 120px; }
.cell-remove { width: 80px; }
.trow .cell-remove { font-size: 12px; padding: 3px 6px; }
.tkey { font-size: 12.5px; color: #333; margin: 2px 0 4px 0; }
.tkey-head { font-weight: bold; margin-right: 6px; }
.tkey-item { margin-right: 16px; display: inline-block; }
.tkey-item b { border: 1px solid; padding: 0 3px; margin-right: 3px; }
.description { font-size: 12.5px; color: #444; white-space: pre-wrap; margin: 4px 0; }
"""

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}<style>""" + CSS + """</style>
</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


# ------------------------------------------------------------------ scenario sources
def bundled_scenarios() -> dict[str, Path]:
    """Scenario files shipped with the package's experiments, by file stem."""
    from ..demos.scenarios import bundled_scenarios as files

    return {p.stem: p for p in files()}


class Sources:
    """Where the page can load scenarios from: the registry defaults, the bundled
    files and the file named on the command line. The browser names a source by key,
    never by path."""

    def __init__(self, initial: str | Path | Scenario | None = None):
        self.paths: dict[str, Path] = dict(bundled_scenarios())
        self.extra: dict[str, Scenario] = {}
        if isinstance(initial, Scenario):
            self.initial_key = "__given__"
            self.extra[self.initial_key] = initial
        elif initial is not None:
            path = Path(initial)
            sc = load_scenario(path)  # fail before serving, with the file's message
            key = path.stem
            if key not in self.paths or self.paths[key].resolve() != path.resolve():
                key = f"file:{path.name}"
                self.extra[key] = sc
            self.initial_key = key
        else:
            self.initial_key = DEFAULT_KEY

    def options(self) -> list[dict[str, str]]:
        opts = [{"label": "Registry defaults (no events)", "value": DEFAULT_KEY}]
        for key, sc in self.extra.items():
            opts.append({"label": f"{sc.name} ({Path(sc.source).name})", "value": key})
        for key, path in self.paths.items():
            opts.append({"label": f"{load_scenario(path).name} (bundled)", "value": key})
        return opts

    def load(self, key: str) -> Scenario:
        if key == DEFAULT_KEY:
            return Scenario(name="registry defaults")
        if key in self.extra:
            return self.extra[key]
        if key in self.paths:
            return load_scenario(self.paths[key])
        raise ScenarioError(f"no scenario '{key}' on this server; choose one from the list.")


# ------------------------------------------------------------------ layout pieces
def _control_widget(c: Control, value: Any):
    from dash import dcc

    cid = {"type": PARAM, "name": c.name}
    if c.widget == "choice":
        return dcc.RadioItems(id=cid, className="radio", value=value,
                              options=[{"label": CONTRACT_LABELS.get(x, x), "value": x}
                                       for x in c.choices])
    if c.widget == "bool":
        return dcc.RadioItems(id=cid, className="radio", value=int(value), inline=True,
                              options=[{"label": "no", "value": 0},
                                       {"label": "yes", "value": 1}])
    marks = {_mark(c.lower): f"{c.lower:g}", _mark(c.upper): f"{c.upper:g}"}
    return dcc.Slider(id=cid, min=c.lower, max=c.upper, step=c.step, value=value,
                      marks=marks, updatemode="mouseup", allow_direct_input=True)


def _mark(x: float):
    return int(x) if float(x).is_integer() else x


def _control_block(c: Control, value: Any):
    from dash import html

    units = c.units_label
    return html.Div(className="control", id=f"control-{c.name}", children=[
        html.Label([c.label, html.Span(f" ({units})" if units else "", className="units")],
                   className="name", title=c.help),
        _control_widget(c, value),
        html.Div(c.help, className="help"),
    ])


def _sidebar(values: Mapping[str, Any]):
    from dash import html

    blocks = []
    for key, heading, note, sectors in grouped_controls():
        inner = [html.P(note, className="group-note")] if note else []
        for sector, ctrls in sectors:
            if sector:
                inner.append(html.Div(label_of(sector), className="sector"))
            inner.extend(_control_block(c, values[c.name]) for c in ctrls)
        blocks.append(html.Details([html.Summary(heading)] + inner, className="group",
                                   id=f"group-{key}", open=key in ("context", "lever")))
    return blocks


def _keyed(rows) -> list[tuple[int, dict]]:
    return list(enumerate(rows))


def _header():
    from dash import html

    return html.Div(className="topbar", children=[
        html.H1("iocdynamics explorer: how an inter-organisational collaboration unfolds"),
        html.P("Set the context and the policy levers on the left, add events to the "
               "timeline, and watch trust, faith, conflict, confidence and collaborative "
               "behaviour respond. Hover a control's name for its meaning and the "
               "theory's claims it encodes."),
    ])


def _toolbar(sources: Sources):
    from dash import dcc, html

    return html.Div(className="toolbar", children=[
        html.Label("Scenario", className="tl", htmlFor="scenario-choice"),
        dcc.Dropdown(id="scenario-choice", options=sources.options(),
                     value=sources.initial_key, clearable=False, style={"width": "330px"}),
        dcc.Upload(id="upload", children=html.Span("Upload scenario (.toml)",
                                                   className="upload-btn"),
                   accept=".toml", multiple=False),
        html.Button("Reset to loaded scenario", id="reset"),
        html.Div(className="sep"),
        html.Button("Pin as baseline", id="pin", title="Keep the current trajectories "
                    "on the charts, dashed grey, to compare later changes with."),
        html.Button("Clear baseline", id="unpin"),
        html.Div(className="sep"),
        html.Button("Download scenario (TOML)", id="download-toml", className="primary",
                    title="The current setting as a scenario file; `iocdyn run FILE -o "
                          "out.csv` reproduces these trajectories exactly."),
        html.Button("Download trajectories (CSV)", id="download-csv"),
        dcc.Download(id="toml-file"),
        dcc.Download(id="csv-file"),
    ])


def _timeline_panel(heading: str, prefix: str, table: str, rows, first, first_label: str,
                    at_label: str, second, second_label: str, button: str, hint: str):
    """A heading and a panel: a line to add a row (``first``, a month, ``second``, a
    button) above the editable rows of ``table``."""
    from dash import dcc, html

    add = html.Div(className="addrow", children=[
        html.Div([html.Label(first_label), first]),
        html.Div([html.Label(at_label),
                  dcc.Input(id=f"new-{prefix}-at", type="text", value=None,
                            placeholder="half-way", style={"width": "90px"})]),
        html.Div([html.Label(second_label), second]),
        html.Button(button, id=f"add-{prefix}"),
    ])
    return [html.H2(heading),
            html.Div(className="panel", children=[
                add,
                html.Div(timeline.render_rows(table, _keyed(rows)),
                         id=f"{prefix}-rows", className="ttable"),
                html.P(hint, className="hint"),
            ])]


def _content(sc: Scenario):
    from dash import dcc, html

    setting = setting_of(sc)
    band_options = [{"label": "none", "value": 0}] + [
        {"label": f"+/-{s:.0%}", "value": s} for s in BAND_SPREADS]
    return html.Div(className="content", children=[
        html.Div(className="messages", children=[
            html.Div(id="load-message", className="message info"),
            html.Div(id="run-message", className="message error"),
            html.Div(id="file-message", className="message info"),
        ]),
        html.Div(className="clock", children=[
            html.Div([html.Label("Scenario name ", htmlFor="scenario-name"),
                      dcc.Input(id="scenario-name", type="text", value=sc.name, debounce=True,
                                style={"width": "260px"})]),
        ]),
        html.Details([html.Summary("About this scenario"),
                      html.Div(sc.description.strip(), id="scenario-description",
                               className="description")], className="about"),
        html.Div(id="summary", className="summary"),
        html.Div(className="viewopts", children=[
            html.Div(className="stocks", children=[
                html.Label("Stocks shown", htmlFor="stocks-shown"),
                dcc.Dropdown(id="stocks-shown", multi=True, value=list(key_stocks()),
                             options=[{"label": stock_label(s), "value": s,
                                       "title": stock_description(s)}
                                      for s in all_stocks()]),
            ]),
            html.Div([
                html.Span(f"Uncertainty band ({BAND_MEMBERS} runs, mechanism constants "
                          "varied by): ",
                          title="Each mechanism constant drawn uniformly within this "
                                "share of its current value (and its allowed range); "
                                "the band holds 90% of the runs."),
                dcc.RadioItems(id="band", options=band_options, value=0, inline=True,
                               className="radio", style={"display": "inline-block"}),
            ]),
        ]),
        html.Div(id="timeline-key", className="tkey"),
        dcc.Graph(id="trajectories", config={"displaylogo": False,
                                             "toImageButtonOptions": {"format": "png",
                                                                      "scale": 2}}),
        html.P(f"Collaborative behaviour above {SYNERGY_THRESHOLD:g} is shaded as synergy, "
               "below as inertia. Dotted lines mark events, dash-dot lines lever changes "
               "(lettered on the charts and listed above them); a grey span marks the "
               "partnership's dissolution. Hover a chart to read the values.",
               className="hint"),
        *_timeline_panel(
            "Timeline: events", "event", timeline.EVENTS, setting.events,
            dcc.Dropdown(id="new-event-kind", value="quick_win", clearable=False,
                         style={"width": "200px"}, options=timeline.event_options()),
            "what happens", "month",
            dcc.Input(id="new-event-size", type="text", value=1.0, style={"width": "90px"}),
            "size (0-1]", "Add event",
            "Change a cell and press Enter (or click elsewhere) to apply it. Size scales "
            "the event's effect (1 = full); a leader change may also set the new "
            "leadership quality."),
        *_timeline_panel(
            "Timeline: lever changes", "change", timeline.CHANGES, setting.lever_changes,
            dcc.Dropdown(id="new-change-lever", value="formalisation", clearable=False,
                         style={"width": "330px"}, options=timeline.lever_options()),
            "lever", "from month",
            dcc.Input(id="new-change-value", type="text", value="",
                      placeholder="e.g. 0.8 or mou", style={"width": "140px"}),
            "new value", "Add lever change",
            "A lever change sets a lever to a new value from that month on (e.g. an MoU "
            "signed at month 12: lever contract, value mou)."),
        html.H2("Simulation clock"),
        html.Div(className="clock", children=[
            html.Div([html.Label("horizon (months) "),
                      dcc.Input(id="final-time", type="text", debounce=True,
                                value=sc.final_time)]),
            html.Div([html.Label("time step (months) "),
                      dcc.Input(id="time-step", type="text", debounce=True,
                                value=sc.time_step)]),
            html.Div([html.Label("saved every (months) "),
                      dcc.Input(id="save-interval", type="text", debounce=True,
                                value=sc.save_interval)]),
        ]),
        html.H2("Trust-faith phase portrait"),
        html.P("Where trust and faith head from any starting point in the current setting "
               "(events ignored, evaluation rounds averaged): basins of attraction, "
               "nullclines and equilibria. Takes a few seconds.", className="hint"),
        html.Button("Draw the phase portrait of the current setting", id="phase-button"),
        dcc.Loading(html.Div(id="phase-panel"), type="default"),
    ])


def build_layout(sources: Sources):
    """The page's layout, showing the initial scenario of ``sources``."""
    from dash import dcc, html

    sc = sources.load(sources.initial_key)
    setting = setting_of(sc)
    return html.Div([
        dcc.Store(id="loaded", data=sc.to_dict()),
        dcc.Store(id="current", data=None),
        dcc.Store(id="baseline", data=None),
        dcc.Store(id="timeline-loaded", data=None),
        _header(),
        _toolbar(sources),
        html.Div(className="main", children=[
            html.Div(_sidebar(setting.values), className="sidebar", id="sidebar"),
            _content(sc),
        ]),
    ])


# ------------------------------------------------------------------ callbacks
def _readable(exc: Exception) -> str:
    if isinstance(exc, (SettingError, ScenarioError)):
        return str(exc)
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return f"{type(exc).__name__}: {exc}"


def _cells(table: str):
    from dash import ALL

    return {"table": table, "field": ALL, "row": ALL}


def _rows_only(cells) -> list[dict]:
    return [row for _, row in cells]


def register_callbacks(app, sources: Sources) -> None:
    """Wire the page's controls to the pure functions."""
    from dash import ALL, Input, Output, State, ctx, html, no_update

    params = {"type": PARAM, "name": ALL}

    @app.callback(
        Output(params, "value"),
        Output("final-time", "value"), Output("time-step", "value"),
        Output("save-interval", "value"), Output("timeline-loaded", "data"),
        Output("scenario-name", "value"), Output("scenario-description", "children"),
        Output("loaded", "data"), Output("load-message", "children"),
        Input("scenario-choice", "value"), Input("upload", "contents"),
        Input("reset", "n_clicks"),
        State("upload", "filename"), State("loaded", "data"), State(params, "id"),
        prevent_initial_call=True)
    def load(choice, contents, reset, filename, loaded, ids):
        keep = [no_update] * len(ids), *[no_update] * 7
        try:
            if ctx.triggered_id == "upload":
                if not contents:
                    return (*keep, no_update)
                _, _, payload = contents.partition(",")
                sc = scenario_from_toml(base64.b64decode(payload), filename or "upload")
                msg = f"Loaded '{sc.name}' from {filename}."
            elif ctx.triggered_id == "reset":
                sc = Scenario.from_dict(loaded, source="loaded scenario")
                msg = f"Reset to the loaded scenario '{sc.name}'."
            else:
                sc = sources.load(choice)
                msg = f"Loaded '{sc.name}'."
        except Exception as exc:  # shown on the page, never a traceback
            log.info("load failed", exc_info=True)
            return (*keep, f"Could not load the scenario: {_readable(exc)}")
        setting = setting_of(sc)
        rows = {"events": list(setting.events), "changes": list(setting.lever_changes),
                "nonce": [choice, reset, filename]}
        return ([setting.values[i["name"]] for i in ids], sc.final_time, sc.time_step,
                sc.save_interval, rows, sc.name, sc.description.strip(), sc.to_dict(), msg)

    def rows_callback(table: str, container: str, add: str, loaded_key: str,
                      make_row):
        @app.callback(
            Output(container, "children"),
            Input(add, "n_clicks"), Input({"table": table, "remove": ALL}, "n_clicks"),
            Input("timeline-loaded", "data"),
            State(_cells(table), "value"), State(_cells(table), "id"),
            State(f"new-{add[4:]}-at", "value"), State("final-time", "value"),
            State(make_row[0], "value"), State(make_row[1], "value"),
            prevent_initial_call=True)
        def edit(_add, _removes, loaded_rows, values, ids, at, final_time, first, second):
            trig = ctx.triggered_id
            if trig == "timeline-loaded":
                if not loaded_rows:
                    return no_update
                return timeline.render_rows(table, _keyed(loaded_rows[loaded_key]))
            rows = timeline.rows_from_cells(ids, values)
            if isinstance(trig, dict) and "remove" in trig:
                if not ctx.triggered or not ctx.triggered[0]["value"]:
                    return no_update  # a new row's button appearing, not a click
                rows = [(k, r) for k, r in rows if k != trig["remove"]]
            elif trig == add:
                at = at if at not in (None, "") else _midway(final_time)
                row = make_row[2](at, first, second)
                rows = timeline.insert_by_month(rows, timeline.next_key([k for k, _ in rows]),
                                                row)
            else:
                return no_update
            return timeline.render_rows(table, rows)

        return edit

    rows_callback(timeline.EVENTS, "event-rows", "add-event", "events",
                  ("new-event-kind", "new-event-size",
                   lambda at, kind, size: {"at": at, "kind": kind,
                                           "size": 1.0 if size in (None, "") else size,
                                           "leadership_quality": None, "note": ""}))
    rows_callback(timeline.CHANGES, "change-rows", "add-change", "changes",
                  ("new-change-lever", "new-change-value",
                   lambda at, lever, value: {"at": at, "lever": lever, "value": value}))

    @app.callback(
        Output("trajectories", "figure"), Output("summary", "children"),
        Output("run-message", "children"), Output("current", "data"),
        Output("timeline-key", "children"),
        Input(params, "value"),
        Input("final-time", "value"), Input("time-step", "value"),
        Input("save-interval", "value"),
        Input(_cells(timeline.EVENTS), "value"), Input(_cells(timeline.CHANGES), "value"),
        Input("scenario-name", "value"),
        Input("stocks-shown", "value"), Input("band", "value"), Input("baseline", "data"),
        State(params, "id"), State(_cells(timeline.EVENTS), "id"),
        State(_cells(timeline.CHANGES), "id"), State("loaded", "data"))
    def update(values, final_time, time_step, save_interval, ev_values, ch_values, name,
               stocks, band, baseline, ids, ev_ids, ch_ids, loaded):
        try:
            setting = Setting(
                values={i["name"]: v for i, v in zip(ids, values)},
                clock={"final_time": final_time, "time_step": time_step,
                       "save_interval": save_interval},
                events=_rows_only(timeline.rows_from_cells(ev_ids, ev_values)),
                lever_changes=_rows_only(timeline.rows_from_cells(ch_ids, ch_values)),
                name=name or str(loaded.get("name", "scenario")),
                description=str(loaded.get("description", "")),
                claims=tuple(loaded.get("claims", ())))
            sc = scenario_from_setting(setting)
            columns = [s for s in (stocks or []) if s in all_stocks()] or list(key_stocks())
            df = simulate(sc)
            base_df = frame_from_records(baseline["records"]) if baseline else None
            bnd = uncertainty_band(sc, float(band), columns) if band else None
            fig = trajectory_figure(df, sc, columns, baseline=base_df,
                                    baseline_name=baseline["name"] if baseline else "",
                                    band=bnd)
            lines = horizon_summary(df, SYNERGY_THRESHOLD, base_df)
            if baseline and baseline.get("scenario"):
                diff = differences(Scenario.from_dict(baseline["scenario"],
                                                      source="pinned baseline"), sc)
                lines.append("Changed since the baseline was pinned: "
                             + ("; ".join(diff) if diff else "nothing") + ".")
            summary = html.Ul([html.Li(s) for s in lines])
            marks = timeline_marks(sc)
            key = ([html.Span("Timeline: ", className="tkey-head")] + [
                html.Span([html.B(m.letter, style={"color": m.color}), f" {m.text}"],
                          className="tkey-item") for m in marks]) if marks else ""
        except Exception as exc:  # shown on the page, never a traceback
            log.info("setting rejected", exc_info=True)
            return (no_update, no_update,
                    f"The charts show the last valid setting. {_readable(exc)}", None,
                    no_update)
        return fig, summary, "", sc.to_dict(), key

    @app.callback(Output("baseline", "data"), Input("pin", "n_clicks"),
                  Input("unpin", "n_clicks"), State("current", "data"),
                  prevent_initial_call=True)
    def pin(_pin, _unpin, current):
        if ctx.triggered_id == "unpin" or not current:
            return None
        sc = Scenario.from_dict(current, source="current setting")
        df = simulate(sc)
        return {"name": sc.name, "records": records_of(df, list(df.columns)),
                "scenario": current}

    @app.callback(Output("toml-file", "data"), Output("csv-file", "data"),
                  Output("file-message", "children"),
                  Input("download-toml", "n_clicks"), Input("download-csv", "n_clicks"),
                  State("current", "data"), prevent_initial_call=True)
    def download(_toml, _csv, current):
        if not current:
            return (no_update, no_update, "The current setting has an error (see the "
                    "message above); correct it, then download.")
        sc = Scenario.from_dict(current, source="current setting")
        stem = file_stem(sc.name)
        if ctx.triggered_id == "download-toml":
            return ({"content": scenario_to_toml(sc), "filename": f"{stem}.toml",
                     "type": "application/toml"}, no_update,
                    f"Downloaded {stem}.toml: run it with `iocdyn run {stem}.toml -o "
                    "out.csv`.")
        return (no_update, {"content": trajectories_csv(simulate(sc)),
                            "filename": f"{stem}.csv", "type": "text/csv"},
                f"Downloaded {stem}.csv (the table `iocdyn run` writes for this setting).")

    @app.callback(Output("phase-panel", "children"), Input("phase-button", "n_clicks"),
                  State("current", "data"), prevent_initial_call=True)
    def phase(_n, current):
        if not current:
            return html.Div("The current setting has an error; correct it first.",
                            className="message error")
        try:
            sc = Scenario.from_dict(current, source="current setting")
            src = phase_portrait_png(sc)
        except Exception as exc:  # shown on the page, never a traceback
            log.info("phase portrait failed", exc_info=True)
            return html.Div(f"Could not draw the phase portrait: {_readable(exc)}",
                            className="message error")
        return html.Img(src=src, id="phase-image", alt=f"Trust-faith phase portrait of "
                        f"{sc.name}", style={"maxWidth": "100%"})


def _midway(final_time) -> float:
    try:
        return float(int(float(final_time) / 2))
    except (TypeError, ValueError):
        return 12.0


def warm_up(app) -> None:
    """Compile the engine and draw once, so that the first page opens at full speed."""
    sc = Scenario()
    trajectory_figure(simulate(sc), sc)


def build_app(scenario: str | Path | Scenario | None = None):
    """The explorer as a Dash app showing ``scenario`` (a path, a Scenario, or the
    registry defaults if ``None``).

    Raises
    ------
    ScenarioError
        If the scenario file is invalid (before anything is served).
    """
    from dash import Dash

    sources = Sources(scenario)
    app = Dash(__name__, title="iocdynamics explorer", update_title=None,
               serve_locally=True, assets_folder=str(Path(__file__).parent / "_no_assets"))
    app.index_string = INDEX
    app.layout = build_layout(sources)
    register_callbacks(app, sources)
    return app
