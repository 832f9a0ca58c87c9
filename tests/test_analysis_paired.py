"""Paired comparisons on synthetic replicates whose true differences are known."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import paired
from sim.analysis.paired import (
    METHODS,
    MULTIPLE_COMPARISONS_NOTE,
    format_number,
    multiple_comparisons_note,
    paired_comparison,
    replicates_needed,
    warnings_for,
)

DATE = "2035-12-31"


def synthetic(effects: dict[str, float], seeds: int = 10, *, common_sd=10.0, own_sd=0.2, rng_seed=1, dates=(DATE,)):
    """Long table: per seed a large noise shared by every scenario, a small own noise, plus each scenario's effect."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    for date in dates:
        for seed in range(seeds):
            common = rng.normal(0, common_sd)
            for scenario, effect in effects.items():
                value = 100 + common + effect + rng.normal(0, own_sd)
                rows.append({"scenario": scenario, "seed": seed, "outcome": "x", "date": date, "value": value})
    return pd.DataFrame(rows)


def row(table: pd.DataFrame, scenario: str) -> pd.Series:
    return table.set_index("scenario").loc[scenario]


@pytest.mark.parametrize("method", METHODS)
def test_paired_interval_is_narrow_and_covers_the_effect_where_an_unpaired_one_would_not(method):
    data = synthetic({"ref": 0.0, "lever": 1.0})
    table = paired_comparison(data, "ref", method=method, n_boot=2000)
    lever = row(table, "lever")
    assert lever.diff_low < 1.0 < lever.diff_high
    assert lever.diff_low > 0 and not lever.spans_zero and not lever.too_wide
    assert lever.diff_high - lever.diff_low < 0.6
    a = data[data.scenario == "lever"].value.to_numpy()
    b = data[data.scenario == "ref"].value.to_numpy()
    unpaired = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert unpaired.low < 0 < unpaired.high, "the shared noise hides the effect without pairing"


def test_pairing_corr_says_how_far_the_shared_seeds_still_pair_the_runs():
    """Runs that share most of their noise correlate near 1; runs whose noise is their own (the pairing
    lost, as over a long horizon) near 0, and then pairing narrows nothing."""
    paired_runs = row(paired_comparison(synthetic({"ref": 0.0, "lever": 1.0}, seeds=30), "ref", n_boot=500), "lever")
    independent = synthetic({"ref": 0.0, "lever": 1.0}, seeds=30, common_sd=0.0, own_sd=10.0)
    unpaired_runs = row(paired_comparison(independent, "ref", n_boot=500), "lever")
    assert paired_runs.pairing_corr > 0.99
    assert abs(unpaired_runs.pairing_corr) < 0.4
    assert unpaired_runs.sd_diff > 10  # about sqrt(2) x 10: the spread of two independent runs
    two = row(paired_comparison(synthetic({"ref": 0.0, "lever": 1.0}, seeds=2), "ref", n_boot=500), "lever")
    assert np.isnan(two.pairing_corr)


def test_reference_row_has_zero_difference_and_is_not_flagged():
    table = paired_comparison(synthetic({"ref": 0.0, "lever": 1.0}), "ref", n_boot=500)
    ref = row(table, "ref")
    assert ref.is_reference and ref.n == 10
    assert (ref["diff"], ref.diff_low, ref.diff_high, ref.sd_diff) == (0, 0, 0, 0)
    assert not ref.spans_zero and not ref.too_wide
    assert ref.mean_low < ref["mean"] < ref.mean_high
    assert list(table.scenario) == ["ref", "lever"]


def test_coverage_of_the_t_interval_is_near_its_level():
    covered = 0
    for i in range(200):
        table = paired_comparison(synthetic({"ref": 0.0, "lever": 0.3}, seeds=8, rng_seed=i), "ref", method="t")
        lever = row(table, "lever")
        covered += lever.diff_low < 0.3 < lever.diff_high
    assert 0.89 <= covered / 200 <= 0.99


def test_bootstrap_is_deterministic_from_its_seed_and_rows_do_not_depend_on_other_scenarios():
    data = synthetic({"ref": 0.0, "lever": 0.5, "other": 2.0})
    first = paired_comparison(data, "ref", n_boot=1000, seed=7)
    pd.testing.assert_frame_equal(first, paired_comparison(data, "ref", n_boot=1000, seed=7))
    assert not first.equals(paired_comparison(data, "ref", n_boot=1000, seed=8))
    alone = paired_comparison(data[data.scenario != "other"], "ref", n_boot=1000, seed=7)
    pd.testing.assert_series_equal(row(first, "lever"), row(alone, "lever"))


