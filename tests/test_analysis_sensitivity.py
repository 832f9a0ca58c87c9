"""Sobol' and Morris on the Ishigami function (analytic indices known), and the design checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from sim.analysis.sensitivity import (
    DesignMismatch,
    average_replicates,
    morris_indices,
    morris_sample,
    sobol_indices,
    sobol_sample,
)

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
S1 = [0.3139, 0.4424, 0.0]
ST = [0.5576, 0.4424, 0.2437]


@pytest.fixture(scope="module")
def second_order():
    X = sobol_sample(PROBLEM, 2**12, calc_second_order=True, seed=5)
    return X, Ishigami.evaluate(X)


def test_sobol_first_and_total_indices_match_the_analytic_ishigami_values():
    X = sobol_sample(PROBLEM, 2**13, calc_second_order=False, seed=3)
    table = sobol_indices(
        PROBLEM, X, Ishigami.evaluate(X), calc_second_order=False, n_base=2**13, seed=3, num_resamples=200
    )
    assert list(table.index) == PROBLEM["names"]
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    np.testing.assert_allclose(table["S1"], S1, atol=0.05)
    np.testing.assert_allclose(table["ST"], ST, atol=0.05)
    assert (table["S1_conf"] > 0).all() and "S2" not in table.attrs


def test_second_order_indices_show_the_x1_x3_interaction(second_order):
    X, Y = second_order
    table = sobol_indices(PROBLEM, X, Y, calc_second_order=True, n_base=2**12, seed=5, num_resamples=100)
    s2 = table.attrs["S2"]
    assert s2.loc["x1", "x3"] == pytest.approx(ST[0] - S1[0], abs=0.08)
    assert abs(s2.loc["x1", "x2"]) < 0.05


def test_a_second_order_sample_analysed_as_first_order_is_refused(second_order):
    X, Y = second_order
    with pytest.raises(DesignMismatch, match="calc_second_order=False give"):
        sobol_indices(PROBLEM, X, Y, calc_second_order=False, n_base=2**12, seed=5)


def test_a_wrong_base_size_is_refused(second_order):
    X, Y = second_order
    with pytest.raises(DesignMismatch, match="32768 rows, but n_base=2048"):
        sobol_indices(PROBLEM, X, Y, calc_second_order=True, n_base=2**11, seed=5)
    with pytest.raises(DesignMismatch, match="not a power of 2"):
        sobol_indices(PROBLEM, X, Y, calc_second_order=True, n_base=3000, seed=5)
    with pytest.raises(DesignMismatch, match="not a power of 2"):
        sobol_sample(PROBLEM, 100, calc_second_order=False, seed=1)


def test_shuffled_rows_or_another_seed_are_refused_even_when_the_counts_fit():
    X = sobol_sample(PROBLEM, 64, calc_second_order=False, seed=1)
    Y = Ishigami.evaluate(X)
    order = np.random.default_rng(0).permutation(len(X))
    with pytest.raises(DesignMismatch, match="rows reordered"):
        sobol_indices(PROBLEM, X[order], Y[order], calc_second_order=False, n_base=64, seed=1)
    with pytest.raises(DesignMismatch, match="seed=2"):
        sobol_indices(PROBLEM, X, Y, calc_second_order=False, n_base=64, seed=2)


def test_missing_outputs_are_refused():
    X = sobol_sample(PROBLEM, 64, calc_second_order=False, seed=1)
    Y = Ishigami.evaluate(X)
    Y[7] = np.nan
    with pytest.raises(DesignMismatch, match="first at row 7"):
        sobol_indices(PROBLEM, X, Y, calc_second_order=False, n_base=64, seed=1)
    with pytest.raises(DesignMismatch, match="first at row 7"):
        morris_indices(PROBLEM, X[:60], Y[:60], num_levels=4, seed=1)


def test_morris_ranks_the_ishigami_factors_and_sees_x3_only_through_interaction():
    X = morris_sample(PROBLEM, 50, num_levels=4, seed=3)
    table = morris_indices(PROBLEM, X, Ishigami.evaluate(X), num_levels=4, seed=3, num_resamples=200)
    assert list(table.columns) == ["mu", "mu_star", "mu_star_conf", "sigma"]
    assert table.loc["x3", "mu_star"] < min(table.loc["x1", "mu_star"], table.loc["x2", "mu_star"])
    assert table.loc["x3", "sigma"] > table.loc["x3", "mu_star"]


def test_morris_design_checks():
    X = morris_sample(PROBLEM, 10, num_levels=4, seed=3)
    Y = Ishigami.evaluate(X)
    with pytest.raises(DesignMismatch, match="whole number of Morris trajectories"):
        morris_indices(PROBLEM, X[:-1], Y[:-1], num_levels=4, seed=3)
    with pytest.raises(DesignMismatch, match="not the Morris"):
        morris_indices(PROBLEM, X[::-1], Y[::-1], num_levels=4, seed=3)
    with pytest.raises(DesignMismatch, match="num_levels=6"):
        morris_indices(PROBLEM, X, Y, num_levels=6, seed=3)


def test_problem_is_not_modified_and_bad_problems_are_named():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
    morris_sample(problem, 4, num_levels=4, seed=0)
    sobol_sample(problem, 8, calc_second_order=False, seed=0)
    assert set(problem) == {"num_vars", "names", "bounds"}
    with pytest.raises(ValueError, match="num_vars is 3 but there are 2 names"):
        sobol_sample({**problem, "names": ["a", "b"]}, 8, calc_second_order=False, seed=0)


def replicated(points: int, replicates: int) -> pd.DataFrame:
    rows = [{"point": p, "replicate": r, "y": 10 * p + r} for p in range(points) for r in range(replicates)]
    return pd.DataFrame(rows).sample(frac=1, random_state=0)


def test_average_replicates_gives_the_mean_per_point_in_point_order():
    np.testing.assert_allclose(average_replicates(replicated(4, 3), "y"), [1, 11, 21, 31])


def test_average_replicates_refuses_uneven_replicates_missing_points_and_gaps():
    table = replicated(4, 3)
    with pytest.raises(DesignMismatch, match="lack some replicates"):
        average_replicates(table[~((table.point == 2) & (table.replicate == 1))], "y")
    with pytest.raises(DesignMismatch, match=r"not 0\.\.2"):
        average_replicates(table[table.point != 1], "y")
    with pytest.raises(DesignMismatch, match="missing value"):
        average_replicates(table.assign(y=table.y.where(table.point != 3)), "y")
    with pytest.raises(ValueError, match="missing column 'z'"):
        average_replicates(table, "z")
