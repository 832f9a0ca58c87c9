"""The catalogue is complete in both languages, and the settings in an address are checked field by field."""

from __future__ import annotations

import re

import pytest

from sim.dashboard.i18n import about, catalogue, t
from sim.dashboard.settings import Move, Settings, check_group, parse_query

# Words that stay in Latin letters in the Chinese text: acronyms and the command line.
KEPT = {
    "UN",
    "NGO",
    "CSV",
    "PNG",
    "ECOSOC",
    "UPR",
    "GONGO",
    "ngosim",
    "dashboard",
    "toml",
    "docs",
    "ODD",
    "md",
    "my_scenario",
    "scenarios",
    "max",
    "sessions",
    "English",
}


def test_every_string_has_both_languages():
    for key, entry in catalogue().items():
        assert entry.get("en") and entry.get("zh"), key
        assert set(re.findall(r"{(\w+)}", entry["en"])) == set(re.findall(r"{(\w+)}", entry["zh"])), key


def test_chinese_strings_have_no_english_words():
    for key, entry in catalogue().items():
        words = set(re.findall(r"[A-Za-z_]{2,}", re.sub(r"{\w+}", "", entry["zh"]))) - KEPT
        assert not words, (key, words)
        assert re.search(r"[\u4e00-\u9fff]", entry["zh"]) or key == "language", key


def test_about_page_in_both_languages():
    english, chinese = about("en"), about("zh")
    assert english.startswith("# About this model") and chinese.startswith("# 关于本模型")
    assert english.count("\n## ") == chinese.count("\n## ") == 6  # NetLogo's Info sections


def test_a_link_round_trips():
    settings = Settings(
        preset="status_quo",
        compare="lift_objections",
        seed=5,
        scale=0.25,
        lang="zh",
        large=True,
        group="第三组",
        moves=(Move("a", 86, "accreditation_veto", 0.0), Move("b", 90, "pd_targeting", "inclusive")),
    )
    parsed, problems = parse_query(settings.query(), ("status_quo", "lift_objections"), Settings("status_quo"), 1.0)
    assert problems == [] and parsed == settings


def test_every_bad_field_is_reported_and_keeps_its_default():
    default = Settings("status_quo")
    query = "preset=nope&seed=-3&scale=7&start=1990&speed=3&lang=fr&large=yes&group=a/b&moves=a.x.veto.2&extra=1"
    parsed, problems = parse_query(query, ("status_quo",), default, 1.0)
    assert parsed == default
    fields = ["preset", "seed", "scale", "start", "speed", "lang", "large", "group", "moves"]
    assert [p.field for p in problems] == fields
    assert "status_quo" in problems[0].allowed and "2147483647" in problems[1].allowed


def test_messages_fill_their_fields():
    assert t("moved", "zh", lever="x", value="1", date="2016-04-01").endswith("起生效。")


def test_a_group_name_is_a_short_plain_name():
    for good, name in (("table-3", "table-3"), (" 第三组 ", "第三组"), ("", "")):
        assert check_group(good) == name
    for bad in ("a b", "a/b", "_x", "x" * 25, "<script>"):
        with pytest.raises(ValueError):
            check_group(bad)