def test_missing_seeds_are_dropped_pairwise_and_counted():
    data = synthetic({"ref": 0.0, "lever": 1.0, "full": 0.0})
    data = data[~((data.scenario == "lever") & data.seed.isin([0, 1, 2]))]
    data = data[~((data.scenario == "ref") & (data.seed == 9))]
    table = paired_comparison(data, "ref", n_boot=500)
    assert row(table, "lever").n == 6
    assert row(table, "full").n == 9
    assert row(table, "ref").n == 9


def test_too_few_seeds_are_flagged_and_one_seed_gives_no_interval():
    table = paired_comparison(synthetic({"ref": 0.0, "lever": 5.0}, seeds=3), "ref", method="t")
    assert row(table, "lever").too_wide and not row(table, "lever").spans_zero
    single = paired_comparison(synthetic({"ref": 0.0, "lever": 5.0}, seeds=1), "ref", method="t")
    assert np.isnan(row(single, "lever").diff_low) and row(single, "lever").too_wide


def test_replicates_needed_makes_the_t_half_width_smaller_than_the_difference():
    n = replicates_needed(0.38, 0.6, 0.95)
    assert stats.t.ppf(0.975, n - 1) * 0.6 / np.sqrt(n) < 0.38
    assert stats.t.ppf(0.975, n - 2) * 0.6 / np.sqrt(n - 1) >= 0.38
    assert np.isnan(replicates_needed(0.0, 1.0, 0.95)) and np.isnan(replicates_needed(1.0, 0.0, 0.95))
    assert replicates_needed(1e-6, 1.0, 0.95) == 10_000


def test_warnings_name_the_comparison_and_the_seeds_needed():
    data = synthetic({"status_quo": 0.0, "lift_objections": 0.1}, seeds=8, own_sd=0.3)
    table = paired_comparison(data, "status_quo", method="t")
    (sentence,) = warnings_for(table)
    needed = int(row(table, "lift_objections").replicates_needed)
    assert sentence.startswith(f"lift_objections - status_quo, x at {DATE}: ")
    assert "spans 0 with 8 paired seeds" in sentence and f"about {needed} would narrow it" in sentence
    clear = paired_comparison(synthetic({"status_quo": 0.0, "lever": 3.0}), "status_quo")
    assert warnings_for(clear) == []


def test_bonferroni_widens_intervals_to_the_family_level():
    data = synthetic({"ref": 0.0, "a": 0.5, "b": 0.5}, dates=("2030-12-31", DATE))
    plain = paired_comparison(data, "ref", method="t")
    adjusted = paired_comparison(data, "ref", method="t", adjust="bonferroni")
    assert adjusted.level.iloc[0] == pytest.approx(1 - 0.05 / 4)
    widths = [(t.diff_high - t.diff_low)[~t.is_reference] for t in (adjusted, plain)]
    assert (widths[0] > widths[1]).all()
    assert "4 difference intervals" in multiple_comparisons_note(plain)
    assert "Bonferroni" in MULTIPLE_COMPARISONS_NOTE


def test_dates_may_be_dates_and_outcomes_are_kept_apart():
    data = synthetic({"ref": 0.0, "lever": 1.0})
    other = data.assign(outcome="y", value=data.value * 2)
    both = pd.concat([data, other]).assign(date=pd.Timestamp(DATE).date())
    table = paired_comparison(both, "ref", n_boot=500)
    assert len(table) == 4 and set(table.outcome) == {"x", "y"}
    y = table[(table.outcome == "y") & (table.scenario == "lever")].iloc[0]
    assert y["diff"] == pytest.approx(2 * row(table[table.outcome == "x"], "lever")["diff"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reference": "nope"}, "reference: unknown scenario 'nope'"),
        ({"method": "wilcoxon"}, "allowed: bootstrap, t"),
        ({"level": 1.0}, "level: 1.0 must be"),
        ({"level": 0}, "level: 0 must be"),
        ({"adjust": "holm"}, "allowed: None, 'bonferroni'"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    arguments = {"reference": "ref", **kwargs}
    with pytest.raises(ValueError, match=message):
        paired_comparison(synthetic({"ref": 0.0, "lever": 1.0}), **arguments)


def test_bad_tables_are_named():
    data = synthetic({"ref": 0.0, "lever": 1.0})
    with pytest.raises(ValueError, match=r"missing column\(s\) \['value'\]"):
        paired_comparison(data.drop(columns="value"), "ref")
    with pytest.raises(ValueError, match="more than one value"):
        paired_comparison(pd.concat([data, data.head(1)]), "ref")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.38, "+0.38"), (-0.06, "-0.06"), (0.000145, "+0.000145"), (1234.5, "+1,234"), (4.0, "+4"), (0.0, "0")],
)
def test_numbers_in_sentences_have_three_significant_figures(value, text):
    assert format_number(value, signed=True) == text


def test_the_analysis_package_imports_nothing_from_the_model_or_the_experiments():
    folder = Path(paired.__file__).parent
    imported = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not [name for name in imported if name.startswith("sim")]
