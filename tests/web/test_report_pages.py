"""The leadership dashboard as people use it: who may open it, every number links to its
tickets, the xlsx and printable versions, bad periods refused, bounded queries."""

import io
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from enterprises.models import User
from tests.conftest import api_as, at, day
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    DistrictFactory,
    EnterpriseFactory,
    IndustryFactory,
    UserFactory,
    returned_to_dispatch,
)
from tickets import reports, services


@pytest.fixture
def loop_done(dispatcher, department_user, company_user, department, submit):
    """One closed ticket, one still waiting for dispatch, this year."""
    closed = submit(title="已销号的诉求")
    services.ticket_assign(ticket=closed, by=dispatcher, department=department)
    services.ticket_sign(ticket=closed, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=closed, by=department_user, result="已解决")
    services.ticket_confirm(ticket=closed, by=company_user, rating="satisfied")
    waiting = submit(title="待交办的诉求")
    return closed, waiting


def displayed(cell):
    """What a spreadsheet shows for a cell: a "0.0%" or "0.0" number half-up from the stored
    decimal, anything else as it is."""
    if cell.number_format == "0.0%":
        return f"{(Decimal(str(cell.value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if cell.number_format == "0.0":
        return str(Decimal(str(cell.value)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return str(cell.value)


@pytest.mark.parametrize("role", ["leader", "supervisor", "dispatcher", "admin_user"])
def test_city_roles_open_the_dashboard(request, client, role, loop_done):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("report_dashboard"))
    assert response.status_code == 200
    assert response.context["figures"]["closed"] == 1


@pytest.mark.parametrize("role", ["department_user", "company_user", "liaison"])
def test_department_company_and_liaison_cannot_open_the_dashboard(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("report_dashboard")).status_code == 403
    assert client.get(reverse("report_tickets"), {"figure": "closed"}).status_code == 403
    assert client.get(reverse("report_xlsx")).status_code == 403


def test_leadership_lands_on_the_dashboard(client, leader):
    client.force_login(leader)
    assert client.get(reverse("home"))["Location"] == reverse("report_dashboard")


def test_every_card_links_to_the_tickets_behind_it(client, leader, loop_done):
    closed, waiting = loop_done
    client.force_login(leader)
    cards = {c["key"]: c for c in client.get(reverse("report_dashboard")).context["cards"]}
    listing = client.get(reverse("report_tickets") + "?" + cards["closed"]["link"])
    references = [t.reference for t in listing.context["page"].object_list]
    assert references == [closed.reference]


def test_breakdown_numbers_link_to_their_tickets(client, leader, loop_done, department):
    closed, _waiting = loop_done
    client.force_login(leader)
    ranking = client.get(reverse("report_dashboard")).context["ranking"]
    [row] = [r for r in ranking if r["group"] == department]
    listing = client.get(reverse("report_tickets") + "?" + row["links"]["accepted"])
    assert [t.reference for t in listing.context["page"].object_list] == [closed.reference]


@pytest.mark.parametrize("figure", reports.COUNTS)
def test_the_tickets_behind_a_figure_are_titled_with_its_name(client, leader, figure):
    client.force_login(leader)
    response = client.get(reverse("report_tickets"), {"figure": figure})
    body = response.content.decode()
    with translation.override(response["Content-Language"]):
        name = str(reports.NAMES[figure])
    title, heading = (re.search(rf"<{tag}>(.*?)</{tag}>", body, re.DOTALL).group(1).strip() for tag in ("title", "h1"))
    assert heading == name and title.split(" · ")[0] == name and name != figure
    assert f"<code>{figure}</code>" not in body


def test_every_figure_has_a_name_of_its_own():
    names = [str(reports.NAMES[figure]) for figure in (*reports.COUNTS, *reports.RATES, "handling_time")]
    assert len(set(names)) == len(names)


def test_unknown_figure_is_refused(client, leader):
    client.force_login(leader)
    assert client.get(reverse("report_tickets"), {"figure": "drop table"}).status_code == 400


def test_custom_period_needs_both_dates_and_in_order(client, leader):
    client.force_login(leader)
    missing = client.get(reverse("report_dashboard"), {"period": "custom", "start": "2026-01-01"})
    assert missing.status_code == 400
    reversed_period = client.get(reverse("report_dashboard"), {"period": "custom", "start": "2026-05-01", "end": "2026-01-01"})
    assert reversed_period.status_code == 400
    assert reversed_period.context["form"].non_field_errors()


def test_garbage_dates_are_refused_not_crashing(client, leader):
    client.force_login(leader)
    assert client.get(reverse("report_dashboard"), {"period": "custom", "start": "yesterday", "end": "2026-13-45"}).status_code == 400


def test_xlsx_has_one_sheet_per_breakdown(client, leader, loop_done):
    client.force_login(leader)
    response = client.get(reverse("report_xlsx"), {"period": "year"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6  # summary, ranking, category, district, industry, month
    summary = book[book.sheetnames[0]]
    values = [row for row in summary.iter_rows(values_only=True)]
    assert any(1 in row for row in values)  # one closed ticket


def test_printable_page_has_no_navigation(client, leader, loop_done):
    client.force_login(leader)
    body = client.get(reverse("report_dashboard"), {"period": "year", "print": "1"}).content.decode()
    assert "print-page" in body and 'class="mainnav"' not in body


def test_dashboard_queries_do_not_grow_with_the_data(client, leader, dispatcher, department, submit):
    client.force_login(leader)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("report_dashboard")).status_code == 200
        return len(ctx)

    services.ticket_assign(ticket=submit(), by=dispatcher, department=department)  # every group kind present
    few = count()
    for _ in range(8):
        services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
    assert count() == few


def test_the_dashboard_shows_six_of_eleven_as_54_5_percent(client, leader, six_of_eleven_closed):
    client.force_login(leader)
    body = client.get(reverse("report_dashboard")).content.decode()
    assert "54.5%" in body and "54.6%" not in body


def test_the_printable_page_shows_six_of_eleven_as_54_5_percent(client, leader, six_of_eleven_closed):
    client.force_login(leader)
    body = client.get(reverse("report_dashboard"), {"print": "1"}).content.decode()
    assert "54.5%" in body and "54.6%" not in body


def test_the_xlsx_shows_six_of_eleven_as_54_5_percent(client, leader, six_of_eleven_closed):
    client.force_login(leader)
    book = load_workbook(io.BytesIO(client.get(reverse("report_xlsx")).content))
    summary = book[book.sheetnames[0]]
    [closure] = [row for row in summary.iter_rows(min_row=2) if (row[2].value, row[3].value) == (6, 11)]
    assert displayed(closure[1]) == "54.5%"
    ranking = book[book.sheetnames[1]]
    headers = [cell.value for cell in ranking[1]]
    [department_row] = list(ranking.iter_rows(min_row=2))
    assert displayed(department_row[headers.index(summary.cell(row=closure[0].row, column=1).value)]) == "54.5%"


@pytest.fixture
def named_like_formulas(request, dispatcher):
    """One assigned ticket whose department, category, company district and industry are all
    named starting with `request.param` (=, +, - or @), as an administrator might type them."""
    prefix = request.param
    department = DepartmentFactory(name=f'{prefix}HYPERLINK("http://x.example","部门")')
    category = CategoryFactory(name=f"{prefix}1+2 类别", default_department=department, response_days=1, resolution_days=5)
    enterprise = EnterpriseFactory(
        district=DistrictFactory(name=f"{prefix}SUM(A1:A9) 区县"), industry=IndustryFactory(name=f"{prefix}cmd|' /C calc'!A0")
    )
    company = UserFactory(username="formula_company", role=User.Role.COMPANY, enterprise=enterprise)
    ticket = services.ticket_submit(
        by=company, enterprise=enterprise, category=category, title="诉求", description="请协调。", priority="normal"
    )
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department)
    return {"department": department, "category": category, "district": enterprise.district, "industry": enterprise.industry}


@pytest.mark.parametrize("named_like_formulas", ["=", "+", "-", "@"], indirect=True)
def test_names_that_look_like_formulas_are_text_in_the_xlsx(client, leader, named_like_formulas):
    client.force_login(leader)
    filters = {key: obj.pk for key, obj in named_like_formulas.items()}
    book = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), filters).content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert {obj.name for obj in named_like_formulas.values()} <= texts  # in the filter rows and in the breakdowns
    assert [cell.coordinate for cell in cells if isinstance(cell.value, str) and cell.data_type != "s"] == []


