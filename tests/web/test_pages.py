"""Every page, as each role sees it: scoping (404 for what you may not see), the actions
offered, form errors shown with nothing saved, and bounded query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import returned_to_dispatch
from tickets import services
from tickets.models import Attachment, Status, Ticket, TicketEvent


@pytest.fixture
def as_user(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def detail_url(ticket):
    return reverse("ticket_detail", args=[ticket.reference])


def action_url(ticket, action):
    return reverse("ticket_action", args=[ticket.reference, action])


# --- log in / out -------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, ticket):
    response = client.get(detail_url(ticket))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_login_with_password_lands_on_role_home(client, dispatcher):
    response = client.post(reverse("login"), {"username": "dispatcher", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dispatch_queue")


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert "登录" in response.content.decode()


def test_logout_requires_post_and_ends_session(as_user, company_user):
    client = as_user(company_user)
    client.post(reverse("logout"))
    assert client.get(reverse("ticket_list")).status_code == 302


# --- scoping ------------------------------------------------------------------------------


def test_company_sees_own_ticket(as_user, company_user, ticket):
    assert as_user(company_user).get(detail_url(ticket)).status_code == 200


def test_other_company_gets_404_without_title(as_user, other_company_user, ticket):
    response = as_user(other_company_user).get(detail_url(ticket))
    assert response.status_code == 404
    assert ticket.title not in response.content.decode()


def test_other_liaison_gets_404(as_user, other_liaison, ticket):
    assert as_user(other_liaison).get(detail_url(ticket)).status_code == 404


def test_liaison_sees_company_ticket(as_user, liaison, ticket):
    assert as_user(liaison).get(detail_url(ticket)).status_code == 200


def test_unassigned_department_gets_404(as_user, department_user, ticket):
    assert as_user(department_user).get(detail_url(ticket)).status_code == 404


def test_assigned_department_sees_ticket(as_user, department_user, assigned_ticket):
    assert as_user(department_user).get(detail_url(assigned_ticket)).status_code == 200


def test_other_department_gets_404(as_user, other_department_user, assigned_ticket):
    assert as_user(other_department_user).get(detail_url(assigned_ticket)).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "leader", "admin_user"])
def test_city_roles_see_every_ticket(request, as_user, role, ticket):
    user = request.getfixturevalue(role)
    assert as_user(user).get(detail_url(ticket)).status_code == 200


def test_ticket_list_shows_only_visible_tickets(as_user, company_user, submit, other_company_user, category):
    mine = submit(title="我的诉求甲")
    services.ticket_submit(
        by=other_company_user,
        enterprise=other_company_user.enterprise,
        category=category,
        title="别人的诉求乙",
        description="x",
        priority="normal",
    )
    body = as_user(company_user).get(reverse("ticket_list")).content.decode()
    assert mine.reference in body
    assert "别人的诉求乙" not in body


def test_ticket_list_filters_by_status(as_user, dispatcher, submit, assigned_ticket):
    waiting = submit(title="待交办的诉求")
    body = as_user(dispatcher).get(reverse("ticket_list"), {"status": "submitted"}).content.decode()
    assert waiting.reference in body
    assert assigned_ticket.reference not in body


def test_returned_badge_marks_a_ticket_only_while_it_waits_at_dispatch(as_user, dispatcher, department, department_user, assigned_ticket):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不属于本部门职责")
    assert 'class="badge returned"' in as_user(dispatcher).get(reverse("ticket_list")).content.decode()
    services.ticket_assign(ticket=assigned_ticket, by=dispatcher, department=department)
    assert 'class="badge returned"' not in as_user(dispatcher).get(reverse("ticket_list")).content.decode()


def test_filter_selects_render_like_django_select(db):
    from django import forms as django_forms
    from django.test.html import parse_html

    from tickets.web.forms import QuickSelect

    choices = [("", "全部"), ("a", "A & B"), ("b", "<b>")]
    for value in ("", "a", "b"):
        expected = django_forms.Select(choices=choices, attrs={"id": "id_x"}).render("x", value)
        assert parse_html(QuickSelect(choices=choices, attrs={"id": "id_x"}).render("x", value)) == parse_html(expected)
    grouped = [("城区", [("1", "甲")]), ("", "无")]
    assert parse_html(QuickSelect(choices=grouped).render("x", "1")) == parse_html(django_forms.Select(choices=grouped).render("x", "1"))


# --- attachments ----------------------------------------------------------------------------


@pytest.fixture
def ticket_with_file(submit):
    return submit(files=[SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 test", content_type="application/pdf")])


def test_company_downloads_own_attachment(as_user, company_user, ticket_with_file):
    attachment = ticket_with_file.attachments.get()
    response = as_user(company_user).get(reverse("attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("role", ["other_company_user", "other_liaison", "department_user"])
def test_others_cannot_download_attachment(request, as_user, role, ticket_with_file):
    attachment = ticket_with_file.attachments.get()
    user = request.getfixturevalue(role)
    assert as_user(user).get(reverse("attachment_download", args=[attachment.pk])).status_code == 404


def test_attachment_file_is_not_served_by_path(as_user, company_user, ticket_with_file):
    stored = ticket_with_file.attachments.get().file.name
    client = as_user(company_user)
    for prefix in ("/", "/media/", "/static/"):
        assert client.get(prefix + stored).status_code == 404


# --- case file ------------------------------------------------------------------------------


def test_company_sees_own_case_file(as_user, company_user, ticket):
    response = as_user(company_user).get(reverse("enterprise_case_file", args=[company_user.enterprise_id]))
    assert response.status_code == 200
    assert ticket.reference in response.content.decode()


def test_company_cannot_open_other_case_file(as_user, company_user, other_enterprise):
    assert as_user(company_user).get(reverse("enterprise_case_file", args=[other_enterprise.pk])).status_code == 404


def test_liaison_case_file_of_other_company_is_404(as_user, liaison, other_enterprise):
    assert as_user(liaison).get(reverse("enterprise_case_file", args=[other_enterprise.pk])).status_code == 404


def test_department_sees_case_file_only_with_its_tickets(as_user, department_user, assigned_ticket, submit):
    unassigned = submit(title="另一个未交办诉求")
    response = as_user(department_user).get(reverse("enterprise_case_file", args=[assigned_ticket.enterprise_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert assigned_ticket.reference in body
    assert unassigned.reference not in body


def test_department_without_tickets_gets_404_case_file(as_user, other_department_user, enterprise, ticket):
    assert as_user(other_department_user).get(reverse("enterprise_case_file", args=[enterprise.pk])).status_code == 404


def test_case_file_merges_timeline_of_all_tickets(as_user, dispatcher, submit, enterprise):
    first, second = submit(title="第一个"), submit(title="第二个")
    body = as_user(dispatcher).get(reverse("enterprise_case_file", args=[enterprise.pk])).content.decode()
    assert first.reference in body and second.reference in body


# --- role pages -----------------------------------------------------------------------------


def test_dispatch_queue_lists_submitted_tickets(as_user, dispatcher, ticket):
    body = as_user(dispatcher).get(reverse("dispatch_queue")).content.decode()
    assert ticket.reference in body


def test_company_cannot_open_dispatch_queue(as_user, company_user):
    assert as_user(company_user).get(reverse("dispatch_queue")).status_code == 403


def test_department_inbox_lists_assigned_ticket(as_user, department_user, assigned_ticket):
    body = as_user(department_user).get(reverse("department_inbox")).content.decode()
    assert assigned_ticket.reference in body


def test_supervision_board_lists_overdue_ticket(as_user, supervisor, in_progress_ticket):
    Ticket.objects.filter(pk=in_progress_ticket.pk).update(due_date="2026-01-05")
    body = as_user(supervisor).get(reverse("supervision_board")).content.decode()
    assert in_progress_ticket.reference in body


def test_leader_cannot_open_supervision_board(as_user, leader):
    assert as_user(leader).get(reverse("supervision_board")).status_code == 403


def test_assign_form_preselects_category_department(as_user, dispatcher, ticket, department):
    body = as_user(dispatcher).get(detail_url(ticket)).content.decode()
    assert f'<option value="{department.pk}" selected>' in body


def test_leader_is_offered_no_actions(as_user, leader, in_progress_ticket):
    response = as_user(leader).get(detail_url(in_progress_ticket))
    assert response.context["panels"] == []
    assert 'id="actions"' not in response.content.decode()


def test_an_action_the_page_does_not_offer_is_refused_without_validating_a_form(as_user, company_user, ticket):
    response = as_user(company_user).post(action_url(ticket, "assign"), {})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.SUBMITTED
    body = as_user(company_user).get(detail_url(ticket)).content.decode()
    assert "此操作对该诉求当前不可用" in body


def test_a_refusal_of_the_input_by_the_service_keeps_the_form_and_what_was_typed(as_user, department_user, in_progress_ticket):
    too_early = in_progress_ticket.due_date.isoformat()
    response = as_user(department_user).post(
        action_url(in_progress_ticket, "request_extension"), {"requested_due_date": too_early, "reason": "需要会签"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "申请的办理期限须晚于当前办理期限" in body and "需要会签" in body
    assert not in_progress_ticket.extension_requests.exists()


def test_extension_decision_does_not_redirect_to_another_site(as_user, dispatcher, department_user, in_progress_ticket):
    request = services.extension_request(
        ticket=in_progress_ticket,
        by=department_user,
        requested_due_date=in_progress_ticket.due_date + datetime.timedelta(days=10),
        reason="会签",
    )
    response = as_user(dispatcher).post(
        reverse("extension_decide", args=[request.pk]), {"decision": "refuse", "note": "", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(in_progress_ticket)
    request.refresh_from_db()
    assert request.state == "pending"


def test_dispatcher_menu_links_to_the_supervision_board(as_user, dispatcher):
    assert reverse("supervision_board") in as_user(dispatcher).get(reverse("ticket_list")).content.decode()


def test_attachment_help_follows_the_language_of_the_request(db):
    from django.utils import translation

    from tickets.web.forms import ResolveForm

    with translation.override("en"):
        assert str(ResolveForm().fields["files"].help_text).startswith("Up to 5 files")
    with translation.override("zh-hans"):
        assert not str(ResolveForm().fields["files"].help_text).startswith("Up to")


def test_leader_cannot_post_an_action(as_user, leader, in_progress_ticket):
    as_user(leader).post(action_url(in_progress_ticket, "resolve"), {"result": "领导直接办结", "outcome": "solved"})
    in_progress_ticket.refresh_from_db()
    assert in_progress_ticket.status == Status.IN_PROGRESS


# --- the loop through the pages ---------------------------------------------------------------


def test_whole_loop_through_pages(client, company_user, dispatcher, department_user, department, category):
    client.force_login(company_user)
    response = client.post(
        reverse("ticket_new"),
        {"category": category.pk, "title": "用电增容申请", "description": "需要增容到2000千伏安", "priority": "normal"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    client.force_login(dispatcher)
    client.post(action_url(ticket, "assign"), {"department": department.pk, "due_date": "", "note": ""})
    client.force_login(department_user)
    client.post(action_url(ticket, "sign"))
    client.post(action_url(ticket, "resolve"), {"result": "已完成增容", "outcome": "solved"})
    client.force_login(company_user)
    client.post(action_url(ticket, "confirm"), {"rating": "satisfied", "comment": "很快"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert list(ticket.events.values_list("kind", flat=True)) == ["submitted", "assign", "sign", "resolve", "confirm"]


def test_refused_action_shows_message_and_changes_nothing(as_user, department_user, assigned_ticket):
    body = {"result": "未签收就办结", "outcome": "solved"}
    response = as_user(department_user).post(action_url(assigned_ticket, "resolve"), body, follow=True)
    assigned_ticket.refresh_from_db()
    assert assigned_ticket.status == Status.ASSIGNED
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and shown[0]


def test_unknown_action_is_404(as_user, dispatcher, ticket):
    assert as_user(dispatcher).post(action_url(ticket, "explode")).status_code == 404


def test_empty_return_reason_shows_error_and_changes_nothing(as_user, department_user, assigned_ticket):
    events = TicketEvent.objects.count()
    response = as_user(department_user).post(action_url(assigned_ticket, "return_to_dispatch"), {"reason": ""})
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["action"].name == "return_to_dispatch")
    assert panel["form"].errors["reason"]
    assigned_ticket.refresh_from_db()
    assert assigned_ticket.status == Status.ASSIGNED
    assert TicketEvent.objects.count() == events


# --- the submit form refuses bad input and saves nothing ------------------------------------


def _post_submit(client, category, **overrides):
    data = {"category": category.pk, "title": "融资难", "description": "需要贷款支持", "priority": "normal"}
    data.update(overrides)
    return client.post(reverse("ticket_new"), data)


def test_empty_submit_shows_errors_and_saves_nothing(as_user, company_user, category):
    response = as_user(company_user).post(reverse("ticket_new"), {})
    assert response.status_code == 200
    form = response.context["form"]
    assert {"category", "title", "description"} <= set(form.errors)
    assert Ticket.objects.count() == 0


def test_too_long_title_is_refused(as_user, company_user, category):
    response = _post_submit(as_user(company_user), category, title="长" * 101)
    assert "title" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_too_long_description_is_refused(as_user, company_user, category):
    response = _post_submit(as_user(company_user), category, description="字" * 5001)
    assert "description" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_disallowed_file_type_is_refused_and_nothing_saved(as_user, company_user, category):
    bad = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")
    response = _post_submit(as_user(company_user), category, files=[bad])
    errors = response.context["form"].errors["files"]
    assert "virus.exe" in errors[0]
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_too_large_file_is_refused_and_nothing_saved(as_user, company_user, category, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", b"x" * 2048, content_type="application/pdf")
    response = _post_submit(as_user(company_user), category, files=[big])
    assert "scan.pdf" in response.context["form"].errors["files"][0]
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_good_file_is_kept_with_the_ticket(as_user, company_user, category):
    good = SimpleUploadedFile("说明.pdf", b"%PDF-1.4", content_type="application/pdf")
    _post_submit(as_user(company_user), category, files=[good])
    assert Ticket.objects.get().attachments.get().original_name == "说明.pdf"


def test_company_cannot_submit_for_another_company_via_form(as_user, company_user, category, other_enterprise):
    _post_submit(as_user(company_user), category, enterprise=other_enterprise.pk)
    assert Ticket.objects.get().enterprise_id == company_user.enterprise_id


def test_department_cannot_open_submit_form(as_user, department_user):
    assert as_user(department_user).get(reverse("ticket_new")).status_code == 403


# --- query counts do not grow with the data -----------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        ("dispatcher", "ticket_list"),
        ("dispatcher", "dispatch_queue"),
        ("department_user", "department_inbox"),
        ("supervisor", "supervision_board"),
        ("company_user", "ticket_list"),
        ("dispatcher", "enterprise_list"),
    ],
)
def test_list_page_queries_do_not_grow(request, as_user, role, url_name, submit, dispatcher, department):
    client = as_user(request.getfixturevalue(role))

    def add(n):
        for _ in range(n):
            t = submit()
            services.ticket_assign(ticket=t, by=dispatcher, department=department)
        # a few still waiting for dispatch
        submit()

    add(2)
    few = _queries(client, reverse(url_name))
    add(12)
    many = _queries(client, reverse(url_name))
    assert many == few


def test_detail_and_case_file_queries_do_not_grow(as_user, dispatcher, submit, enterprise, company_user):
    client = as_user(dispatcher)
    ticket = submit()
    for n in range(3):
        services.ticket_comment(ticket=ticket, by=company_user, text=f"补充{n}")
    few = (_queries(client, detail_url(ticket)), _queries(client, reverse("enterprise_case_file", args=[enterprise.pk])))
    for n in range(10):
        services.ticket_comment(ticket=ticket, by=company_user, text=f"再补充{n}", files=[SimpleUploadedFile(f"{n}.txt", b"x")])
        submit()
    many = (_queries(client, detail_url(ticket)), _queries(client, reverse("enterprise_case_file", args=[enterprise.pk])))
    assert many == few


def test_supervision_board_lists_red_cards_before_yellow(as_user, supervisor, submit, dispatcher, department):
    yellow, red = submit(title="黄牌"), submit(title="红牌")
    for t, level in ((yellow, "yellow"), (red, "red")):
        services.ticket_assign(ticket=t, by=dispatcher, department=department)
        services.ticket_raise_supervision(ticket=t, by=supervisor, level=level, notice="请加快办理")
    response = as_user(supervisor).get(reverse("supervision_board"))
    supervised = dict((key, rows) for key, _label, rows in response.context["sections"])["supervised"]
    assert [t.reference for t in supervised] == [red.reference, yellow.reference]


# --- long lists are paged without counting them ---------------------------------------------


@pytest.fixture
def many_department_tickets(submit, dispatcher, department):
    """PAGE_SIZE + 2 tickets held by the department, newest last."""
    from tickets.web.pagination import PAGE_SIZE

    tickets = []
    for n in range(PAGE_SIZE + 2):
        t = submit(title=f"分页诉求{n:02d}")
        services.ticket_assign(ticket=t, by=dispatcher, department=department)
        tickets.append(t)
    return tickets


def _ticket_counts(ctx):
    # The header's unread count counts notifications (it checks each one's ticket is visible).
    return [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"].upper()
        and "tickets_ticket" in q["sql"]
        and 'FROM "tickets_notification"' not in q["sql"].split(" WHERE ")[0]
    ]


@pytest.mark.parametrize("url_name", ["ticket_list", "department_inbox"])
def test_long_list_pages_next_and_previous_without_a_total(as_user, department_user, many_department_tickets, url_name):
    client = as_user(department_user)
    with CaptureQueriesContext(connection) as ctx:
        first = client.get(reverse(url_name))
    # No COUNT(*) over every visible ticket: the list's total counts a LIMITed subquery only.
    assert [q for q in _ticket_counts(ctx) if not q.endswith(") subquery") or " LIMIT " not in q] == []
    page = first.context["page"]
    assert (page.number, len(page.object_list), page.has_next(), page.has_previous()) == (1, 25, True, False)
    body = first.content.decode()
    assert "page=2" in body and "第 1 页，共" not in body
    second = client.get(reverse(url_name), {"page": 2}).context["page"]
    assert (second.number, len(second.object_list), second.has_next(), second.has_previous()) == (2, 2, False, True)
    shown = {t.reference for t in page.object_list} | {t.reference for t in second.object_list}
    assert shown == {t.reference for t in many_department_tickets}


def test_list_page_past_the_end_or_invalid_shows_the_first_page(as_user, department_user, many_department_tickets):
    client = as_user(department_user)
    for value in ("999999", "abc", "-3"):
        page = client.get(reverse("ticket_list"), {"page": value}).context["page"]
        assert page.number == 1 and len(page.object_list) == 25


def test_list_offers_at_most_the_bounded_number_of_pages(as_user, department_user, many_department_tickets, monkeypatch):
    from tickets.web import pagination as views

    monkeypatch.setattr(views, "BOUNDED_MAX_PAGES", 1)
    response = as_user(department_user).get(reverse("ticket_list"), {"page": 5})
    page = response.context["page"]
    assert (page.number, page.capped, page.has_next()) == (1, True, False)
    assert "仅显示前 25 条" in response.content.decode()


def test_list_pagination_keeps_the_filters(as_user, dispatcher, many_department_tickets):
    body = as_user(dispatcher).get(reverse("ticket_list"), {"status": "assigned"}).content.decode()
    assert "status=assigned&amp;page=2" in body or "status=assigned&page=2" in body


def test_too_many_files_are_refused_on_the_form(as_user, company_user, category, settings):
    files = [SimpleUploadedFile(f"{n}.pdf", b"%PDF", content_type="application/pdf") for n in range(settings.ATTACHMENT_MAX_FILES + 1)]
    response = _post_submit(as_user(company_user), category, files=files)
    assert response.context["form"].errors["files"]
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_company_list_counts_only_the_tickets_the_viewer_may_see(as_user, department_user, assigned_ticket, submit, enterprise):
    submit(title="还没交办的诉求")  # same company, not this department's
    companies = as_user(department_user).get(reverse("enterprise_list")).context["page"].object_list
    row = next(e for e in companies if e.pk == enterprise.pk)
    assert (row.ticket_count, row.has_open) == (1, True)
