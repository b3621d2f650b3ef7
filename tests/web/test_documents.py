"""The printed documents of a ticket (tickets.web.documents): the assignment slip (交办单) and the
supervision notice (督办单) — what they say, who may print them, and the 404 of a document a
ticket does not have."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import AccessLog

from ..factories import returned_to_dispatch
from .test_content_security import directives

pytestmark = pytest.mark.django_db


def slip_url(ticket):
    return reverse("assignment_slip", args=[ticket.reference])


def notice_url(ticket):
    return reverse("supervision_notice", args=[ticket.reference])


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.fixture
def instructed_ticket(ticket, dispatcher, department, department_user, co_department_user):
    """Assigned to 市发改委 with 审批局 co-handling, and the dispatcher's instruction."""
    return services.ticket_assign(
        ticket=ticket,
        by=dispatcher,
        department=department,
        co_departments=[co_department_user.department],
        note="请会同审批局三日内答复企业",
    )


@pytest.fixture
def supervised_ticket(in_progress_ticket, supervisor):
    return services.ticket_raise_supervision(ticket=in_progress_ticket, by=supervisor, level="red", notice="请于本周内办结并书面报告")


# --- the assignment slip ------------------------------------------------------------------------


def test_the_slip_shows_the_ticket_company_departments_due_dates_and_instruction(client, dispatcher, instructed_ticket):
    t = instructed_ticket
    lead, co = sorted(t.assignments.all(), key=lambda a: a.role != "lead")
    html = get(client, dispatcher, slip_url(t)).content.decode()
    for shown in (
        "交办单", t.reference, t.title, t.description, t.enterprise.name, t.enterprise.credit_code, "市发改委", co.department.name,
        "请会同审批局三日内答复企业", str(dispatcher),
        lead.response_due_date.isoformat(), lead.contact_due_date.isoformat(), lead.due_date.isoformat(), co.due_date.isoformat(),
        "交办单位（盖章）", "主办单位签收（盖章）",
    ):  # fmt: skip
        assert shown in html, shown


def test_the_slip_shows_the_contact_in_full_to_dispatch(client, dispatcher, instructed_ticket):
    html = get(client, dispatcher, slip_url(instructed_ticket)).content.decode()
    assert "张经理 0356-1234567" in html


def test_the_slip_masks_the_contact_for_leadership(client, leader, instructed_ticket):
    html = get(client, leader, slip_url(instructed_ticket)).content.decode()
    assert "0356-1234567" not in html and "张经理" not in html
    assert "张*" in html


def test_the_slip_of_a_ticket_assigned_again_names_the_new_lead(client, dispatcher, assigned_ticket, department_user, other_department):
    returned = returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不归我局", dispatcher=dispatcher)
    services.ticket_assign(ticket=returned, by=dispatcher, department=other_department, note="改由人社局办理")
    html = get(client, dispatcher, slip_url(assigned_ticket)).content.decode()
    assert "市人社局" in html and "改由人社局办理" in html
    assert "市发改委" not in html


def test_a_ticket_not_yet_assigned_has_no_slip(client, dispatcher, ticket):
    response = get(client, dispatcher, slip_url(ticket))
    assert response.status_code == 404


def test_a_department_that_never_had_the_ticket_gets_the_ticket_pages_answer(client, other_department_user, assigned_ticket):
    client.force_login(other_department_user)
    assert client.get(reverse("ticket_detail", args=[assigned_ticket.reference])).status_code == 404
    assert client.get(slip_url(assigned_ticket)).status_code == 404


def test_an_unknown_reference_has_no_slip(client, dispatcher, db):
    assert get(client, dispatcher, reverse("assignment_slip", args=["QY-2099-999999"])).status_code == 404


@pytest.mark.parametrize("role", ["company_user", "liaison"])
def test_the_companys_side_may_not_print_the_slip(request, client, role, assigned_ticket):
    response = get(client, request.getfixturevalue(role), slip_url(assigned_ticket))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["department_user", "co_department_user", "supervisor", "leader"])
def test_the_government_side_prints_the_slip(request, client, role, instructed_ticket):
    assert get(client, request.getfixturevalue(role), slip_url(instructed_ticket)).status_code == 200


