"""The ledger (包联台账), the city's quota, the overview of liaisons behind quota, and its xlsx."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import ROLE_FIXTURES
from tests.factories import EnterpriseFactory
from tickets import services
from tickets.models import VisitQuota, quarter_of
from tickets.selectors import ledger as selectors


def _visit(liaison, enterprise, on=None, problems=()):
    liaison.__dict__.pop("_liaison_enterprise_ids", None)  # read once per request: companies were added since
    return services.visit_record(
        by=liaison, enterprise=enterprise, visited_on=on or timezone.localdate(), discussion="走访", problems=list(problems)
    )


def test_quarters_run_from_their_first_to_their_last_day():
    assert quarter_of(datetime.date(2026, 2, 14)) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert quarter_of(datetime.date(2026, 12, 31)) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))


def test_the_quota_is_one_visit_when_the_city_set_none(db):
    assert VisitQuota.in_force(datetime.date(2026, 5, 1)) == 1


def test_the_quota_in_force_is_the_latest_valid_from_on_or_before_the_day(db):
    VisitQuota.objects.create(valid_from=datetime.date(2026, 1, 1), visits_per_quarter=2)
    VisitQuota.objects.create(valid_from=datetime.date(2026, 7, 1), visits_per_quarter=3)
    assert VisitQuota.in_force(datetime.date(2026, 6, 30)) == 2
    assert VisitQuota.in_force(datetime.date(2026, 7, 1)) == 3


def test_the_ledger_lists_the_liaison_s_companies_with_visits_against_the_quota(liaison, enterprise):
    VisitQuota.objects.create(valid_from=datetime.date(2020, 1, 1), visits_per_quarter=2)
    second = EnterpriseFactory(name="泽州县天泰机械")
    second.liaisons.add(liaison)
    _visit(liaison, enterprise)
    ledger = selectors.liaison_ledger(liaison)
    rows = {row.enterprise.name: row for row in ledger.rows}
    assert (rows[enterprise.name].visits_this_quarter, rows[enterprise.name].quota, rows[enterprise.name].behind) == (1, 2, True)
    assert rows[second.name].last_visit is None and ledger.behind == 2


def test_a_visit_of_last_quarter_is_the_last_visit_but_not_this_quarter_s(liaison, enterprise):
    start, _end = quarter_of(timezone.localdate())
    _visit(liaison, enterprise, on=start - datetime.timedelta(days=1))
    (row,) = selectors.liaison_ledger(liaison).rows
    assert row.last_visit == start - datetime.timedelta(days=1) and row.visits_this_quarter == 0 and row.behind


def test_the_ledger_counts_the_problems_raised_and_lists_the_open_ones(liaison, enterprise, category, dispatcher):
    visit = _visit(liaison, enterprise, problems=[services.Problem(category=category, title=t, description="d") for t in ("甲", "乙")])
    first = visit.tickets.order_by("id").first()
    services.ticket_reject(ticket=first, by=dispatcher, reason="重复")
    (row,) = selectors.liaison_ledger(liaison).rows
    assert (row.problems_raised, row.problems_open) == (2, 1)
    assert [t.title for t in row.open_problems] == ["乙"]


def test_a_ticket_the_company_submitted_itself_is_no_problem_raised_on_a_visit(liaison, enterprise, ticket):
    (row,) = selectors.liaison_ledger(liaison).rows
    assert row.problems_raised == 0


def test_the_overview_lists_liaisons_and_companies_behind_quota(supervisor, liaison, enterprise, other_liaison, other_enterprise):
    other_enterprise.liaisons.add(other_liaison)
    _visit(liaison, enterprise)
    overview = selectors.liaison_overview(supervisor)
    lines = {line.liaison.pk: line for line in overview.liaisons}
    assert (lines[liaison.pk].companies, lines[liaison.pk].behind, lines[liaison.pk].visits_this_quarter) == (1, 0, 1)
    assert (lines[other_liaison.pk].companies, lines[other_liaison.pk].behind) == (1, 1)
    assert [c.name for c in overview.behind_companies] == [other_enterprise.name] and overview.behind_total == 1
    assert overview.liaisons[0].liaison == other_liaison  # the most behind first


def test_the_overview_reads_as_many_queries_for_many_companies_as_for_one(supervisor, liaison, enterprise):
    counts = []
    for more in (0, 8):
        for _ in range(more):
            company = EnterpriseFactory()
            company.liaisons.add(liaison)
            _visit(liaison, company)
        with CaptureQueriesContext(connection) as queries:
            selectors.liaison_overview(supervisor)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_ledger_page_reads_as_many_queries_for_many_companies_as_for_one(client, liaison, enterprise, category):
    client.force_login(liaison)
    counts = []
    for more in (0, 6):
        for _ in range(more):
            company = EnterpriseFactory()
            company.liaisons.add(liaison)
            _visit(liaison, company, problems=[services.Problem(category=category, title="问题", description="d")])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("liaison_ledger")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


OVERSEERS = {"dispatcher", "supervisor", "leader", "admin", "callback"}
LIAISONS = {"liaison", "other_liaison"}


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_its_own_ledger_only_if_it_is_a_liaison(request, client, role):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    assert client.get(reverse("liaison_ledger")).status_code == (200 if role in LIAISONS else 403)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_a_liaison_s_ledger_only_if_it_oversees_or_it_is_theirs(request, client, role, liaison, enterprise):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("liaison_ledger_of", args=[liaison.pk]))
    expected = 200 if role in OVERSEERS or role == "liaison" else 404 if role == "other_liaison" else 403
    assert response.status_code == expected
    if expected != 200:
        assert enterprise.name not in response.content.decode()


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_the_overview_only_if_it_oversees(request, client, role):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    assert client.get(reverse("liaison_overview")).status_code == (200 if role in OVERSEERS else 403)


def test_the_ledger_page_links_a_visit_for_a_company_behind_quota(client, liaison, enterprise):
    client.force_login(liaison)
    page = client.get(reverse("liaison_ledger")).content.decode()
    assert f"{reverse('visit_new')}?enterprise={enterprise.pk}" in page


def test_the_ledger_xlsx_has_a_row_per_company_with_text_cells(client, liaison, enterprise):
    enterprise.name = '=HYPERLINK("http://x")公司'
    enterprise.save()
    _visit(liaison, enterprise)
    client.force_login(liaison)
    response = client.get(reverse("liaison_ledger_xlsx"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=7, column=1).value == enterprise.name and sheet.cell(row=7, column=1).data_type == "s"
    assert (sheet.cell(row=7, column=4).value, sheet.cell(row=7, column=5).value) == (1, 1)


def test_an_overseer_downloads_a_liaison_s_ledger_and_it_is_logged(client, supervisor, liaison, enterprise):
    client.force_login(supervisor)
    response = client.get(reverse("liaison_ledger_of_xlsx", args=[liaison.pk]))
    assert response.status_code == 200
    from tickets.models import AccessLog

    assert AccessLog.objects.filter(user=supervisor, kind="report").exists()
