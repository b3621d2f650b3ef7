"""Ticket pages: what each reader is shown of other tickets, the timeline's wording, the list's columns
and filters (defects found by the review of issue 12)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import services
from tickets.models import EventKind, ExtensionRequest

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def other_companys_ticket(submit, other_company_user):
    return submit(by=other_company_user, enterprise=other_company_user.enterprise, title="另一家企业的用电问题")


@pytest.fixture
def duplicate_of_another_company(submit, dispatcher, other_companys_ticket):
    ticket = submit(title="用电增容迟迟未批")
    return services.ticket_reject(ticket=ticket, by=dispatcher, reason="重复提交", duplicate_of=other_companys_ticket)


def test_a_company_is_not_shown_the_reference_of_another_companys_ticket_it_duplicates(
    client, company_user, duplicate_of_another_company, other_companys_ticket
):
    html = page(client, company_user, reverse("ticket_detail", args=[duplicate_of_another_company.reference]))
    assert other_companys_ticket.reference not in html
    assert "It repeats a problem that is already being handled." in html or "该问题与已在办理的诉求重复" in html


def test_dispatch_is_shown_the_reference_of_the_ticket_a_rejected_one_duplicates(
    client, dispatcher, duplicate_of_another_company, other_companys_ticket
):
    html = page(client, dispatcher, reverse("ticket_detail", args=[duplicate_of_another_company.reference]))
    assert reverse("ticket_detail", args=[other_companys_ticket.reference]) in html
    assert html.count(other_companys_ticket.reference) >= 2  # the link and the timeline entry


def test_a_company_is_shown_the_reference_of_its_own_earlier_ticket_it_duplicates(client, company_user, submit, dispatcher):
    earlier = submit(title="第一次提交")
    again = services.ticket_reject(ticket=submit(title="第二次提交"), by=dispatcher, reason="重复提交", duplicate_of=earlier)
    html = page(client, company_user, reverse("ticket_detail", args=[again.reference]))
    assert reverse("ticket_detail", args=[earlier.reference]) in html


@pytest.fixture
def refused_extension(in_progress_ticket, department_user, dispatcher):
    due = in_progress_ticket.due_date
    request = services.extension_request(
        ticket=in_progress_ticket, by=department_user, requested_due_date=due + datetime.timedelta(days=20), reason="需要协调省级部门"
    )
    services.extension_decide(request=request, by=dispatcher, approve=False, note="期限内可以完成")
    return ExtensionRequest.objects.get(pk=request.pk)


def _timeline_entry(html, kind):
    start = html.index(f"ev-{kind}")
    return html[start : html.index("</li>", start)]


def test_a_refused_extension_shows_no_due_date_change(client, dispatcher, refused_extension):
    html = page(client, dispatcher, reverse("ticket_detail", args=[refused_extension.ticket.reference]))
    entry = _timeline_entry(html, EventKind.EXTENSION_REFUSED)
    old, asked = refused_extension.current_due_date.isoformat(), refused_extension.requested_due_date.isoformat()
    assert "→" not in entry
    assert asked in entry and old in entry  # what was asked, and the due date that stays


def test_an_approved_extension_shows_the_due_date_change(client, dispatcher, in_progress_ticket, department_user):
    due = in_progress_ticket.due_date
    new_due = due + datetime.timedelta(days=10)
    request = services.extension_request(ticket=in_progress_ticket, by=department_user, requested_due_date=new_due, reason="需要协调")
    services.extension_decide(request=request, by=dispatcher, approve=True)
    html = page(client, dispatcher, reverse("ticket_detail", args=[in_progress_ticket.reference]))
    assert f"{due.isoformat()} → {new_due.isoformat()}" in _timeline_entry(html, EventKind.EXTENSION_APPROVED)


def test_an_extension_request_is_shown_as_a_request_not_a_change(client, dispatcher, in_progress_ticket, department_user):
    due = in_progress_ticket.due_date
    services.extension_request(
        ticket=in_progress_ticket, by=department_user, requested_due_date=due + datetime.timedelta(days=5), reason="需要协调"
    )
    html = page(client, dispatcher, reverse("ticket_detail", args=[in_progress_ticket.reference]))
    assert "→" not in _timeline_entry(html, EventKind.EXTENSION_REQUESTED)


def test_a_department_users_list_offers_no_filter_by_department(client, department_user, assigned_ticket, other_department):
    html = page(client, department_user, reverse("ticket_list"))
    assert 'name="department"' not in html
    assert other_department.name not in html


def test_a_liaisons_list_offers_the_filter_by_department(client, liaison, assigned_ticket, department):
    html = page(client, liaison, reverse("ticket_list"))
    assert 'name="department"' in html


def test_a_companys_own_list_has_no_company_column(client, company_user, ticket):
    html = page(client, company_user, reverse("ticket_list"))
    assert ticket.reference in html
    assert company_user.enterprise.name not in html


def test_dispatchs_list_shows_the_company_of_each_ticket(client, dispatcher, ticket):
    html = page(client, dispatcher, reverse("ticket_list"))
    assert ticket.enterprise.name in html


def test_the_due_date_is_marked_overdue_only_while_a_department_holds_the_ticket(client, dispatcher, in_progress_ticket):
    from tickets.models import Ticket

    Ticket.objects.filter(pk=in_progress_ticket.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    html = page(client, dispatcher, reverse("ticket_list"))
    assert 'class="overdue"' in html


def test_a_reopened_then_unanswered_ticket_shows_its_latest_rating_and_how_it_closed(
    client, dispatcher, company_user, department_user, resolved_ticket
):
    services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="仍未解决")
    services.ticket_resolve(outcome="solved", ticket=resolved_ticket, by=department_user, result="再次办结")
    services.ticket_auto_close(ticket=resolved_ticket)
    client.force_login(dispatcher)
    html = client.get(reverse("ticket_detail", args=[resolved_ticket.reference]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "rt-dissatisfied" in html and "rt-no_answer" not in html
    assert "Closed automatically: the company did not answer" in html or "企业逾期未评价" in html
