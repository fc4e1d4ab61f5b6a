"""Outcome metrics on hand-constructed trajectories with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from iocdynamics.experiments.metrics import (
    METRICS,
    compute_metrics,
    compute_metrics_arrays,
    integral,
    time_below,
    time_to_threshold,
)
from iocdynamics.experiments.summary import (
    censored_quantiles,
    summarise,
    wilson_interval,
)


def test_time_to_threshold_interpolates_the_first_crossing():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    v = np.array([[0.0, 0.2, 0.6, 0.8],     # crosses 0.4 half-way between 1 and 2
                  [0.5, 0.1, 0.9, 0.9],     # starts above: 0
                  [0.1, 0.4, 0.4, 0.4],     # touches but never exceeds: never
                  [0.0, 0.0, 0.3, 0.5]])    # crosses at 2 + 0.1/0.2 = 2.5
    out = time_to_threshold(t, v, 0.4)
    assert out[0] == pytest.approx(1.5)
    assert out[1] == 0.0
    assert np.isnan(out[2])
    assert out[3] == pytest.approx(2.5)


def test_time_to_threshold_is_the_first_interpolated_crossing():
    rng = np.random.default_rng(7)
    t = np.cumsum(rng.uniform(0.2, 2.0, 30))
    for _ in range(200):
        v = np.cumsum(rng.normal(0, 0.1, 30))
        thr = float(rng.uniform(v.min(), v.max()))
        tc = time_to_threshold(t, v, thr)
        if np.isnan(tc):
            assert np.all(v <= thr)
            continue
        if tc == t[0]:
            assert v[0] > thr
            continue
        assert np.interp(tc, t, v) == pytest.approx(thr, abs=1e-9)
        fine = np.linspace(t[0], tc, 400)[:-1]
        assert np.all(np.interp(fine, t, v) <= thr + 1e-9)


def test_integral_of_ramp_and_constant():
    t = np.linspace(0, 10, 11)
    assert integral(t, t) == pytest.approx(50.0)
    assert integral(t, np.full(11, -0.2)) == pytest.approx(-2.0)


def test_time_below_counts_interpolated_part_intervals():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    assert time_below(t, np.array([0.1, -0.1, -0.1, 0.1])) == pytest.approx(2.0)
    assert time_below(t, np.array([0.0, 0.0, 0.0, 0.0])) == 0.0
    assert time_below(t, np.array([-1.0, -1.0, -1.0, -1.0])) == pytest.approx(3.0)
    # from -0.3 to +0.1 over [0, 1]: below for 0.75 months
    assert time_below(t[:2], np.array([-0.3, 0.1])) == pytest.approx(0.75)


def test_time_below_and_above_add_up_to_the_horizon():
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.1, 1.0, 50))
    v = rng.normal(0, 1, (20, 50))
    total = time_below(t, v) + time_below(t, -v)
    np.testing.assert_allclose(total, t[-1] - t[0])


def test_compute_metrics_arrays_on_a_hand_made_ensemble():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    beh = np.array([[0.1, 0.3, 0.5, 0.7, 0.7],
                    [0.1, 0.1, 0.1, 0.0, 0.0]])
    perf = np.array([[0.0, -0.1, 0.1, 0.2, 0.2],
                     [0.0, -0.1, -0.2, -0.2, -0.2]])
    active = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=float)
    m = compute_metrics_arrays(t, beh, perf, active, threshold=0.4)
    assert set(m) == set(METRICS)
    np.testing.assert_allclose(m["time_to_synergy"][0], 1.5)
    assert np.isnan(m["time_to_synergy"][1])
    np.testing.assert_array_equal(m["reached_synergy"], [1, 0])
    np.testing.assert_allclose(m["behaviour_at_horizon"], [0.7, 0.0])
    np.testing.assert_allclose(m["performance_at_horizon"], [0.2, -0.2])
    # trapezoids: member 0: -0.05 + 0 + 0.15 + 0.2 = 0.3
    np.testing.assert_allclose(m["cumulative_performance"], [0.3, -0.05 - 0.15 - 0.2 - 0.2])
    np.testing.assert_array_equal(m["dissolved"], [0, 1])
    # member 0: below from 0 (starts at 0, not below) to the crossing at 1.5
    np.testing.assert_allclose(m["months_below_baseline"], [1.5, 4.0])


def test_compute_metrics_keeps_non_time_dims_and_coords():
    t = np.arange(5.0)
    rng = np.random.default_rng(0)
    shape = (3, 4, 5)
    ds = xr.Dataset({"collaborative_behaviour": (("setting", "member", "time"),
                                                 rng.uniform(0, 1, shape)),
                     "performance": (("setting", "member", "time"),
                                     rng.normal(0, 0.1, shape)),
                     "active": (("setting", "member", "time"), np.ones(shape))},
                    coords={"time": t, "contract": ("setting", ["none", "mou", "binding"])})
    m = compute_metrics(ds, 0.5)
    assert m["behaviour_at_horizon"].dims == ("setting", "member")
    assert list(m["contract"].values) == ["none", "mou", "binding"]
    np.testing.assert_allclose(m["behaviour_at_horizon"].values,
                               ds["collaborative_behaviour"].values[..., -1])
    with pytest.raises(KeyError, match="active"):
        compute_metrics(ds.drop_vars("active"))


def test_wilson_interval_matches_the_closed_form():
    lo, hi = wilson_interval(np.array([0, 5, 10]), 10)
    assert lo[0] == 0.0 and hi[2] == 1.0
    # k = 5 of 10, z = 1.645: centre 0.5, half-width z*sqrt(0.025 + z^2/400)/(1 + z^2/10)
    z = 1.6448536269514722
    half = z * np.sqrt(0.025 + z**2 / 400) / (1 + z**2 / 10)
    assert lo[1] == pytest.approx(0.5 - half) and hi[1] == pytest.approx(0.5 + half)


def test_censored_quantiles_leave_censored_quantiles_empty():
    v = np.array([1.0, 2.0, 3.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan])
    p5, med, p95 = censored_quantiles(v)
    assert p5 == 1.0
    assert np.isnan(med) and np.isnan(p95)


def test_summarise_columns_and_probabilities():
    import pandas as pd

    ds = xr.Dataset({"reached_synergy": (("setting", "member"), [[1, 1, 0, 0], [1, 1, 1, 1]]),
                     "behaviour_at_horizon": (("setting", "member"),
                                              [[0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.5, 0.5]])})
    s = summarise(ds, pd.DataFrame({"contract": ["none", "mou"]}))
    assert list(s["reached_synergy_probability"]) == [0.5, 1.0]
    assert s["behaviour_at_horizon_median"].iloc[1] == 0.5
    assert s["behaviour_at_horizon_median"].iloc[0] == pytest.approx(0.25)
    assert (s["members"] == 4).all()
