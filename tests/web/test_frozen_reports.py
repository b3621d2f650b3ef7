"""Reports of a frozen month (DESIGN.md §10): the dashboard's month picker and /api/reports/?month=
read the frozen rows only, never the tickets; they do not move when a ticket of the month does,
while a custom period of the same month does; a month not frozen, or a frozen month with a filter,
is refused. On the hand-built September of tests/reports/test_reports.py."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import api_as
from tests.factories import assessment_scheme
from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tickets import reports
from tickets.services.assessment import assessment_freeze_month

SEPTEMBER = datetime.date(2026, 9, 1)
WHOLE_SEPTEMBER = "?period=custom&start=2026-09-01&end=2026-09-30"


@pytest.fixture
def frozen(story, cast):  # noqa: F811
    assessment_scheme(valid_from=datetime.date(2026, 8, 1), groups={"市直部门": [cast.d1, cast.d2]})
    assessment_freeze_month(month=SEPTEMBER, by=None)
    return story


def resolved(page):
    """The resolved count, the denominator under the on-time rate's card ("on time / resolved")."""
    start = page.index(f'<span class="figure-label">{reports.NAMES["on_time_rate"]}</span>')
    sub = page.index('<span class="figure-sub">', start) + len('<span class="figure-sub">')
    return int(page[sub : page.index("</span>", sub)].split("/")[1])


def test_the_picker_lists_the_frozen_months(client, leader, frozen):
    client.force_login(leader)
    page = client.get("/reports/").content.decode()
    assert '<option value="2026-09">2026-09</option>' in page


def test_the_picker_is_not_shown_before_a_month_is_frozen(client, leader, story):  # noqa: F811
    client.force_login(leader)
    assert "frozen-picker" not in client.get("/reports/").content.decode()


def test_a_frozen_month_reads_the_frozen_rows_only(client, leader, frozen):
    client.force_login(leader)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/reports/?month=2026-09").content.decode()
    assert "2026-09 的冻结数据" in page
    touched = " ".join(query["sql"] for query in captured.captured_queries)
    assert "tickets_monthlyassessment" in touched
    for table in ("tickets_ticket", "tickets_ticketevent", "tickets_assignment"):
        assert f'"{table}"' not in touched, table


def test_a_frozen_month_does_not_move_when_its_tickets_do_but_its_live_period_does(client, leader, frozen, cast):  # noqa: F811
    client.force_login(leader)
    before = client.get("/reports/?month=2026-09").content.decode()
    live_before = client.get("/reports/" + WHOLE_SEPTEMBER).content.decode()
    assert resolved(before) == resolved(live_before)
    cast.desk.resolve(frozen.T6, timezone.now())
    after = client.get("/reports/?month=2026-09").content.decode()
    live_after = client.get("/reports/" + WHOLE_SEPTEMBER).content.decode()
    assert resolved(after) == resolved(before)
    assert resolved(live_after) == resolved(live_before) + 1


def test_a_frozen_months_figures_are_not_links_but_the_page_links_the_bulletin_and_the_live_period(client, leader, frozen):
    client.force_login(leader)
    page = client.get("/reports/?month=2026-09").content.decode()
    assert "/reports/tickets/" not in page
    assert 'href="/assessment/2026-09/"' in page and "start=2026-09-01&amp;end=2026-09-30&amp;period=custom" in page


def test_the_ranking_of_a_frozen_month_shows_the_score_and_the_rank_in_the_group(client, leader, frozen, cast):  # noqa: F811
    client.force_login(leader)
    page = client.get("/reports/?month=2026-09").content.decode()
    assert "组内排名" in page and "市直部门 1" in page and "市直部门 2" in page


def test_a_month_that_is_not_frozen_is_refused_with_a_message(client, leader, frozen):
    client.force_login(leader)
    response = client.get("/reports/?month=2026-08")
    assert response.status_code == 400 and "2026-08不是已冻结的月份" in response.content.decode()


@pytest.mark.parametrize("month", ["2026-13", "2026-9", "abc", "2026-09-01", "0000-00"])
def test_a_malformed_month_is_refused(client, leader, frozen, month):
    client.force_login(leader)
    assert client.get("/reports/", {"month": month}).status_code == 400


def test_a_frozen_month_with_a_filter_is_refused(client, leader, frozen, cast):  # noqa: F811
    client.force_login(leader)
    response = client.get(f"/reports/?month=2026-09&department={cast.d1.pk}")
    assert response.status_code == 400 and "冻结月份按全市展示" in response.content.decode()


def test_the_xlsx_of_a_frozen_month_has_its_frozen_figures(client, leader, frozen, cast):  # noqa: F811
    client.force_login(leader)
    book = load_workbook(io.BytesIO(client.get("/reports/xlsx/?month=2026-09").content))
    summary = {row[0].value: row[1].value for row in book["总体情况"].iter_rows(min_row=4) if row[0].value}
    assert summary["受理数"] == reports.report(start=SEPTEMBER, end=datetime.date(2026, 9, 30))["accepted"]
    cast.desk.resolve(frozen.T6, timezone.now())
    again = load_workbook(io.BytesIO(client.get("/reports/xlsx/?month=2026-09").content))
    assert [[c.value for c in row] for row in again["总体情况"].iter_rows(min_row=4)] == [
        [c.value for c in row] for row in book["总体情况"].iter_rows(min_row=4)
    ]


def test_the_api_gives_a_frozen_month_with_its_edition_and_scores(leader, frozen, cast):  # noqa: F811
    response = api_as(leader).get("/api/reports/?month=2026-09")
    assert response.status_code == 200
    data = response.json()
    assert data["frozen"]["month"] == "2026-09-01" and data["frozen"]["edition"] == 1 and data["frozen"]["reason"] == ""
    assert data["start"] == "2026-09-01" and data["end"] == "2026-09-30"
    assert {row["name"]: row["assessment_group"] for row in data["ranking"]} == {cast.d1.name: "市直部门", cast.d2.name: "市直部门"}
    assert sorted(row["group_rank"] for row in data["ranking"]) == [1, 2]
    assert all(isinstance(row["score"], float | int) for row in data["ranking"])
    assert [row["month"] for row in data["month"]] == ["2026-09-01"]


def test_the_api_of_a_period_says_it_is_not_frozen(leader, frozen):
    data = api_as(leader).get("/api/reports/" + WHOLE_SEPTEMBER).json()
    assert data["frozen"] is None and all(row["score"] is None for row in data["ranking"])


def test_the_api_refuses_a_month_that_is_not_frozen(leader, frozen):
    response = api_as(leader).get("/api/reports/?month=2026-08")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["month"]


def test_the_api_refuses_a_frozen_month_with_a_filter(leader, frozen, cast):  # noqa: F811
    response = api_as(leader).get(f"/api/reports/?month=2026-09&category={cast.finance.pk}")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["non_field_errors"]


def test_a_department_may_not_read_the_reports_of_a_frozen_month(department_user, frozen):
    assert api_as(department_user).get("/api/reports/?month=2026-09").status_code == 403
