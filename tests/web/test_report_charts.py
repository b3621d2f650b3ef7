"""The dashboard's charts (issue 18 item 5): they take the page's width, their labels stay readable
on a phone (months thinned out, never overlapping) and months read "2026-02"."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import at, day
from tickets import services
from tickets.web import reports as report_views


def _months(count, first=datetime.date(2026, 1, 1)):
    """Rows of the by-month breakdown as reports.dashboard() gives them (the figures the chart uses)."""
    rows = []
    month = first
    for _index in range(count):
        rows.append({"key": month, "label": f"{month:%Y-%m}", "closure_rate": 0.5, "on_time_rate": None})
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return rows


@pytest.fixture
def february_and_march(submit, dispatcher, department):
    """A ticket submitted in February and one in March, both assigned to 市发改委."""
    for month in (2, 3):
        services.ticket_assign(ticket=submit(at=at(day(month, 10))), by=dispatcher, department=department, at=at(day(month, 10), 11))


def test_the_trend_labels_months_with_year_and_month(client, leader, february_and_march):
    client.force_login(leader)
    response = client.get(reverse("report_dashboard"), {"period": "custom", "start": "2026-02-01", "end": "2026-03-31"})
    assert [label["label"] for label in response.context["trend"]["labels"]] == ["2026-02", "2026-03"]
    assert re.search(r'<text [^>]*class="tick month[^"]*">2026-02</text>', response.content.decode())


def test_the_trend_places_its_months_across_the_whole_width():
    trend = report_views._trend(_months(3))
    assert [label["x"] for label in trend["labels"]] == ["0.00%", "50.00%", "100.00%"]


def test_a_year_shows_every_month_on_a_wide_screen_and_every_third_on_a_phone():
    labels = report_views._trend(_months(12))["labels"]
    assert all(label["wide"] for label in labels)
    assert [label["label"] for label in labels if label["narrow"]] == ["2026-01", "2026-04", "2026-07", "2026-10"]


def test_two_years_thin_the_months_on_a_wide_screen_too():
    labels = report_views._trend(_months(24))["labels"]
    assert len([label for label in labels if label["wide"]]) == report_views.WIDE_LABELS
    assert len([label for label in labels if label["narrow"]]) == report_views.NARROW_LABELS


def test_a_month_without_a_rate_leaves_its_point_out_of_the_line():
    rows = _months(3)
    rows[1]["closure_rate"] = None
    assert report_views._trend(rows)["closure"] == "0.0,50.0 1000.0,50.0"


def test_the_bars_are_sized_in_percent_of_the_chart():
    bars = report_views._bars([{"label": "市发改委", "closure_rate": 0.75}, {"label": "市人社局", "closure_rate": None}], "closure_rate")
    assert [bar["width"] for bar in bars] == ["75.0%", "0.0%"]


def test_the_charts_are_drawn_without_a_fixed_box_that_shrinks_their_labels(client, leader, february_and_march):
    """No viewBox on the charts' own <svg>: a viewBox scales the labels down with the chart on a
    phone. Only the trend's plot (its lines) is stretched."""
    client.force_login(leader)
    page = client.get(reverse("report_dashboard"), {"period": "custom", "start": "2026-02-01", "end": "2026-03-31"}).content.decode()
    assert '<svg class="trend" width="100%"' in page
    assert 'class="bar-track" width="100%"' in page
    assert page.count("viewBox=") == 1
    assert 'preserveAspectRatio="none"' in page


def _stylesheets():
    return {path.name: path.read_text() for path in (Path(settings.BASE_DIR) / "static" / "css").glob("*.css")}


def test_no_stylesheet_hides_a_tables_header_or_cells_on_a_phone():
    """Wide tables scroll sideways in their .table-wrap; none hides its header or turns its rows
    into cards (which hid the column headers)."""
    for name, css in _stylesheets().items():
        for query in re.findall(r"@media[^{]*max-width[^{]*\{((?:[^{}]*\{[^{}]*\})*)", css):
            for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", query):
                if re.search(r"\b(table|thead|tbody|tr|th|td)\b", selector):
                    assert not re.search(r"display:\s*(none|block|flex)", body), f"{name}: {selector.strip()}"


def test_table_wraps_scroll_sideways():
    assert re.search(r"\.table-wrap\s*\{[^}]*overflow-x:\s*auto", _stylesheets()["app.css"])


@pytest.mark.parametrize("path", sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html")), ids=lambda path: path.name)
def test_every_table_of_the_pages_is_in_a_scrolling_wrap(path):
    """Each <table class="tickets ..."> (the pages' data tables) opens right after a .table-wrap."""
    html = path.read_text()
    for match in re.finditer(r'<table class="tickets', html):
        before = html[: match.start()].rstrip()
        assert before.endswith('<div class="table-wrap">'), f"{path}: a table outside .table-wrap"
