"""Ordered probit/logit probabilities against scipy.stats and basic laws."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from iocdynamics.calibration.likelihood import (
    cutpoints_from_increments,
    level_log_probability,
    level_probabilities,
)

CUTS = (0.2, 0.4, 0.6, 0.8)


@pytest.mark.parametrize("link,dist", [("probit", stats.norm), ("logit", stats.logistic)])
def test_matches_cdf_differences(link, dist):
    x, s = 0.47, 0.13
    edges = [-np.inf, *CUTS, np.inf]
    expected = [dist.cdf((edges[k + 1] - x) / s) - dist.cdf((edges[k] - x) / s)
                for k in range(5)]
    got = level_probabilities(np.array(x), CUTS, s, link)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-2, 3), s=st.floats(0.01, 2), link=st.sampled_from(["probit", "logit"]))
def test_probabilities_sum_to_one_and_are_finite_logs(x, s, link):
    p = level_probabilities(np.array(x), CUTS, s, link)
    assert abs(p.sum() - 1) < 1e-9
    lp = level_log_probability(np.full(5, x), np.arange(1, 6), CUTS, s, link)
    assert np.all(np.isfinite(lp))


@settings(max_examples=40, deadline=None)
@given(x=st.floats(0, 1), dx=st.floats(0.01, 0.5), s=st.floats(0.02, 1))
def test_higher_latent_value_shifts_mass_upwards(x, dx, s):
    # stochastic dominance: P(level <= k) falls as x rises, for every k
    lo = np.cumsum(level_probabilities(np.array(x), CUTS, s))
    hi = np.cumsum(level_probabilities(np.array(x + dx), CUTS, s))
    assert np.all(hi[:-1] <= lo[:-1] + 1e-12)


def test_far_tail_is_finite_and_tiny():
    lp = level_log_probability(np.array([5.0]), np.array([1]), CUTS, 0.05)
    assert np.isfinite(lp).all() and lp[0] < -100


def test_cutpoints_from_positive_increments_are_ordered():
    assert cutpoints_from_increments(0.2, [0.2, 0.2, 0.2]) == pytest.approx(CUTS)
    with pytest.raises(ValueError):
        cutpoints_from_increments(0.2, [0.1, -0.05])
    # a zero gap would merge two levels: also refused
    with pytest.raises(ValueError):
        cutpoints_from_increments(0.2, [0.1, 0.0])


@pytest.mark.parametrize("link,dist", [("probit", stats.norm), ("logit", stats.logistic)])
@pytest.mark.parametrize("x", [-3.0, 3.0])
def test_interior_level_far_from_the_latent_value_keeps_its_precision(link, dist, x):
    """An interior level far above or below the latent value has a probability of
    1e-20 or less: computed as a difference of two CDF values near 1 it would cancel to
    0. The reference is the difference on the tail side, in logs (scipy's logcdf and
    logsf are accurate there)."""
    s = 0.2 if link == "probit" else 0.05
    a, b = (CUTS[1] - x) / s, (CUTS[2] - x) / s
    if a > 0:   # level above the latent value: upper tail
        hi, lo = dist.logsf(a), dist.logsf(b)
    else:       # level below it: lower tail
        hi, lo = dist.logcdf(b), dist.logcdf(a)
    expected = hi + np.log1p(-np.exp(lo - hi))
    assert expected < np.log(1e-20)
    got = level_log_probability(np.array([x]), np.array([3]), CUTS, s, link)[0]
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("link", ["tobit", "cauchit", "Probit"])
def test_an_unknown_link_is_refused(link):
    with pytest.raises(ValueError, match="link must be one of"):
        level_probabilities(np.array(0.5), CUTS, 0.1, link)