def test_control_characters_in_a_name_do_not_break_the_xlsx(client, leader, dispatcher, submit, department):
    department.name = "市发改委\x07\x1b"
    department.save()
    services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
    client.force_login(leader)
    response = client.get(reverse("report_xlsx"))
    assert response.status_code == 200
    ranking = load_workbook(io.BytesIO(response.content)).worksheets[1]
    assert ranking.cell(row=2, column=2).value == "市发改委"


def test_each_xlsx_table_starts_right_under_its_header(client, leader, loop_done):
    client.force_login(leader)
    book = load_workbook(io.BytesIO(client.get(reverse("report_xlsx")).content))
    for sheet in book.worksheets[1:]:
        assert [cell.value is not None for cell in sheet[2]][:2] == [True, True], sheet.title
        assert sheet.freeze_panes == "B2", sheet.title


MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def march_in_two_departments(dispatcher, department, other_department, department_user, other_department_user, company_user, submit):
    """March 2026, eleven accepted tickets, six closed (6/11 = 54.5454…%): 市发改委 closes four of
    its six (one resolved late, one rated 基本满意), has one resolved and one still open; a seventh
    it returned went to 市人社局, which closed it and one of its own, had one reopened and two
    still open. One more ticket is rejected."""
    staff = {department.pk: department_user, other_department.pk: other_department_user}

    def walk(dom, to, *, resolve_on=None, rating=None):
        ticket = services.ticket_assign(
            ticket=submit(at=at(day(3, dom))), by=dispatcher, department=to, due_date=day(3, dom + 4), at=at(day(3, dom), 11)
        )
        services.ticket_sign(ticket=ticket, by=staff[to.pk], at=at(day(3, dom), 15))
        if resolve_on:
            services.ticket_resolve(outcome="solved", ticket=ticket, by=staff[to.pk], result="已解决", at=at(day(3, resolve_on)))
        if rating:
            services.ticket_confirm(ticket=ticket, by=company_user, rating=rating, at=at(day(3, resolve_on), 16))
        return ticket

    for dom, resolve_on, rating in [
        (2, 3, "satisfied"),
        (3, 5, "satisfied"),
        (4, 12, "satisfied"),
        (5, 6, "basically_satisfied"),
        (6, 7, None),
        (9, None, None),
    ]:
        walk(dom, department, resolve_on=resolve_on, rating=rating)
    returned = services.ticket_assign(ticket=submit(at=at(day(3, 10))), by=dispatcher, department=department, at=at(day(3, 10), 11))
    returned_to_dispatch(ticket=returned, by=department_user, reason="不属于本部门", at=at(day(3, 11)))
    services.ticket_assign(ticket=returned, by=dispatcher, department=other_department, due_date=day(3, 20), at=at(day(3, 11), 14))
    services.ticket_sign(ticket=returned, by=other_department_user, at=at(day(3, 12)))
    services.ticket_resolve(outcome="solved", ticket=returned, by=other_department_user, result="已解决", at=at(day(3, 13)))
    services.ticket_confirm(ticket=returned, by=company_user, rating="satisfied", at=at(day(3, 14)))
    walk(16, other_department, resolve_on=18, rating="satisfied")
    reopened = walk(17, other_department, resolve_on=19)
    services.ticket_reopen(ticket=reopened, by=company_user, comment="问题仍未解决", at=at(day(3, 20)))
    walk(23, other_department)
    walk(24, other_department)
    services.ticket_reject(ticket=submit(at=at(day(3, 25))), by=dispatcher, reason="重复", at=at(day(3, 25), 11))


