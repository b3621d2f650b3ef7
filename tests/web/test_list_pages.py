"""The pages people work in all day (issue 18, items 1–2): working days left or overdue on the
lists, the supervision banner of a ticket, the ticket list's total, order, date range and
columns, and the extension requests in dispatch's queue."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tickets import services, workdays
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def html_of(client, user, url, params=None):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def listed(client, user, params=None):
    client.force_login(user)
    response = client.get(reverse("ticket_list"), params or {})
    assert response.status_code == 200
    return [t.reference for t in response.context["page"].object_list]


def due_on(ticket, due_date):
    Ticket.objects.filter(pk=ticket.pk).update(due_date=due_date)


def submitted_on(ticket, day):
    Ticket.objects.filter(pk=ticket.pk).update(submitted_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))


def today():
    return timezone.localdate()


# --- days left ------------------------------------------------------------------------------


def test_the_inbox_shows_the_working_days_left_to_the_due_date(client, department_user, in_progress_ticket):
    due_on(in_progress_ticket, workdays.add_working_days(today(), 3))
    assert "剩 3 个工作日" in html_of(client, department_user, reverse("department_inbox"))


def test_the_ticket_list_shows_the_working_days_an_open_ticket_is_overdue(client, dispatcher, in_progress_ticket):
    due = today() - datetime.timedelta(days=14)
    due_on(in_progress_ticket, due)
    over = workdays.working_days_between(due, today())
    assert f"超期 {over} 个工作日" in html_of(client, dispatcher, reverse("ticket_list"))


def test_the_supervision_board_shows_the_working_days_overdue(client, supervisor, in_progress_ticket):
    due = today() - datetime.timedelta(days=14)
    due_on(in_progress_ticket, due)
    over = workdays.working_days_between(due, today())
    assert f"超期 {over} 个工作日" in html_of(client, supervisor, reverse("supervision_board"))


def test_a_ticket_due_today_says_so(client, department_user, in_progress_ticket):
    due_on(in_progress_ticket, today())
    assert "今日到期" in html_of(client, department_user, reverse("department_inbox"))


def test_a_resolved_ticket_shows_no_days_left(client, dispatcher, resolved_ticket):
    due_on(resolved_ticket, workdays.add_working_days(today(), 3))
    html = html_of(client, dispatcher, reverse("ticket_list"))
    assert resolved_ticket.reference in html
    assert "个工作日" not in html


def test_days_left_read_the_calendar_once_whatever_the_number_of_rows(client, department_user, submit, dispatcher, department):
    def add(n):
        for k in range(n):
            ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
            due_on(ticket, today() + datetime.timedelta(days=k * 3 - 20))  # each its own due date, some overdue

    def queries(url):
        client.force_login(department_user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(2)
    few = [queries(reverse(name)) for name in ("department_inbox", "ticket_list")]
    add(12)
    assert [queries(reverse(name)) for name in ("department_inbox", "ticket_list")] == few


# --- the supervision banner ------------------------------------------------------------------


def test_a_ticket_under_supervision_shows_its_notice_at_the_top(client, dispatcher, supervisor, in_progress_ticket):
    services.ticket_raise_supervision(ticket=in_progress_ticket, by=supervisor, level="red", notice="请于本周五前汇报进展情况")
    html = html_of(client, dispatcher, reverse("ticket_detail", args=[in_progress_ticket.reference]))
    banner = html[html.index('class="supervision-banner') : html.index("</section>", html.index('class="supervision-banner'))]
    assert "sv-banner-red" in banner and "红牌督办" in banner
    assert "请于本周五前汇报进展情况" in banner
    assert supervisor.display_name in banner
    assert html.index("supervision-banner") < html.index("detail-grid")  # at the top of the page


def test_the_banner_shows_the_latest_card(client, department_user, supervisor, in_progress_ticket):
    services.ticket_raise_supervision(ticket=in_progress_ticket, by=supervisor, level="yellow", notice="第一次督办：请加快")
    services.ticket_raise_supervision(ticket=in_progress_ticket, by=supervisor, level="red", notice="第二次督办：红牌")
    html = html_of(client, department_user, reverse("ticket_detail", args=[in_progress_ticket.reference]))
    banner = html[html.index('class="supervision-banner') : html.index("</section>", html.index('class="supervision-banner'))]
    assert "第二次督办：红牌" in banner and "第一次督办" not in banner


def test_a_ticket_not_under_supervision_has_no_banner(client, dispatcher, in_progress_ticket):
    assert "supervision-banner" not in html_of(client, dispatcher, reverse("ticket_detail", args=[in_progress_ticket.reference]))


# --- the list's total ------------------------------------------------------------------------


def test_the_list_says_how_many_tickets_it_holds(client, dispatcher, submit):
    for _ in range(3):
        submit()
    assert "共 3 件" in html_of(client, dispatcher, reverse("ticket_list"))


def test_the_total_past_the_bound_is_shown_as_the_bound_and_more(client, dispatcher, submit, monkeypatch):
    from tickets.web import tickets as views

    monkeypatch.setattr(views, "COUNT_BOUND", 2)
    for _ in range(4):
        submit()
    html = html_of(client, dispatcher, reverse("ticket_list"))
    assert "共 2+ 件" in html


def test_the_total_counts_past_the_first_page_with_a_limited_count(client, dispatcher, submit, monkeypatch):
    from tickets.web import pagination

    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    monkeypatch.setattr(pagination.BoundedPage.__init__, "__defaults__", (2, None, None, None, None))
    for _ in range(5):
        submit()
    client.force_login(dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("ticket_list")).content.decode()
    assert "共 5 件" in html
    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT COUNT(*) FROM (SELECT "tickets_ticket"')]
    assert len(counts) == 1 and " LIMIT 1001" in counts[0]


def test_the_total_follows_the_filters(client, dispatcher, submit, department):
    services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
    submit()
    assert "共 1 件" in html_of(client, dispatcher, reverse("ticket_list"), {"status": "assigned"})


# --- order -----------------------------------------------------------------------------------


@pytest.fixture
def three_due(submit, dispatcher, department):
    """Three assigned tickets: due in 9, 1 and 5 days, submitted in that order."""
    tickets = []
    for offset in (9, 1, 5):
        ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
        due_on(ticket, today() + datetime.timedelta(days=offset))
        tickets.append(ticket)
    return tickets


def test_the_list_sorts_by_due_date_soonest_first(client, dispatcher, three_due):
    late, soon, middle = three_due
    assert listed(client, dispatcher, {"sort": "due"}) == [soon.reference, middle.reference, late.reference]


def test_the_list_sorts_by_due_date_latest_first(client, dispatcher, three_due):
    late, soon, middle = three_due
    assert listed(client, dispatcher, {"sort": "-due"}) == [late.reference, middle.reference, soon.reference]


def test_the_list_sorts_by_submission_oldest_first(client, dispatcher, three_due):
    assert listed(client, dispatcher, {"sort": "submitted"}) == [t.reference for t in three_due]


def test_the_list_sorts_by_status_in_the_lifecycles_order(client, dispatcher, department_user, three_due, submit):
    waiting = submit()
    signed = services.ticket_sign(ticket=three_due[0], by=department_user)
    order = listed(client, dispatcher, {"sort": "status"})
    assert order[0] == waiting.reference and order[-1] == signed.reference


def test_an_unknown_order_is_ignored_with_a_message(client, dispatcher, three_due):
    html = html_of(client, dispatcher, reverse("ticket_list"), {"sort": "title; DROP TABLE"})
    assert "列表不能按此方式排序，已按默认顺序显示。" in html
    assert listed(client, dispatcher, {"sort": "title; DROP TABLE"}) == [t.reference for t in reversed(three_due)]


def test_filtering_again_after_an_unknown_order_does_not_repeat_it(client, dispatcher, three_due):
    html = html_of(client, dispatcher, reverse("ticket_list"), {"sort": "bogus"})
    assert 'value="bogus"' not in html


def test_filtering_again_keeps_the_chosen_order(client, dispatcher, three_due):
    html = html_of(client, dispatcher, reverse("ticket_list"), {"sort": "-due"})
    assert '<input type="hidden" name="sort" value="-due"' in html


def test_a_column_header_sorts_the_list_keeping_its_filters(client, dispatcher, three_due):
    html = html_of(client, dispatcher, reverse("ticket_list"), {"status": "assigned", "page": "1"})
    assert 'href="?status=assigned&amp;sort=due"' in html
    assert 'href="?status=assigned&amp;sort=status"' in html


def test_the_header_of_the_sorted_column_sorts_the_other_way(client, dispatcher, three_due):
    html = html_of(client, dispatcher, reverse("ticket_list"), {"sort": "due"})
    assert 'aria-sort="ascending"' in html and 'href="?sort=-due"' in html


# --- date range ------------------------------------------------------------------------------


@pytest.fixture
def submitted_in_may(submit):
    """Tickets submitted on May 1, 10 and 20."""
    tickets = []
    for dom in (1, 10, 20):
        ticket = submit()
        submitted_on(ticket, datetime.date(2026, 5, dom))
        tickets.append(ticket)
    return tickets


def test_the_list_filters_by_the_dates_of_submission_both_included(client, dispatcher, submitted_in_may):
    first, middle, last = submitted_in_may
    shown = listed(client, dispatcher, {"submitted_from": "2026-05-10", "submitted_to": "2026-05-20"})
    assert shown == [last.reference, middle.reference]


def test_a_bad_date_is_refused_with_a_message_and_filters_nothing(client, dispatcher, submitted_in_may):
    html = html_of(client, dispatcher, reverse("ticket_list"), {"submitted_from": "2026-13-45"})
    assert "请按 YYYY-MM-DD 格式填写日期。" in html
    assert len(listed(client, dispatcher, {"submitted_from": "2026-13-45"})) == 3


def test_a_reversed_range_is_refused_with_a_message_and_filters_nothing(client, dispatcher, submitted_in_may):
    params = {"submitted_from": "2026-05-20", "submitted_to": "2026-05-01"}
    html = html_of(client, dispatcher, reverse("ticket_list"), params)
    assert "日期范围的结束早于开始，列表未按日期筛选。" in html
    assert len(listed(client, dispatcher, params)) == 3


def test_a_refused_range_keeps_the_other_filters(client, dispatcher, department, submitted_in_may):
    services.ticket_assign(ticket=submitted_in_may[0], by=dispatcher, department=department)
    params = {"submitted_from": "2026-05-20", "submitted_to": "2026-05-01", "status": "assigned"}
    assert listed(client, dispatcher, params) == [submitted_in_may[0].reference]


# --- columns ---------------------------------------------------------------------------------


def test_a_departments_own_list_has_no_department_column(client, department_user, assigned_ticket):
    html = html_of(client, department_user, reverse("ticket_list"))
    assert assigned_ticket.reference in html
    assert department_user.department.name not in html.split("<table", 1)[1]


def test_a_departments_inbox_has_no_department_column(client, department_user, assigned_ticket):
    html = html_of(client, department_user, reverse("department_inbox"))
    table = html.split('<table class="tickets">', 1)[1].split("</table>", 1)[0]
    assert assigned_ticket.reference in table and department_user.department.name not in table


def test_dispatchs_list_keeps_the_department_column(client, dispatcher, assigned_ticket):
    html = html_of(client, dispatcher, reverse("ticket_list"))
    assert assigned_ticket.department.name in html.split("<table", 1)[1]


# --- dispatch's queue ------------------------------------------------------------------------


def _ask_extension(ticket, by, reason="需要协调省级部门"):
    return services.extension_request(ticket=ticket, by=by, requested_due_date=ticket.due_date + datetime.timedelta(days=20), reason=reason)


def test_dispatchs_queue_shows_a_pending_extension_request_with_a_link_to_decide_it(
    client, dispatcher, department_user, in_progress_ticket
):
    _ask_extension(in_progress_ticket, department_user)
    html = html_of(client, dispatcher, reverse("dispatch_queue"))
    section = html[html.index('id="extension-requests"') :]
    assert "需要协调省级部门" in section
    assert f'href="{reverse("ticket_detail", args=[in_progress_ticket.reference])}#extension-requests"' in section


def test_dispatchs_queue_does_not_show_a_decided_extension_request(client, dispatcher, department_user, in_progress_ticket):
    request = _ask_extension(in_progress_ticket, department_user)
    services.extension_decide(request=request, by=dispatcher, approve=False, note="期限内可以完成")
    assert 'id="extension-requests"' not in html_of(client, dispatcher, reverse("dispatch_queue"))


def test_dispatchs_queue_reads_a_bounded_number_of_queries_with_requests_waiting(client, dispatcher, department_user, submit, department):
    def add(n):
        for _ in range(n):
            ticket = services.ticket_sign(
                ticket=services.ticket_assign(ticket=submit(), by=dispatcher, department=department), by=department_user
            )
            _ask_extension(ticket, department_user)
            other = services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
            services.return_request_file(ticket=other, by=department_user, reason="不属于本部门职责")
            submit()

    def queries():
        client.force_login(dispatcher)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("dispatch_queue")).status_code == 200
        return len(ctx)

    add(1)
    few = queries()
    add(5)
    assert queries() == few


def test_the_inbox_shows_the_working_days_left_for_a_co_handlers_feedback(client, co_department_user, co_handled_ticket):
    from tickets.models import Assignment

    Assignment.objects.filter(department=co_department_user.department).update(due_date=workdays.add_working_days(today(), 2))
    html = html_of(client, co_department_user, reverse("department_inbox"))
    section = html[html.index('id="co-handling"') :]
    assert "剩 2 个工作日" in section
