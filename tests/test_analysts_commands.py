"""The analysts' commands on a store: validate, sweep --dry-run, export, sensitivity, discover, report;
runs shared between experiments; a catalogue of the older schema migrated."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, ngosim
from test_sweep_store import short_history

from sim.experiments.store import Store

EXPERIMENTS = REPO / "scenarios" / "experiments"


def experiment_file(tmp_path, body: str, name: str = "exp.toml") -> object:
    short = short_history(tmp_path)
    path = tmp_path / name
    path.write_text(f'scenario = "{short.name}"\nscale = 0.005\n' + body)
    return path


@pytest.fixture(scope="module")
def morris_store(tmp_path_factory):
    """A Morris screening of two levers and a parameter on the short history (2 trajectories, 2 replicates)."""
    tmp_path = tmp_path_factory.mktemp("morris")
    path = experiment_file(
        tmp_path,
        'name = "screen"\ndesign = "morris"\nsamples = 2\nreplicates = 2\nseed = 5\n'
        "[factors.accreditation_veto]\nrange = [0.0, 1.0]\n[factors.registration_easing]\nrange = [0.0, 1.0]\n"
        "[factors.engage_grassroots]\nrange = [0.0001, 0.01]\n",
    )
    done = ngosim("sweep", path, "--out", tmp_path / "store", "--quiet")
    assert done.returncode == 0, done.stderr
    return tmp_path / "store"


def test_validate_tells_each_kind_of_file():
    for file, kind in (
        ("scenarios/status_quo.toml", "a valid scenario 'status_quo'"),
        ("scenarios/experiments/veto_by_support.toml", "a valid experiment 'veto_by_support'"),
        ("scenarios/calibration.toml", "a valid calibration plan"),
    ):
        done = ngosim("validate", file)
        assert done.returncode == 0, done.stderr
        assert kind in done.stdout


def test_validate_a_bad_file_exits_2_naming_the_field(tmp_path):
    path = experiment_file(tmp_path, 'name = "x"\nreplicates = 0\n[factors.accreditation_veto]\nlevels = [0.0]\n')
    done = ngosim("validate", path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "replicates" in done.stderr and "allowed" in done.stderr


def test_dry_run_prints_the_runs_and_estimates_and_writes_nothing(tmp_path):
    path = experiment_file(
        tmp_path, 'name = "dry"\nreplicates = 2\n[factors.accreditation_veto]\nlevels = [0.0, 1.0]\n'
    )
    done = ngosim("sweep", path, "--out", tmp_path / "store", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "2 points x 2 replicates = 4 runs" in done.stdout
    assert "estimated wall time" in done.stdout and "estimated disk space" in done.stdout
    assert not (tmp_path / "store").exists()


def test_experiments_that_share_runs_each_see_all_of_them(tmp_path):
    levels = "[factors.accreditation_veto]\nlevels = [0.0, 1.0]\n"
    first = experiment_file(tmp_path, f'name = "first"\nreplicates = 2\n{levels}', "first.toml")
    second = experiment_file(tmp_path, f'name = "second"\nreplicates = 3\n{levels}', "second.toml")
    assert ngosim("sweep", first, "--out", tmp_path / "store", "--quiet", "--backend", "serial").returncode == 0
    done = ngosim("sweep", second, "--out", tmp_path / "store", "--quiet", "--backend", "serial")
    assert done.returncode == 0, done.stderr
    assert "6 runs planned, 4 already done, 2 run now" in done.stdout
    with Store(tmp_path / "store") as store:
        assert len(store.outcomes("first")) == 4
        assert len(store.outcomes("second")) == 6
        assert set(store.outcomes("first")["run_id"]) < set(store.outcomes("second")["run_id"])


def test_a_catalogue_of_schema_1_is_migrated_and_says_so(tmp_path):
    path = experiment_file(tmp_path, 'name = "old"\n[factors.accreditation_veto]\nlevels = [0.0, 1.0]\n')
    store = tmp_path / "store"
    assert ngosim("sweep", path, "--out", store, "--quiet", "--backend", "serial").returncode == 0
    with Store(store) as opened:
        runs = opened.done_runs("old")
        frames = {r.run_id: pd.read_parquet(store / r.file / "timeseries.parquet") for r in runs.itertuples()}
    # rebuild it as catalogue-schema 1 wrote it: one experiment per run, one Parquet file per run
    db = duckdb.connect(str(store / "catalogue.duckdb"))
    db.execute(
        "CREATE TABLE runs1 AS SELECT r.run_id, e.experiment, e.point, e.replicate, r.seed, r.scale, r.factor_values, "
        "r.status, 'runs/' || r.run_id || '.parquet' AS file, r.sha256, r.rows, r.wall_seconds, r.git_commit, "
        "r.package_version, r.finished, r.error FROM runs r JOIN experiment_runs e USING (run_id)"
    )
    db.execute("DROP TABLE runs; DROP TABLE experiment_runs; DROP TABLE analyses; ALTER TABLE runs1 RENAME TO runs")
    db.execute("DELETE FROM meta WHERE key = 'catalogue_schema_version'")
    for run_id, frame in frames.items():
        target = store / "runs" / f"{run_id}.parquet"
        manifest = (store / "runs" / run_id / "manifest.json").read_bytes()
        frame.insert(0, "run_id", run_id)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table.replace_schema_metadata({b"ngosim": manifest}), target)
        shutil.rmtree(store / "runs" / run_id)
        sha = hashlib.sha256(target.read_bytes()).hexdigest()
        db.execute("UPDATE runs SET sha256 = ? WHERE run_id = ?", [sha, run_id])
    db.close()
    done = ngosim("export", store, "--to", tmp_path / "export")
    assert done.returncode == 0, done.stderr
    assert "migrated the catalogue" in done.stdout and "from catalogue-schema 1 to 3" in done.stdout
    with Store(store) as migrated:
        assert migrated.migrated_from is None  # once migrated, it stays so
        assert len(migrated.outcomes("old")) == 2
        assert len(migrated.timeseries("old")) == sum(len(f) for f in frames.values())
        assert migrated.todo([s for s in migrated_specs(path)]) == []


def migrated_specs(path):
    from sim.experiments.experiment import load_experiment

    return load_experiment(path).runs()


def test_export_writes_the_run_layout_and_refuses_a_foreign_folder(morris_store, tmp_path):
    done = ngosim("export", morris_store, "--to", tmp_path / "out", "--csv")
    assert done.returncode == 0, done.stderr
    listing = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert len(listing) == 2 * 4 * 2 and {"run_id", "seed", "factor_accreditation_veto"} <= set(listing.columns)
    one = tmp_path / "out" / listing["run_id"].iloc[0]
    assert {"manifest.json", "timeseries.csv"} <= {p.name for p in one.iterdir()}
    manifest = json.loads((one / "manifest.json").read_text())
    assert manifest["run_id"] == listing["run_id"].iloc[0] and "timeseries.csv" in manifest["files"]
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    refused = ngosim("export", morris_store, "--to", foreign)
    assert refused.returncode == 2 and "not an ngosim export" in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["thesis.docx"]
    unknown = ngosim("export", morris_store, "--experiment", "nope", "--to", tmp_path / "other")
    assert unknown.returncode == 2 and "allowed: screen" in unknown.stderr


def test_sensitivity_gives_morris_indices_for_every_factor(morris_store):
    done = ngosim("sensitivity", morris_store, "--outcome", "registered_grassroots", "--outcome", "registered_gongo")
    assert done.returncode == 0, done.stderr
    folder = morris_store / "analyses" / "screen"
    table = pd.read_csv(folder / "sensitivity-registered_grassroots.csv")
    assert set(table.iloc[:, 0]) == {"accreditation_veto", "registration_easing", "engage_grassroots"}
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    assert (folder / "sensitivity-registered_gongo.png").is_file()
    ranked = table.set_index(table.columns[0])["mu_star"]
    assert ranked["registration_easing"] > ranked["accreditation_veto"]  # easing registers G-R NGOs; the veto cannot


def test_sensitivity_refuses_a_design_that_does_not_match_its_samples(morris_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(morris_store, copy)
    db = duckdb.connect(str(copy / "catalogue.duckdb"))
    definition = json.loads(db.execute("SELECT definition FROM experiments").fetchone()[0])
    definition["morris_levels"] = 6
    db.execute("UPDATE experiments SET definition = ?", [json.dumps(definition)])
    db.close()
    before = (copy / "catalogue.duckdb").read_bytes()
    done = ngosim("sensitivity", copy)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert (copy / "catalogue.duckdb").read_bytes() == before
    unknown = ngosim("sensitivity", morris_store, "--outcome", "happiness")
    assert unknown.returncode == 2 and "allowed:" in unknown.stderr


def test_discover_finds_the_factor_behind_an_outcome(morris_store):
    # in the short history at this scale, many registered G-R NGOs come only with high registration easing
    done = ngosim("discover", morris_store, "--outcome", "registered_grassroots", "--above", "480")
    assert done.returncode == 0, done.stderr
    boxes = pd.read_csv(next((morris_store / "analyses" / "screen").glob("discovery-*.csv")))
    first = boxes[boxes["box"] == 1]
    assert "registration_easing" in set(first["factor"])
    assert first["density"].iloc[0] >= 0.8 and first["coverage"].iloc[0] >= 0.8
    easing = first.set_index("factor").loc["registration_easing"]
    assert easing["min"] > 0.34  # the box leaves out the runs with easing at 1/3 or below
    assert any((morris_store / "analyses" / "screen").glob("discovery-*.png"))
    both = ngosim("discover", morris_store, "--outcome", "registered_grassroots")
    assert both.returncode == 2 and "--above" in both.stderr


def test_report_is_one_self_contained_file_that_renders(morris_store, tmp_path, browser):
    assert ngosim("sensitivity", morris_store).returncode == 0
    out = tmp_path / "report.html"
    done = ngosim("report", morris_store, "--out", out)
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "ngosim sensitivity" in html and "Morris" in html and "<script" not in html
    requested = []
    page = browser.new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.goto(out.as_uri())
    assert page.locator("h1").inner_text().startswith("ngosim: screen")
    sizes = page.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
    assert sizes and min(sizes) > 0
    assert set(requested) == {out.as_uri()}
    foreign = tmp_path / "notes.html"
    foreign.write_text("<html>my notes</html>")
    refused = ngosim("report", morris_store, "--out", foreign)
    assert refused.returncode == 2 and foreign.read_text() == "<html>my notes</html>"


def test_a_morris_point_drawn_twice_is_one_run_listed_at_both_points(tmp_path):
    """SALib's Morris trajectories can revisit a point: the run is made once and the experiment lists
    it at every point it stands for, so the analysis sees the whole design."""
    path = experiment_file(
        tmp_path,
        'name = "revisit"\ndesign = "morris"\nsamples = 4\nmorris_levels = 4\nreplicates = 1\nseed = 1\n'
        "[factors.accreditation_veto]\nrange = [0.0, 1.0]\n[factors.registration_easing]\nrange = [0.0, 1.0]\n",
    )
    specs = migrated_specs(path)
    distinct = {spec.run_id for spec in specs}
    assert len(distinct) < len(specs)  # this design does revisit points
    done = ngosim("sweep", path, "--out", tmp_path / "store", "--quiet", "--backend", "serial")
    assert done.returncode == 0, done.stderr
    with Store(tmp_path / "store") as store:
        table = store.outcomes("revisit")
        assert sorted(table["point"]) == sorted(spec.point for spec in specs)
        assert set(table["run_id"]) == distinct
        assert len(store.done_runs("revisit")) == len(distinct)
    assert len(list((tmp_path / "store" / "runs").iterdir())) == len(distinct)
    analysed = ngosim("sensitivity", tmp_path / "store", "--outcome", "registered_grassroots")
    assert analysed.returncode == 0, analysed.stderr


def test_a_catalogue_of_schema_2_is_migrated_to_key_runs_by_point(tmp_path):
    path = experiment_file(tmp_path, 'name = "two"\n[factors.accreditation_veto]\nlevels = [0.0, 1.0]\n')
    store = tmp_path / "store"
    assert ngosim("sweep", path, "--out", store, "--quiet", "--backend", "serial").returncode == 0
    db = duckdb.connect(str(store / "catalogue.duckdb"))
    db.execute(
        "CREATE TABLE er2 (experiment VARCHAR, run_id VARCHAR, point INTEGER, replicate INTEGER, "
        "PRIMARY KEY (experiment, run_id)); INSERT INTO er2 SELECT * FROM experiment_runs; "
        "DROP TABLE experiment_runs; ALTER TABLE er2 RENAME TO experiment_runs; "
        "UPDATE meta SET value = '2' WHERE key = 'catalogue_schema_version'"
    )
    db.close()
    done = ngosim("export", store, "--to", tmp_path / "export")
    assert done.returncode == 0, done.stderr
    assert "from catalogue-schema 2 to 3" in done.stdout
    with Store(store) as migrated:
        assert migrated.migrated_from is None
        assert len(migrated.outcomes("two")) == 2
        keys = migrated.db.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = 'experiment_runs' AND constraint_type = 'PRIMARY KEY'"
        ).fetchone()[0]
        assert list(keys) == ["experiment", "point", "replicate"]


def scenarios_by_veto(tmp_path, veto_2010_levels: str, replicates: int = 2) -> object:
    """Two scenarios (objections at 1.0 and 0.5 from the start of the short history) crossed with the
    given levels of `veto_2010`, swept serially into tmp_path/store."""
    short = short_history(tmp_path)
    for name, veto in (("first", "1.0"), ("second", "0.5")):
        text = short.read_text().replace('name = "history"', f'name = "{name}"')
        (tmp_path / f"{name}.toml").write_text(text.replace("accreditation_veto = 1.0", f"accreditation_veto = {veto}"))
    path = tmp_path / "pair.toml"
    path.write_text(
        f'name = "pair"\nscale = 0.005\nreplicates = {replicates}\n'
        '[factors.scenario]\nlevels = ["first.toml", "second.toml"]\n'
        f"[factors.veto_2010]\nlevels = {veto_2010_levels}\n"
    )
    assert ngosim("sweep", path, "--out", tmp_path / "store", "--quiet", "--backend", "serial").returncode == 0
    return tmp_path / "store"


def test_a_reports_comparison_names_a_command_that_reproduces_it(tmp_path):
    """Scenarios compared at a parameter's value `ngosim compare` cannot set: the report names its own
    command for the comparison, not a `compare` that would leave the parameter out."""
    scenarios_by_veto(tmp_path, "[-0.5]")
    out = tmp_path / "report.html"
    done = ngosim("report", tmp_path / "store", "--out", out)
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "ngosim report" in html and "ngosim compare" not in html


def test_scenarios_crossed_with_another_factor_are_compared_within_each_of_its_values(tmp_path):
    """A grid of scenarios x veto_2010: each scenario is paired with the reference by seed among the runs
    at the same veto_2010 (a `stratum`), never across them; the report shows every stratum."""
    from sim.experiments import analyses

    store_path = scenarios_by_veto(tmp_path, "[-0.9, -0.2]", replicates=3)
    with Store(store_path) as store:
        result = analyses.compare(store, "pair", "first", ["internationalised_gongo"])
        runs = store.outcomes("pair")
    table = result.table
    assert list(table.columns[:4]) == ["outcome", "label", "date", "stratum"]
    assert sorted(table["stratum"].unique()) == ["veto_2010=-0.2", "veto_2010=-0.9"]
    assert (table["n"] == 3).all() and len(table) == 4
    assert sorted(p.name for p in result.files if p.name.startswith("series-")) == [
        "series-internationalised_gongo-stratum1.png",
        "series-internationalised_gongo-stratum2.png",
    ]
    with Store(store_path) as store:
        _, series = analyses.outcome_values(store, "pair", ["internationalised_gongo"])
    made = dict(analyses.comparison_figure_set(table, series, ["internationalised_gongo"]))
    titles = {made[f"series-internationalised_gongo-stratum{i}.png"].axes[0].get_title("left") for i in (1, 2)}
    assert titles == {"internationalised GONGOs (veto_2010=-0.9)", "internationalised GONGOs (veto_2010=-0.2)"}
    for level in (-0.9, -0.2):
        here = runs[runs["veto_2010"] == level].pivot(
            index="seed", columns="scenario", values="internationalised_gongo"
        )
        row = table[(table["stratum"] == f"veto_2010={level!r}") & (table["scenario"] == "second")].iloc[0]
        assert row["diff"] == pytest.approx((here["second"] - here["first"]).mean())
        assert row["mean"] == pytest.approx(here["second"].mean())
        assert f"(veto_2010={level!r})" in row["label"]
    out = tmp_path / "report.html"
    done = ngosim("report", store_path, "--out", out)
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "veto_2010=-0.9" in html and "veto_2010=-0.2" in html


def test_a_stratum_without_runs_of_the_reference_is_named():
    """A stratum where every run of the reference failed: the comparison says which stratum, not a
    bare 'unknown scenario'."""
    from sim.experiments import analyses

    rows = [
        {"scenario": scenario, "stratum": stratum, "seed": seed, "outcome": "x", "date": "2035-12-31", "value": 1.0}
        for stratum in ("veto_2010=-0.9", "veto_2010=-0.2")
        for scenario in ("first", "second")
        for seed in (1, 2)
        if not (stratum == "veto_2010=-0.2" and scenario == "first")
    ]
    with pytest.raises(analyses.AnalysisError, match=r"'first': no finished run of it at veto_2010=-0\.2"):
        analyses.paired_by_stratum(pd.DataFrame(rows), "first", "t")
