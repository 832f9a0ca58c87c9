"""The HTML report is self-contained and escaped, its writes are atomic, and it renders in a browser; the figures."""

from __future__ import annotations

import re

import browser
import numpy as np
import pandas as pd
import pytest
from browser import chromium
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.analysis import figures, report
from sim.analysis.discovery import discover
from sim.analysis.paired import paired_comparison
from sim.analysis.report import Section, render, write_report

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def comparison_values() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for seed in range(6):
        common = rng.normal(0, 5)
        for date in ("2030-12-31", "2035-12-31"):
            for scenario, effect in (("status_quo", 0.0), ("lift_objections", 1.0), ("support", 0.1)):
                value = 50 + common + effect + rng.normal(0, 0.5)
                rows.append({"scenario": scenario, "seed": seed, "outcome": "abroad", "date": date, "value": value})
    return pd.DataFrame(rows)


def series() -> pd.DataFrame:
    dates = pd.date_range("2016-03-31", periods=12, freq="QE")
    rows = [
        {"scenario": s, "seed": seed, "date": d, "abroad": i * (1 + k) + seed}
        for k, s in enumerate(("status_quo", "lift_objections"))
        for seed in range(3)
        for i, d in enumerate(dates)
    ]
    return pd.DataFrame(rows)


def sample_report() -> str:
    table = pd.DataFrame({"scenario": ["status_quo", HOSTILE], "abroad": [1234.5, np.nan], "clear": [True, False]})
    table.attrs["caption"] = "Outcomes <2035>"
    section = Section(
        title="Veto & support",
        text="First paragraph.\n\nSecond <paragraph>.",
        tables=[table],
        figures=[figures.timeseries_bands(series(), "abroad", "Organisations abroad")],
        command="ngosim compare status_quo lift_objections --replicates 6",
    )
    provenance = {"git commit": "abc123", "parameters": {"scale": 0.05}}
    return render("Report <title> & more", provenance, {"scenarios": ["status_quo", "lift_objections"]}, [section])


def test_every_text_is_escaped_and_nothing_is_loaded_from_outside():
    page = sample_report()
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<title>Report &lt;title&gt; &amp; more</title>" in page
    assert "Outcomes &lt;2035&gt;" in page and "Second &lt;paragraph&gt;." in page
    assert "1,234" in page and "n/a" in page
    assert re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page) == [
        "#section-1",
        *re.findall(r'src="(data:image/png;base64,[^"]+)"', page),
    ]
    assert "http:" not in page and "https:" not in page and "@import" not in page and "url(" not in page
    assert "ngosim compare status_quo lift_objections --replicates 6" in page


def test_figures_may_be_png_bytes_but_nothing_else():
    png = figures.png_bytes(figures.morris_scatter(pd.DataFrame({"mu_star": [1.0], "sigma": [0.5]}, index=["a"])))
    assert "data:image/png;base64," in render("t", {}, {}, [Section("s", figures=[png])])
    with pytest.raises(ValueError, match="matplotlib Figure or PNG bytes"):
        render("t", {}, {}, [Section("s", figures=[b"GIF89a"])])


def test_write_report_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "out" / "report.html"
    assert write_report(target, "<p>ok</p>").read_text() == "<p>ok</p>"
    with pytest.raises(UnicodeEncodeError):
        write_report(tmp_path / "broken.html", "half\ud800written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.analysis.atomic.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(target, "<p>new</p>")
    assert target.read_text() == "<p>ok</p>"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_figures_are_figures_in_the_palette_and_save_atomically(tmp_path):
    table = paired_comparison(comparison_values(), "status_quo", n_boot=500)
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(400, 2)), columns=["a", "b"])
    found = discover(x, (x.a > 0.5).to_numpy())
    sobol = pd.DataFrame({"S1": [0.3, 0.0], "S1_conf": [0.02, 0.01], "ST": [0.5, 0.2], "ST_conf": [0.03, 0.01]})
    morris = pd.DataFrame({"mu": [1.0, 0.1], "mu_star": [1.0, 0.3], "mu_star_conf": [0.1, 0.1], "sigma": [0.2, 0.4]})
    made = [
        figures.timeseries_bands(series(), "abroad", "Organisations abroad"),
        figures.forest_plot(table, "abroad", "2035-12-31"),
        figures.sensitivity_bars(sobol.set_axis(["x1", "x2"]), "Sobol"),
        figures.sensitivity_bars(morris.set_axis(["x1", "x2"]), "Morris"),
        figures.morris_scatter(morris.set_axis(["x1", "x2"])),
        figures.prim_tradeoff(found),
    ]
    assert all(isinstance(fig, Figure) for fig in made)
    lines = made[0].axes[0].get_lines()
    assert [line.get_color() for line in lines] == list(figures.OKABE_ITO[:2])
    forest_text = " ".join(made[1].axes[0].get_xlabel().split())  # wrapped to the axes' width
    assert "4 intervals" in forest_text and "exclude 0 by chance" in forest_text
    assert figures.png_bytes(made[2]).startswith(report.PNG_SIGNATURE)
    svg = figures.svg_text(made[3])
    assert "<svg" in svg and "<dc:date>" not in svg
    path = figures.save(made[5], tmp_path / "prim.png")
    assert path.read_bytes().startswith(report.PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["prim.png"]
    with pytest.raises(ValueError, match="no comparison for outcome 'nope'"):
        figures.forest_plot(table, "nope", "2035-12-31")


def test_the_report_renders_offline_in_chromium(tmp_path, browser):
    path = write_report(tmp_path / "report.html", sample_report())
    url = path.as_uri()
    page = browser.new_page()
    requested = []
    page.route("**/*", lambda route: (requested.append(route.request.url), route.continue_()))
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.title() == "Report <title> & more"
    assert page.get_by_role("heading", name="Report <title> & more").is_visible()
    assert page.get_by_role("cell", name=HOSTILE).is_visible()
    assert page.locator("script").count() == 0
    image = page.locator("img").first
    image.scroll_into_view_if_needed()
    assert image.is_visible()
    assert page.evaluate("() => document.images[0].complete && document.images[0].naturalWidth") > 0
    shot = page.screenshot(full_page=True)
    assert shot.startswith(report.PNG_SIGNATURE) and len(shot) > 10_000
    assert set(requested) == {url}


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="Chromium"), chromium():
        pass


@pytest.mark.parametrize("stratum", ["", "veto_2010=-0.95, pd_targeting=inclusive"])
def test_a_forest_plots_title_and_note_stay_inside_the_figure(stratum):
    """Long scenario labels (a stratum's values, say) push the axes right: the figure widens and the note
    wraps, so neither the title nor the note below the axes is cut at the figure's edge."""
    table = paired_comparison(comparison_values(), "status_quo", n_boot=500)
    if stratum:
        table.insert(2, "stratum", stratum)
    fig = figures.forest_plot(table, "abroad", "2035-12-31")
    canvas = FigureCanvasAgg(fig)  # the backend savefig uses
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    for text in (ax.title, ax._left_title, ax.xaxis.label, *ax.get_yticklabels()):
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.x1 <= fig.bbox.x1 + 1, (text.get_text()[:40], box.x0, box.x1, fig.bbox.x1)