def test_printing_the_slip_is_in_the_access_log(client, dispatcher, assigned_ticket):
    get(client, dispatcher, slip_url(assigned_ticket))
    assert AccessLog.objects.filter(user=dispatcher, ticket_id=assigned_ticket.pk, detail="assignment slip").exists()


def test_the_slip_is_read_in_a_bounded_number_of_queries(client, dispatcher, instructed_ticket, django_assert_max_num_queries):
    client.force_login(dispatcher)
    with django_assert_max_num_queries(10):
        assert client.get(slip_url(instructed_ticket)).status_code == 200


# --- the supervision notice ---------------------------------------------------------------------


def test_the_notice_shows_the_level_text_department_due_date_and_issuer(client, dispatcher, supervised_ticket, supervisor):
    t = supervised_ticket
    html = get(client, dispatcher, notice_url(t)).content.decode()
    for shown in (
        "督办单",
        t.reference,
        t.title,
        "市发改委",
        "红牌督办",
        "请于本周内办结并书面报告",
        t.due_date.isoformat(),
        str(supervisor),
        "承办单位回复",
    ):
        assert shown in html, shown


def test_a_notice_raised_by_the_sweep_names_the_system(client, dispatcher, in_progress_ticket):
    from tickets.services.supervision import _raise_supervision

    _raise_supervision(in_progress_ticket, by=None, level="yellow", notice="已超过办理期限")
    html = get(client, dispatcher, notice_url(in_progress_ticket)).content.decode()
    assert "系统（超期自动督办）" in html and "黄牌督办" in html and "已超过办理期限" in html


def test_a_ticket_never_supervised_has_no_notice(client, dispatcher, in_progress_ticket):
    assert get(client, dispatcher, notice_url(in_progress_ticket)).status_code == 404


def test_a_company_that_may_not_see_the_ticket_gets_the_ticket_pages_answer_for_its_notice(client, other_company_user, supervised_ticket):
    client.force_login(other_company_user)
    assert client.get(reverse("ticket_detail", args=[supervised_ticket.reference])).status_code == 404
    assert client.get(notice_url(supervised_ticket)).status_code == 404


def test_the_company_may_not_print_the_notice(client, company_user, supervised_ticket):
    assert get(client, company_user, notice_url(supervised_ticket)).status_code == 403


def test_the_notice_is_read_in_a_bounded_number_of_queries(client, dispatcher, supervised_ticket, django_assert_max_num_queries):
    client.force_login(dispatcher)
    with django_assert_max_num_queries(10):
        assert client.get(notice_url(supervised_ticket)).status_code == 200


# --- the pages themselves -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [slip_url, notice_url])
def test_a_document_is_an_a4_page_under_the_print_policy_without_the_sites_navigation(client, dispatcher, supervised_ticket, url):
    response = get(client, dispatcher, url(supervised_ticket))
    html = response.content.decode()
    assert "size: A4" in html and "@media print" in html
    assert "<script" not in html and 'class="topbar"' not in html
    assert directives(response["Content-Security-Policy"])["default-src"] == ["'none'"]


# --- the links on the ticket page ---------------------------------------------------------------


def test_the_ticket_page_links_both_documents_when_the_ticket_has_them(client, dispatcher, supervised_ticket):
    html = get(client, dispatcher, reverse("ticket_detail", args=[supervised_ticket.reference])).content.decode()
    assert slip_url(supervised_ticket) in html and notice_url(supervised_ticket) in html
    assert "打印交办单" in html and "打印督办单" in html


def test_the_ticket_page_links_no_slip_before_the_ticket_is_assigned(client, dispatcher, ticket):
    html = get(client, dispatcher, reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert slip_url(ticket) not in html and notice_url(ticket) not in html


def test_the_ticket_page_links_no_notice_on_a_ticket_never_supervised(client, department_user, in_progress_ticket):
    html = get(client, department_user, reverse("ticket_detail", args=[in_progress_ticket.reference])).content.decode()
    assert slip_url(in_progress_ticket) in html and notice_url(in_progress_ticket) not in html


def test_the_ticket_page_offers_the_company_no_document(client, company_user, supervised_ticket):
    html = get(client, company_user, reverse("ticket_detail", args=[supervised_ticket.reference])).content.decode()
    assert slip_url(supervised_ticket) not in html and notice_url(supervised_ticket) not in html
