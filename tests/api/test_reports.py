"""The leadership report as JSON: the dashboard's roles, period and filters; the figures of
tickets.reports; bad parameters refused with the field named."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import api_as, at, day
from tests.factories import returned_to_dispatch
from tickets import reports, services

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def get_report(user, **params):
    return api_as(user).get("/api/reports/", params)


def as_json_number(value):
    """A figure as the API gives it: a rate (an exact fraction) rounded half-up to 4 places; a decimal as a number."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return float((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return float(value)


@pytest.fixture
def march(dispatcher, department, other_department, department_user, company_user, submit):
    """In March 2026: one ticket closed (satisfied), one still with its department past its due
    date, one returned by the department then given to another, one rejected, one waiting."""

    def assigned(dom, to=department):
        return services.ticket_assign(ticket=submit(at=at(day(3, dom))), by=dispatcher, department=to, at=at(day(3, dom), 11))

    closed = assigned(2)
    services.ticket_sign(ticket=closed, by=department_user, at=at(day(3, 3)))
    services.ticket_resolve(outcome="solved", ticket=closed, by=department_user, result="已解决", at=at(day(3, 5)))
    services.ticket_confirm(ticket=closed, by=company_user, rating="satisfied", at=at(day(3, 6)))
    assigned(9)
    returned = assigned(16)
    returned_to_dispatch(ticket=returned, by=department_user, reason="不属于本部门", at=at(day(3, 17)))
    services.ticket_assign(ticket=returned, by=dispatcher, department=other_department, at=at(day(3, 18)))
    services.ticket_reject(ticket=submit(at=at(day(3, 20))), by=dispatcher, reason="重复", at=at(day(3, 20), 11))
    submit(at=at(day(3, 25)))


def test_anonymous_is_refused():
    assert APIClient().get("/api/reports/").status_code == 401


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "leader", "admin_user"])
def test_the_roles_of_the_dashboard_page_get_the_report(request, role):
    assert get_report(request.getfixturevalue(role)).status_code == 200


@pytest.mark.parametrize("role", ["company_user", "liaison", "department_user"])
def test_the_roles_refused_the_dashboard_page_get_a_403(request, role):
    response = get_report(request.getfixturevalue(role))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_the_figures_are_those_of_the_report(leader, march):
    body = get_report(leader, **MARCH).json()
    expected = reports.report(start=day(3, 1), end=day(3, 31))
    assert {name: body["figures"][name] for name in reports.COUNTS} == {name: expected[name] for name in reports.COUNTS}
    rates = [*reports.RATES, "handling_time"]
    assert {name: body["figures"][name] for name in rates} == {name: as_json_number(expected[name]) for name in rates}


def test_the_figures_of_the_small_data_set_are_as_worked_out_by_hand(leader, march):
    figures = get_report(leader, **MARCH).json()["figures"]
    assert (figures["submitted"], figures["accepted"], figures["rejected"], figures["closed"]) == (5, 3, 1, 1)
    assert (figures["closure_rate"], figures["return_rate"], figures["satisfaction_rate"]) == (0.3333, 0.3333, 1.0)
    assert (figures["overdue_open"], figures["on_time_rate"], figures["handling_time"]) == (2, 1.0, 3.0)


def test_a_rate_is_its_fraction_rounded_once_to_four_places(leader, six_of_eleven_closed):
    figures = get_report(leader).json()["figures"]
    assert (figures["closed"], figures["accepted"], figures["closure_rate"]) == (6, 11, 0.5455)


def test_a_rate_without_a_denominator_is_null(leader):
    figures = get_report(leader).json()["figures"]
    assert figures["accepted"] == 0 and figures["closure_rate"] is None and figures["handling_time"] is None


def test_the_ranking_and_the_breakdowns_come_with_the_figures(leader, march, department, other_department):
    body = get_report(leader, **MARCH).json()
    assert [(row["name"], row["rank"], row["accepted"]) for row in body["ranking"]] == [
        (department.name, 1, 2),
        (other_department.name, 2, 1),
    ]
    assert [(row["month"], row["submitted"]) for row in body["month"]] == [("2026-03-01", 5)]
    assert sum(row["accepted"] for row in body["category"]) == sum(row["accepted"] for row in body["district"]) == 3


def test_a_department_filter_gives_the_reports_figures_for_that_department(leader, march, other_department):
    figures = get_report(leader, **MARCH, department=other_department.pk).json()["figures"]
    assert figures["accepted"] == reports.report(start=day(3, 1), end=day(3, 31), department=other_department)["accepted"] == 1


def test_without_dates_the_period_is_the_dashboards_default_this_year_to_date(leader):
    body = get_report(leader).json()
    today = timezone.localdate()
    assert (body["start"], body["end"]) == (today.replace(month=1, day=1).isoformat(), today.isoformat())


def test_start_and_end_give_that_period(leader):
    body = get_report(leader, **MARCH).json()
    assert (body["start"], body["end"]) == (MARCH["start"], MARCH["end"])


def test_a_bad_date_is_a_400_naming_the_field(leader):
    response = get_report(leader, start="2026-13-45", end="2026-03-31")
    assert response.status_code == 400 and "start" in response.json()["errors"]


def test_an_unknown_department_is_a_400_naming_the_field(leader):
    response = get_report(leader, **MARCH, department=999999)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["department"]


@pytest.mark.parametrize(
    "params",
    [{"start": "2026-03-31", "end": "2026-03-01"}, {"start": "2026-03-01"}, {"start": "2020-01-01", "end": "2026-03-01"}],
    ids=["end before start", "one date only", "over five years"],
)
def test_a_bad_period_is_a_400_for_the_period_as_a_whole(leader, params):
    response = get_report(leader, **params)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["non_field_errors"]


def test_the_report_makes_a_bounded_number_of_queries(leader, march, dispatcher, department, submit):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert get_report(leader, **MARCH).status_code == 200
        return len(queries)

    few = count()
    for dom in range(1, 11):
        services.ticket_assign(ticket=submit(at=at(day(3, dom))), by=dispatcher, department=department, at=at(day(3, dom), 12))
    assert count() == few
