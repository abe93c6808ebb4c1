"""report.html: valid, self-contained HTML with every figure embedded and text escaped."""

from __future__ import annotations

import base64
import importlib.util
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from model import headline, plots, report

_spec = importlib.util.spec_from_file_location(
    "plot_fixtures", Path(__file__).with_name("plot_fixtures.py")
)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

VOID = {"meta", "img", "br", "hr", "link", "input"}


class Checker(HTMLParser):
    """Collects images and checks that every non-void tag is closed in order."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.images: list[dict[str, str]] = []
        self.tags: set[str] = set()
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = fixtures.make_results(
        tmp_path_factory.mktemp("rep"),
        weeks=20,
        replicates=2,
        sweep={"rights_bodies.BPI.detection_prob": [0.002, 0.02]},
        overrides={"description": 'BPI <demands> & TalkTalk "refuses"'},
    )
    paths = plots.plot_results(out, formats=("png",))
    return out, paths


def test_report_is_valid_self_contained_html_with_every_figure(written):
    out, paths = written
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert html_text.startswith("<!DOCTYPE html>")
    checker = Checker()
    checker.feed(html_text)
    checker.close()
    assert not checker.errors and not checker.stack
    assert {"html", "head", "title", "body", "table", "figure"} <= checker.tags
    assert not {"script", "link", "iframe"} & checker.tags
    assert "http://" not in html_text and "https://" not in html_text
    figures = [p for p in paths if p.suffix == ".png"]
    assert len(checker.images) == len(figures) == 7  # five views, event timing, sweep
    for img, path in zip(checker.images, figures, strict=True):
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix) and img["alt"]
        assert base64.b64decode(img["src"][len(prefix) :]) == path.read_bytes()


def test_report_escapes_the_description(written):
    out, _ = written
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert "BPI &lt;demands&gt; &amp; TalkTalk &quot;refuses&quot;" in html_text
    assert "<demands>" not in html_text


def test_parameter_differences_list_only_what_the_scenario_sets(written):
    out, _ = written
    res = plots.load_results(out)
    diffs = {
        path: (default, value)
        for path, default, value in report.parameter_differences(res.scenario)
    }
    assert diffs["population.subscribers"][1] == 3000
    assert diffs["isps.TalkTalk.principled"] == (False, True)
    assert diffs["isps.BT.price"][1] == 18.0
    assert "isps.BT.cost_per_notice" not in diffs  # at its default
    assert "description" not in diffs and not any(p.startswith("experiment.sweep") for p in diffs)


def test_summary_table_is_median_and_90_percent_range_per_point(written):
    out, _ = written
    res = plots.load_results(out)
    table = report.summary_table(res)
    summary = pd.read_csv(out / "summary.csv")
    assert list(table.columns) == ["detection_prob=0.002", "detection_prob=0.02"]
    q = summary.groupby("point")["total.notices_sent"].quantile([0.05, 0.5, 0.95]).unstack()
    q = q * res.scale
    cell = table.loc["Notices sent, total", "detection_prob=0.02"]
    assert cell == headline.cell(q.loc[1, 0.5], q.loc[1, 0.05], q.loc[1, 0.95], "count")
    share = table.loc["Infringing share, mean over the run", "detection_prob=0.02"]
    assert share.count("%") == 3  # shares in percent, with their range
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert cell in html_text
