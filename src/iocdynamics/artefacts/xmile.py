"""Generate the XMILE 1.0 file (equations and stock-and-flow diagram) from the sympy model.

The diagram is one ``stock_flow`` view; the three views of the Vensim sketch are its
sectors (``<group>``), stacked top to bottom, laid out by :mod:`.sketch` exactly as
in the ``.mdl`` file. Shadow variables are aliases.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from ..structure import StockFlowModel
from .printing import format_number, xmile
from .settings import FileSettings
from .sketch import Element, View, layout

SECTOR_GAP = 80   # vertical space between two sectors
MARGIN = 40       # space between a sector's frame and what it holds
STOCK_W, STOCK_H = 45, 35   # the stock box XMILE readers draw by default


def _doc(text: str, claims: tuple[str, ...]) -> str:
    if claims:
        text += f" Claims: {', '.join(claims)}."
    return f"<doc>{escape(text)}</doc>"


def model_text(model: StockFlowModel, settings: FileSettings | None = None) -> str:
    """The complete XMILE text of ``model`` under ``settings`` (as for
    :func:`iocdynamics.artefacts.vensim.model_text`), less the save interval: XMILE has
    none, so readers report every time step."""
    settings = settings or FileSettings()
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
        "  <header>",
        '    <options namespace="std">',
        "      <has_model_view/>",
        "    </options>",
        f"    <name>{escape(model.name)}</name>",
        "    <vendor>iocdynamics</vendor>",
        '    <product version="1" lang="en">iocdynamics</product>',
        "  </header>",
        '  <sim_specs method="Euler" time_units="Month">',
        "    <start>0</start>",
        f"    <stop>{format_number(settings.final_time)}</stop>",
        f"    <dt>{format_number(settings.time_step)}</dt>",
        "  </sim_specs>",
        "  <model>",
        "    <variables>",
    ]
    for s in model.stocks:
        lines.append(f"      <stock name={quoteattr(s.name)}>")
        lines.append(f"        {_doc(s.description, s.claims)}")
        lines.append(f"        <eqn>{escape(xmile(s.initial))}</eqn>")
        for f in model.stock_flows(s.name):
            tag = "inflow" if f.direction == "in" else "outflow"
            lines.append(f"        <{tag}>{f.name}</{tag}>")
        lines.append(f"        <units>{escape(s.units)}</units>")
        lines.append("      </stock>")
    for f in model.flows:
        lines += _variable("flow", f.name, _doc(f.description, f.claims), xmile(f.expr), f.units)
    for a in model.auxiliaries:
        lines += _variable("aux", a.name, _doc(a.description, a.claims), xmile(a.expr), a.units)
    for i in model.inputs:
        doc = _doc(i.description + " Time-dependent input.", i.claims)
        lines += _variable("aux", i.name, doc, xmile(settings.expression(i.name)), i.units)
    for p in model.parameters:
        desc = (f"[{p.group}] {p.description} Range {format_number(p.lower)} to "
                f"{format_number(p.upper)}.")
        eqn = xmile(settings.expression(p.name, p.default))
        lines += _variable("aux", p.name, _doc(desc, p.claims), eqn, p.units)
    lines.append("    </variables>")
    lines += views_lines(layout(model))
    lines += ["  </model>", "</xmile>", ""]
    return "\n".join(lines)


def _variable(tag: str, name: str, doc: str, eqn: str, units: str) -> list[str]:
    return [f"      <{tag} name={quoteattr(name)}>", f"        {doc}",
            f"        <eqn>{escape(eqn)}</eqn>", f"        <units>{escape(units)}</units>",
            f"      </{tag}>"]


def sector_offsets(views: list[View]) -> list[tuple[int, int]]:
    """``(dx, dy)`` that moves each view to its place in the stacked diagram."""
    out, top = [], MARGIN
    for view in views:
        x0, y0, _, y1 = view.bounds()
        out.append((MARGIN + MARGIN - x0, top + MARGIN - y0))
        top += (y1 - y0) + 2 * MARGIN + SECTOR_GAP
    return out


def _at_box(stock: Element, end: tuple[int, int]) -> tuple[float, float]:
    """A pipe's end moved onto the edge of the XMILE stock box it touches."""
    x, y = end
    if abs(x - stock.x) >= stock.half_w:        # on the left or right edge
        return stock.x + math.copysign(STOCK_W / 2, x - stock.x), y
    return x, stock.y + math.copysign(STOCK_H / 2, y - stock.y)


def _angle(x1: float, y1: float, x2: float, y2: float) -> str:
    """Direction of a straight connector in XMILE degrees (counter-clockwise from
    the right, the y axis pointing down on screen)."""
    return format_number(round(math.degrees(math.atan2(y1 - y2, x2 - x1)) % 360, 3))


def views_lines(views: list[View]) -> list[str]:
    """The ``<views>`` element: one stock-and-flow view, one sector per view."""
    out = ["    <views>", '      <view type="stock_flow">']
    uid = 0
    for view, (dx, dy) in zip(views, sector_offsets(views)):
        x0, y0, x1, y1 = view.bounds()
        out.append(f"        <group name={quoteattr(view.title)} x=\"{x0 + dx - MARGIN}\" "
                   f"y=\"{y0 + dy - MARGIN}\" width=\"{x1 - x0 + 2 * MARGIN}\" "
                   f"height=\"{y1 - y0 + 2 * MARGIN}\"/>")
        pipes = {p.flow: p for p in view.pipes}
        aliases: dict[str, int] = {}
        pos = {}
        for e in view.elements:
            x, y = e.x + dx, e.y + dy
            pos[e.name] = (x, y)
            name = quoteattr(e.name)
            if e.kind == "stock":
                # no width/height: with them, readers take x, y as the top-left corner
                out.append(f"        <stock name={name} x=\"{x}\" y=\"{y}\"/>")
            elif e.kind == "flow":
                pipe = pipes[e.name]
                ends = [_at_box(view.element(stock), end) if stock else end
                        for stock, end in zip((pipe.source, pipe.sink), pipe.points)]
                out.append(f"        <flow name={name} x=\"{x}\" y=\"{y}\" "
                           f"label_side=\"{e.label_side}\">")
                out.append("          <pts>" + "".join(
                    f"<pt x=\"{format_number(px + dx)}\" y=\"{format_number(py + dy)}\"/>"
                    for px, py in ends) + "</pts>")
                out.append("        </flow>")
            elif e.kind == "shadow":
                uid += 1
                aliases[e.name] = uid
                out.append(f"        <alias uid=\"{uid}\" x=\"{x}\" y=\"{y}\">"
                           f"<of>{escape(e.name)}</of></alias>")
            else:
                out.append(f"        <aux name={name} x=\"{x}\" y=\"{y}\"/>")
        for src, dst in view.links:
            uid += 1
            angle = _angle(*pos[src], *pos[dst])
            ref = (f"<alias uid=\"{aliases[src]}\"/>" if src in aliases else escape(src))
            out.append(f"        <connector uid=\"{uid}\" angle=\"{angle}\">"
                       f"<from>{ref}</from><to>{escape(dst)}</to></connector>")
    out += ["      </view>", "    </views>"]
    return out
