"""Generate the XMILE 1.0 file from the sympy model."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .printing import format_number, xmile
from .structure import StockFlowModel


def _doc(text: str, claims: tuple[str, ...]) -> str:
    if claims:
        text += f" Claims: {', '.join(claims)}."
    return f"<doc>{escape(text)}</doc>"


def model_text(model: StockFlowModel, final_time: float = 60.0,
               time_step: float = 0.125) -> str:
    """The complete XMILE text of ``model``.

    Parameters
    ----------
    model : StockFlowModel
    final_time, time_step : float
        Simulation specs in months (Euler integration).

    Returns
    -------
    str
    """
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
        "  <header>",
        "    <vendor>iocdynamics</vendor>",
        '    <product version="1" lang="en">iocdynamics</product>',
        f"    <name>{model.name}</name>",
        "  </header>",
        '  <sim_specs method="Euler" time_units="Month">',
        f"    <start>0</start>\n    <stop>{format_number(final_time)}</stop>\n"
        f"    <dt>{format_number(time_step)}</dt>",
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
        lines.append(f"      <flow name={quoteattr(f.name)}>")
        lines.append(f"        {_doc(f.description, f.claims)}")
        lines.append(f"        <eqn>{escape(xmile(f.expr))}</eqn>")
        lines.append(f"        <units>{escape(f.units)}</units>")
        lines.append("      </flow>")
    for a in model.auxiliaries:
        lines.append(f"      <aux name={quoteattr(a.name)}>")
        lines.append(f"        {_doc(a.description, a.claims)}")
        lines.append(f"        <eqn>{escape(xmile(a.expr))}</eqn>")
        lines.append(f"        <units>{escape(a.units)}</units>")
        lines.append("      </aux>")
    for i in model.inputs:
        lines.append(f"      <aux name={quoteattr(i.name)}>")
        lines.append(f"        {_doc(i.description + ' Time-dependent input.', i.claims)}")
        lines.append("        <eqn>0</eqn>")
        lines.append(f"        <units>{escape(i.units)}</units>")
        lines.append("      </aux>")
    for p in model.parameters:
        lines.append(f"      <aux name={quoteattr(p.name)}>")
        desc = (f"[{p.group}] {p.description} Range {format_number(p.lower)} to "
                f"{format_number(p.upper)}.")
        lines.append(f"        {_doc(desc, p.claims)}")
        lines.append(f"        <eqn>{format_number(p.default)}</eqn>")
        lines.append(f"        <units>{escape(p.units)}</units>")
        lines.append("      </aux>")
    lines += ["    </variables>", "  </model>", "</xmile>", ""]
    return "\n".join(lines)