def _api_rate(fraction):
    """A rate as the API gives it, worked out here: half-up to 4 places from the exact fraction
    (null without a denominator: no co assignment due in this data set)."""
    if fraction is None:
        return None
    return float((Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _shown_cells(sheet, first_column):
    """{row label: [what the sheet shows in each figure column]} of a breakdown sheet."""
    return {row[first_column].value: [displayed(cell) for cell in row[first_column + 1 :]] for row in sheet.iter_rows(min_row=2)}


def _shown_on_page(value, is_rate):
    """What the dashboard's tables show for a figure (the `rate` filter, or the value)."""
    return reports.format_rate(value) if is_rate else "—" if value is None else str(value)


def test_the_page_the_api_and_the_xlsx_agree_on_one_data_set(client, leader, march_in_two_departments, department, other_department):
    client.force_login(leader)
    page = client.get(reverse("report_dashboard"), MARCH)
    api = api_as(leader).get("/api/reports/", {"start": MARCH["start"], "end": MARCH["end"]}).json()
    book = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), MARCH).content))
    cards = page.context["cards"]
    assert page.context["figures"]["closure_rate"] == Fraction(6, 11)

    # The headline figures: what the page's cards show, the xlsx summary shows and the API gives.
    shown_on_page = dict(
        re.findall(r'<span class="figure-label">(.*?)</span>\s*<span class="figure-value">(.*?)</span>', page.content.decode())
    )
    summary = {row[0].value: row for row in book.worksheets[0].iter_rows(min_row=2) if row[0].value}
    for card in cards:
        label, row = str(card["label"]), summary[str(card["label"])]
        if card["is_rate"]:
            assert shown_on_page[label] == displayed(row[1]) == reports.format_rate(card["value"]), label
            assert (row[2].value, row[3].value) == (card["numerator"], card["denominator"]), label
            assert api["figures"][card["key"]] == _api_rate(card["value"]), label
        else:
            assert shown_on_page[label] == displayed(row[1]) == str(card["value"]), label
            assert Decimal(str(api["figures"][card["key"]])) == card["value"], label
    assert shown_on_page[str(reports.NAMES["closure_rate"])] == "54.5%" and api["figures"]["closure_rate"] == 0.5455

    # Each table: the ranking (with ranks), the category, district, industry and month breakdowns.
    columns = page.context["columns"]
    tables = [
        ("ranking", page.context["ranking"]),
        *((key, rows) for key, _title, rows in page.context["breakdowns"]),
        ("month", page.context["by_month"]),
    ]
    assert [row["label"] for row in page.context["ranking"]] == [department.name, other_department.name]
    for sheet, (key, rows) in zip(book.worksheets[1:], tables, strict=True):
        in_sheet = _shown_cells(sheet, first_column=1 if key == "ranking" else 0)
        from_api = {row["month"][:7] if key == "month" else row["name"]: row for row in api[key]}
        assert [row["label"] for row in rows] == list(in_sheet) == list(from_api), key
        if key == "ranking":
            assert [cells[0].value for cells in sheet.iter_rows(min_row=2)] == [row["rank"] for row in rows]
        for row in rows:
            assert in_sheet[row["label"]] == [_shown_on_page(row[name], rate) for name, _label, _figure, rate in columns], (
                key,
                row["label"],
            )
            api_row = from_api[row["label"]]
            assert api_row.get("rank") == row.get("rank"), (key, row["label"])
            for name, _label, _figure, rate in columns:
                if row[name] is None:
                    assert api_row[name] is None, (key, row["label"], name)
                elif rate:
                    assert api_row[name] == _api_rate(row[name]), (key, row["label"], name)
                else:
                    assert Decimal(str(api_row[name])) == row[name], (key, row["label"], name)
