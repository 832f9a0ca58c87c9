"""PRIM scenario discovery finds a planted box."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import Discovery, choose_step, discover


def planted(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three uniform factors; the runs of interest are x1 in [0.2, 0.6] and x2 > 0.5."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 3)), columns=["x1", "x2", "x3"])
    y = ((x.x1 >= 0.2) & (x.x1 <= 0.6) & (x.x2 > 0.5)).to_numpy()
    return x, y


def test_prim_finds_the_planted_box_and_leaves_x3_free():
    x, y = planted()
    found = discover(x, y, outcome_rule="planted")
    assert isinstance(found, Discovery) and found.outcome_rule == "planted"
    box = found.boxes[0]
    assert box.coverage >= 0.8 and box.density >= 0.8
    assert set(box.limits.index) == {"x1", "x2"}
    assert box.limits.loc["x1", "min"] == pytest.approx(0.2, abs=0.1)
    assert box.limits.loc["x1", "max"] == pytest.approx(0.6, abs=0.1)
    assert box.limits.loc["x2", "min"] == pytest.approx(0.5, abs=0.1)
    inside = x.x1.between(box.limits.loc["x1", "min"], box.limits.loc["x1", "max"]) & (
        x.x2 >= box.limits.loc["x2", "min"]
    )
    assert box.n == inside.sum()


def test_the_chosen_step_has_the_best_coverage_above_the_threshold():
    x, y = planted()
    found = discover(x, y)
    tradeoff = found.tradeoff
    assert list(tradeoff.columns) == ["step", "coverage", "density", "mass", "n", "restricted_dimensions"]
    chosen = tradeoff.set_index("step").loc[found.chosen]
    dense = tradeoff[tradeoff.density >= found.threshold]
    assert chosen.coverage == dense.coverage.max()
    assert chosen.density == dense[dense.coverage == dense.coverage.max()].density.max()
    assert tradeoff.restricted_dimensions.iloc[0] == 0


def test_choose_step_prefers_coverage_then_density():
    tradeoff = pd.DataFrame({"step": [0, 1, 2, 3], "coverage": [1.0, 1.0, 1.0, 0.7], "density": [0.5, 0.85, 0.9, 1.0]})
    assert choose_step(tradeoff, 0.8) == 2
    with pytest.raises(ValueError, match="no step"):
        choose_step(tradeoff, 1.01)


@pytest.mark.parametrize("name", ["regime", "scenario"])
def test_categorical_factors_are_restricted_to_values(name):
    x, y = planted()
    x[name] = np.random.default_rng(1).choice(["open", "closed", "mixed"], len(x))
    y = y & (x[name] != "closed").to_numpy()
    box = discover(x, y).boxes[0]
    assert name in box.limits.index
    assert box.limits.loc[name, "values"] == "mixed, open"
    assert "x3" not in box.limits.index


def test_prim_is_quiet(caplog, recwarn):
    x, y = planted(500)
    with caplog.at_level(logging.INFO):
        discover(x, y)
    assert not [r for r in caplog.records if r.name.startswith("EMA")]
    assert not [w for w in recwarn if "ema_workbench" in str(w.filename)]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda x, y: (x, np.zeros_like(y)), "no run is of interest"),
        (lambda x, y: (x, np.ones_like(y)), "every run is of interest"),
        (lambda x, y: (x.iloc[:0], y[:0]), "x: empty"),
        (lambda x, y: (x, y[:-1]), "1999,.* for 2000 rows"),
        (lambda x, y: (x, y * 2.5), "True/False"),
    ],
)
def test_bad_inputs_are_named(mutate, message):
    x, y = mutate(*planted())
    with pytest.raises(ValueError, match=message):
        discover(x, y)


def test_no_concentrated_box_is_reported():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(1000, 2)), columns=["a", "b"])
    with pytest.raises(ValueError, match=r"found no box with density >= 0\.9"):
        discover(x, rng.uniform(size=1000) < 0.2, threshold=0.9)
