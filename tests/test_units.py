"""Units: declared for every variable and dimensionally consistent."""

from __future__ import annotations

import pytest
import sympy as sp

from iocdynamics.model import build_model
from iocdynamics.structure import Auxiliary, Flow, StockFlowModel
from iocdynamics.units import check_units, parse_units


def test_every_element_declares_parseable_units():
    m = build_model()
    for group in (m.parameters, m.inputs, m.auxiliaries, m.flows, m.stocks):
        for e in group:
            assert e.units, f"{e.name} has no units"
            parse_units(e.units)


def test_model_is_dimensionally_consistent():
    assert check_units(build_model()) == []


def test_flows_are_stock_units_per_month():
    m = build_model()
    for f in m.flows:
        stock = next(s for s in m.stocks if s.name == f.stock)
        assert parse_units(f.units) == parse_units(stock.units) - 1, f.name


@pytest.mark.parametrize("units, power", [("Dmnl", 0), ("Month", 1), ("1/Month", -1),
                                          ("Dmnl/Month", -1), ("Month^2", 2)])
def test_parse_units(units, power):
    assert parse_units(units) == power


def _with_aux(expr, units="Dmnl"):
    m = build_model()
    aux = list(m.auxiliaries) + [Auxiliary("probe", expr, units, "probe")]
    return StockFlowModel("probe", m.parameters, m.inputs, aux, m.flows, m.stocks)


def test_checker_catches_a_level_added_to_a_time():
    m = build_model()
    bad = _with_aux(m.symbols["trust"] + m.symbols["trust_build_time"])
    assert any("probe" in p and "different dimensions" in p for p in check_units(bad))


def test_checker_catches_a_wrongly_declared_flow():
    m = build_model()
    f0 = m.flows[0]
    flows = [Flow(f0.name, f0.expr, "Dmnl", f0.description, f0.claims, f0.stock)]
    flows += m.flows[1:]
    bad = StockFlowModel("probe", m.parameters, m.inputs, m.auxiliaries, flows, m.stocks)
    assert any(f0.name in p for p in check_units(bad))


def test_checker_catches_a_dimensioned_exponent():
    m = build_model()
    bad = _with_aux(m.symbols["trust"] ** m.symbols["trust_build_time"])
    assert any("exponent" in p for p in check_units(bad))
    ok = _with_aux(sp.exp(-m.symbols["trust"]))
    assert check_units(ok) == []
