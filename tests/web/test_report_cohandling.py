"""The co-handling figures on the dashboard, its xlsx and the API (DESIGN.md §8): the cards, the
co-handling departments' own columns and rows, and the co assignments behind a co figure."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import api_as
from tickets import reports, services


@pytest.fixture
def co_fed_back(co_handled_ticket, co_department_user, department_user):
    """One ticket led by 市发改委 with two co-handlers: 市行政审批局 has given its feedback (in
    time), 城区人民政府 not yet (not due). The lead has made its first contact in time."""
    services.ticket_sign(ticket=co_handled_ticket, by=department_user)
    services.ticket_contact(ticket=co_handled_ticket, by=department_user, method="phone", note="电话沟通")
    services.assignment_co_sign(ticket=co_handled_ticket, by=co_department_user)
    services.assignment_co_feedback(ticket=co_handled_ticket, by=co_department_user, text="审批手续齐全。")
    return co_handled_ticket


def test_the_dashboard_shows_the_contact_co_feedback_and_override_cards(client, leader, co_fed_back):
    client.force_login(leader)
    cards = {card["key"]: card for card in client.get(reverse("report_dashboard")).context["cards"]}
    assert (cards["contact_rate"]["numerator"], cards["contact_rate"]["denominator"]) == (1, 1)
    assert (cards["co_feedback_rate"]["numerator"], cards["co_feedback_rate"]["denominator"]) == (1, 1)
    assert cards["overrides"]["value"] == 0


def test_a_department_that_only_co_handled_is_listed_unranked_with_its_co_columns(client, leader, co_fed_back, co_department):
    client.force_login(leader)
    response = client.get(reverse("report_dashboard"))
    assert [row["label"] for row in response.context["ranking"]] == ["市发改委"]
    rows = {row["label"]: row for row in response.context["co_handling_only"]}
    assert set(rows) == {"市行政审批局", "城区人民政府"}
    cells = {key: value for key, _label, value, _link, _rate in rows["市行政审批局"]["cells"]}
    assert (cells["co_due"], cells["co_on_time"]) == (1, 1)
    assert "仅协办的单位" in response.content.decode() or "only co-handled" in response.content.decode()


def test_a_co_figure_opens_the_co_assignments_behind_it(client, leader, co_fed_back, co_department):
    client.force_login(leader)
    [row] = [r for r in client.get(reverse("report_dashboard")).context["co_handling_only"] if r["group"] == co_department]
    listing = client.get(reverse("report_tickets") + "?" + row["links"]["co_on_time"])
    assert listing.status_code == 200
    assignments = list(listing.context["page"].object_list)
    assert [(a.ticket_id, a.department.name) for a in assignments] == [(co_fed_back.pk, "市行政审批局")]
    assert co_fed_back.reference in listing.content.decode()


def test_the_xlsx_lists_the_co_handling_departments_after_the_ranking(client, leader, co_fed_back):
    client.force_login(leader)
    sheet = load_workbook(io.BytesIO(client.get(reverse("report_xlsx")).content)).worksheets[1]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert str(reports.NAMES["co_feedback_rate"]) in header and str(reports.NAMES["contact_rate"]) in header
    assert rows[1][:2] == [1, "市发改委"]
    assert sorted((row[0], row[1]) for row in rows[2:]) == [("—", "城区人民政府"), ("—", "市行政审批局")]


def test_the_api_gives_the_new_figures_and_the_co_handling_departments(leader, co_fed_back):
    body = api_as(leader).get("/api/reports/").json()
    assert {name: body["figures"][name] for name in ("contact_assignments", "contacted_on_time", "co_due", "co_on_time", "overrides")} == {
        "contact_assignments": 1, "contacted_on_time": 1, "co_due": 1, "co_on_time": 1, "overrides": 0,
    }  # fmt: skip
    assert body["figures"]["co_feedback_rate"] == 1.0 and body["figures"]["contact_rate"] == 1.0
    co_only = {row["name"]: row for row in body["co_handling_only"]}
    assert set(co_only) == {"市行政审批局", "城区人民政府"}
    assert (co_only["市行政审批局"]["co_due"], co_only["市行政审批局"]["co_feedback_rate"]) == (1, 1.0)
    assert co_only["城区人民政府"]["co_feedback_rate"] is None


def test_the_api_schema_describes_the_co_figures(leader):
    schema = api_as(leader).get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "co_handling_only" in text and "co_feedback_rate" in text and "contact_rate" in text
