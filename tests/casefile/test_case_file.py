"""One case file read (tickets.casefile.selectors) for the page, the API, the export and the
monthly mailing: the same tickets for the same reader, the same figures, and rated / satisfied
counted as the leadership report counts them (DESIGN.md §5: each ticket's latest rating; a
reopen is 不满意; "no answer" is not a rating)."""

import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import api_as
from tests.factories import EnterpriseFactory, UserFactory, returned_to_dispatch
from tickets import reports, services
from tickets.casefile import export as exports
from tickets.casefile import selectors
from tickets.jobs import mailings
from tickets.models import CaseFileExport, CaseHistoryMailing, Notification


@pytest.fixture
def resolve(submit, dispatcher, department, department_user):
    """Submit, assign, sign and resolve a ticket of the company."""

    def _resolve(title, **submit_fields):
        ticket = services.ticket_assign(ticket=submit(title=title, **submit_fields), by=dispatcher, department=department)
        ticket = services.ticket_sign(ticket=ticket, by=department_user)
        return services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已办结")

    return _resolve


@pytest.fixture
def reopen_and_resolve(company_user, department_user):
    def _again(ticket):
        ticket = services.ticket_reopen(ticket=ticket, by=company_user, comment="问题没有解决")
        return services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="重新办结")

    return _again


@pytest.fixture
def rated_story(resolve, reopen_and_resolve, company_user):
    """Four closed tickets: confirmed 满意; reopened (不满意) then closed automatically with no
    answer; reopened then confirmed 基本满意; closed automatically, never rated. Rated 3,
    satisfied 2 — the reopened-then-auto-closed one is a 不满意 whose `rating` says no_answer."""
    satisfied = services.ticket_confirm(ticket=resolve("一次办结满意"), by=company_user, rating="satisfied")
    no_answer = services.ticket_auto_close(ticket=reopen_and_resolve(resolve("重办后未评价")))
    redone = services.ticket_confirm(ticket=reopen_and_resolve(resolve("重办后基本满意")), by=company_user, rating="basically_satisfied")
    never_rated = services.ticket_auto_close(ticket=resolve("从未评价"))
    return {"satisfied": satisfied, "no_answer": no_answer, "redone": redone, "never_rated": never_rated}


def report_rated_and_satisfied():
    today = timezone.localdate()
    figures = reports.report(start=today, end=today)
    return figures["rated"], figures["satisfied"]


def workbook_of(export):
    export.refresh_from_db()
    with export.xlsx.open("rb") as handle:
        return openpyxl.load_workbook(io.BytesIO(handle.read()))


def built_workbook(user, enterprise):
    export = CaseFileExport.objects.create(enterprise=enterprise, requested_by=user)
    assert exports.build_case_file_export(export.pk)
    return workbook_of(export)


def profile_figure(book, label):
    [value] = [row[1] for row in book["企业档案"].iter_rows(values_only=True) if row[0] == label]
    return value


def ticket_rows(book):
    """{reference: {header: value}} of the ticket list."""
    rows = list(book["诉求清单"].iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def case_history_of(user):
    mailings.send_case_histories(now=timezone.now())
    [history] = Notification.objects.filter(recipient=user, kind=Notification.Kind.CASE_HISTORY)
    return history.body


def ticket_part(body, ticket):
    [part] = [part for part in body.split("\n\n") if part.startswith(ticket.reference)]
    return part


# --- rated and satisfied: the report's figures everywhere ---------------------------------------


def test_the_report_counts_the_story_rated_3_satisfied_2(rated_story):
    assert report_rated_and_satisfied() == (3, 2)


def test_the_page_shows_rated_and_satisfied_as_the_report_counts_them(client, company_user, rated_story):
    client.force_login(company_user)
    page = client.get(reverse("enterprise_case_file", args=[company_user.enterprise_id])).content.decode()
    rated, satisfied = report_rated_and_satisfied()
    assert f'<span class="num">{satisfied}/{rated}</span>' in page


def test_the_api_case_file_counts_rated_and_satisfied_as_the_report_does(company_user, rated_story):
    body = api_as(company_user).get(f"/api/enterprises/{company_user.enterprise_id}/").json()
    assert (body["rated"], body["satisfied"]) == report_rated_and_satisfied()


def test_the_export_workbook_counts_rated_and_satisfied_as_the_report_does(company_user, rated_story):
    book = built_workbook(company_user, company_user.enterprise)
    assert (profile_figure(book, "已评价"), profile_figure(book, "满意或基本满意")) == report_rated_and_satisfied()


def test_the_printable_page_counts_rated_and_satisfied_as_the_report_does(company_user, rated_story):
    export = CaseFileExport.objects.create(enterprise=company_user.enterprise, requested_by=company_user)
    exports.build_case_file_export(export.pk)
    export.refresh_from_db()
    with export.printable.open("rb") as handle:
        page = handle.read().decode()
    rated, satisfied = report_rated_and_satisfied()
    assert f'<tr><td>已评价</td><td class="n">{rated}</td></tr>' in page
    assert f'<tr><td>满意或基本满意</td><td class="n">{satisfied}</td></tr>' in page


def test_the_case_history_mailing_counts_rated_and_satisfied_as_the_report_does(company_user, rated_story):
    rated, satisfied = report_rated_and_satisfied()
    assert f"已评价 {rated} 件，其中满意或基本满意 {satisfied} 件" in case_history_of(company_user)


def test_a_reopened_ticket_returned_and_then_rejected_is_not_rated_as_in_the_report(
    client, company_user, dispatcher, department_user, resolve, reopen_and_resolve, rated_story
):
    reopened = services.ticket_reopen(ticket=resolve("重办后被退回"), by=company_user, comment="问题没有解决")
    returned = returned_to_dispatch(ticket=reopened, by=department_user, reason="不属于本部门职责")
    services.ticket_reject(ticket=returned, by=dispatcher, reason="不属于涉企诉求范围")

    case_file = selectors.enterprise_case_file(company_user, company_user.enterprise_id)
    assert (case_file.rated, case_file.satisfied) == report_rated_and_satisfied() == (3, 2)


# --- the rating shown: the latest one; no answer only as how it closed --------------------------


def test_the_workbook_shows_the_latest_rating_and_no_answer_as_how_it_closed(company_user, rated_story):
    rows = ticket_rows(built_workbook(company_user, company_user.enterprise))
    shown = {name: (rows[t.reference]["最近一次评价"], rows[t.reference]["销号方式"]) for name, t in rated_story.items()}
    assert shown == {
        "satisfied": ("满意", "确认销号"),
        "no_answer": ("不满意", "未评价（逾期自动销号）"),
        "redone": ("基本满意", "确认销号"),
        "never_rated": (None, "未评价（逾期自动销号）"),
    }


def test_the_mailing_shows_the_latest_rating_and_no_answer_as_how_it_closed(company_user, rated_story):
    body = case_history_of(company_user)
    no_answer, never_rated = ticket_part(body, rated_story["no_answer"]), ticket_part(body, rated_story["never_rated"])
    assert "评价：不满意" in no_answer and "企业逾期未评价，自动销号" in no_answer
    assert "评价：" not in never_rated and "企业逾期未评价，自动销号" in never_rated
    assert "未评价（逾期自动销号）" not in body  # never as a rating


def test_the_mailing_shows_a_confirmed_ticket_as_rated_and_closed(company_user, rated_story):
    redone = ticket_part(case_history_of(company_user), rated_story["redone"])
    assert "评价：基本满意" in redone and "销号" in redone and "自动销号" not in redone


# --- the same tickets for the same reader -----------------------------------------------------


@pytest.fixture
def department_story(submit, dispatcher, department, other_department, department_user):
    """For the department: a ticket it holds, one it held (returned, then given to another
    department), one another department holds, one not yet assigned."""
    held = services.ticket_assign(ticket=submit(title="本部门在办"), by=dispatcher, department=department)
    was_held = services.ticket_assign(ticket=submit(title="曾经交办本部门"), by=dispatcher, department=department)
    was_held = returned_to_dispatch(ticket=was_held, by=department_user, reason="不属于本部门职责")
    was_held = services.ticket_assign(ticket=was_held, by=dispatcher, department=other_department)
    elsewhere = services.ticket_assign(ticket=submit(title="别的部门在办"), by=dispatcher, department=other_department)
    unassigned = submit(title="尚未交办")
    return {"held": held, "was_held": was_held, "elsewhere": elsewhere, "unassigned": unassigned}


def test_a_department_sees_the_tickets_it_holds_or_held_in_the_case_file(department_user, department_story):
    case_file = selectors.enterprise_case_file(department_user, department_story["held"].enterprise_id)
    assert {t.reference for t in case_file.tickets} == {department_story["held"].reference, department_story["was_held"].reference}


def test_the_export_holds_the_same_tickets_and_events_as_the_page_for_a_department(client, department_user, department_story):
    enterprise = department_story["held"].enterprise
    client.force_login(department_user)
    page = client.get(reverse("enterprise_case_file", args=[enterprise.pk])).context["case_file"]
    book = built_workbook(department_user, enterprise)

    assert set(ticket_rows(book)) == {t.reference for t in page.tickets}
    timeline = [row[1] for row in book["办理记录"].iter_rows(min_row=2, values_only=True)]
    assert sorted(timeline) == sorted(e.ticket.reference for e in page.timeline)
    assert not {department_story["elsewhere"].reference, department_story["unassigned"].reference} & set(timeline)


def test_the_mailing_lists_the_tickets_its_readers_see_in_the_case_file(company_user, liaison, rated_story, submit):
    submit(title="待交办")
    mailings.send_case_histories(now=timezone.now())
    for reader in (company_user, liaison):
        [history] = Notification.objects.filter(recipient=reader, kind=Notification.Kind.CASE_HISTORY)
        listed = set(re.findall(r"^(\S+)  ", history.body, flags=re.MULTILINE))
        case_file = selectors.enterprise_case_file(reader, company_user.enterprise_id)
        assert listed == {t.reference for t in case_file.tickets}, reader


def test_the_mailing_figures_are_the_company_sides_case_file_figures(company_user, rated_story, submit):
    submit(title="待交办")
    case_file = selectors.enterprise_case_file(company_user, company_user.enterprise_id)
    summary = case_history_of(company_user).split("\n\n")[0].splitlines()[1]
    figures = [int(n) for n in re.findall(r"\d+", summary)]
    assert figures == [case_file.total, case_file.open, case_file.overdue, case_file.rated, case_file.satisfied] == [5, 1, 0, 3, 2]


# --- bounded reads ----------------------------------------------------------------------------


def test_a_case_history_run_reads_a_fixed_number_of_queries_whatever_the_number_of_tickets(company_user, submit, dispatcher, department):
    other = EnterpriseFactory()
    other_user = UserFactory(enterprise=other)

    def run_count():
        CaseHistoryMailing.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            assert mailings.send_case_histories(now=timezone.now()) == {"notifications": 2}
        return len(queries)

    services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
    submit(by=other_user, enterprise=other)
    few = run_count()
    for n in range(6):
        services.ticket_assign(ticket=submit(title=f"诉求{n}"), by=dispatcher, department=department)
        submit(by=other_user, enterprise=other, title=f"其他企业诉求{n}")
    assert run_count() == few


def test_company_side_case_files_read_many_companies_in_three_queries(rated_story, company_user):
    others = [EnterpriseFactory() for _ in range(3)]
    for enterprise in others:
        services.ticket_submit(
            by=UserFactory(enterprise=enterprise), enterprise=enterprise, category=rated_story["satisfied"].category,
            title="诉求", description="说明", priority="normal",
        )  # fmt: skip
    ids = [company_user.enterprise_id] + [e.pk for e in others]
    with CaptureQueriesContext(connection) as queries:
        files = selectors.company_side_case_files(ids, today=timezone.localdate())
        [t.department for f in files.values() for t in f.tickets]  # read with the tickets
    assert len(queries) == 3  # tickets, companies, liaisons
    assert [f.total for f in files.values()] == [4, 1, 1, 1]
    assert list(files) == sorted(ids)


def test_the_page_timeline_is_bounded_newest_first(dispatcher, submit, monkeypatch):
    monkeypatch.setattr(selectors, "CASE_FILE_TIMELINE_LIMIT", 3)
    tickets = [submit(title=f"诉求{n}") for n in range(5)]
    case_file = selectors.enterprise_case_file(dispatcher, tickets[0].enterprise_id)
    assert [e.ticket.reference for e in case_file.timeline] == [t.reference for t in reversed(tickets[2:])]
    assert case_file.timeline_limit == 3


def test_the_page_lists_the_tickets_newest_first_and_the_export_oldest_first(dispatcher, submit):
    tickets = [submit(title=f"诉求{n}") for n in range(3)]
    page = selectors.enterprise_case_file(dispatcher, tickets[0].enterprise_id)
    export = selectors.case_file_for_export(dispatcher, tickets[0].enterprise_id)
    assert [t.reference for t in page.tickets] == [t.reference for t in reversed(tickets)]
    assert [t.reference for t in export.tickets] == [t.reference for t in tickets]


def test_the_reopened_then_auto_closed_ticket_is_shown_dissatisfied_and_closed_without_answer(company_user, rated_story):
    case_file = selectors.enterprise_case_file(company_user, company_user.enterprise_id)
    [shown] = [t for t in case_file.tickets if t.pk == rated_story["no_answer"].pk]
    assert (shown.rating, shown.latest_rating) == ("no_answer", "dissatisfied")  # what the two columns hold
    assert selectors.rating_label(shown) == "不满意" and selectors.closed_without_answer(shown)


def test_the_export_shows_no_due_date_change_for_a_refused_extension(
    company_user, enterprise, in_progress_ticket, department_user, dispatcher
):
    import datetime

    from django.conf import settings
    from django.utils import translation

    from tickets.models import EventKind

    with translation.override(settings.LANGUAGE_CODE):
        refused_label = str(EventKind.EXTENSION_REFUSED.label)
    due = in_progress_ticket.due_date
    asked = due + datetime.timedelta(days=20)
    request = services.extension_request(ticket=in_progress_ticket, by=department_user, requested_due_date=asked, reason="需要协调")
    services.extension_decide(request=request, by=dispatcher, approve=False, note="期限内可以完成")
    book = built_workbook(company_user, enterprise)
    rows = list(book["办理记录"].iter_rows(values_only=True))
    header = rows[0]
    refused = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[2] == refused_label]
    assert refused, rows
    assert all(asked.isoformat() not in (str(r[header[4]] or "") + str(r[header[5]] or "")) for r in refused)
