"""Return requests on the pages (退单审核, DESIGN.md §9): the department's request, the dispatch
queue's section and the menu's count, the ruling, the ticket page's history, and every role's
access to each page and action (404 for a ticket out of sight)."""

import html as html_text

import pytest
from django.urls import reverse

from tests.conftest import ROLE_FIXTURES, at, day
from tickets import services
from tickets.models import ReturnRequest, Ticket

pytestmark = pytest.mark.django_db

SEE_THE_TICKET = {"company", "liaison", "dispatcher", "department", "co_department", "supervisor", "leader", "admin", "callback"}
RULE = {"dispatcher", "admin"}


def page_of(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, html_text.unescape(response.content.decode())


def detail_url(ticket):
    return reverse("ticket_detail", args=[ticket.reference])


@pytest.fixture
def asked(co_handled_ticket, department_user, other_department):
    return services.return_request_file(
        ticket=co_handled_ticket, by=department_user, reason="应由市人社局办理", suggested_department=other_department
    )


# --- the department asks ----------------------------------------------------------------------


def test_the_department_files_a_return_request_from_the_ticket_page(client, assigned_ticket, department_user, other_department):
    client.force_login(department_user)
    response = client.post(
        reverse("ticket_action", args=[assigned_ticket.reference, "return_to_dispatch"]),
        {"reason": "应由市人社局办理", "suggested_department": other_department.pk},
    )
    assert response.status_code == 302
    request = ReturnRequest.objects.get()
    assert (request.state, request.suggested_department) == ("pending", other_department)
    assert Ticket.objects.get(pk=assigned_ticket.pk).status == "assigned"


def test_the_return_form_says_until_when_a_return_may_be_asked(client, submit, dispatcher, department, department_user):
    ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
    until = services.return_window_end(ticket.assignments.get())
    _response, page = page_of(client, department_user, detail_url(ticket))
    assert until.isoformat() in page


def test_a_request_after_the_window_shows_until_when_it_was_possible(client, submit, dispatcher, department, department_user):
    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    client.force_login(department_user)
    response = client.post(reverse("ticket_action", args=[ticket.reference, "return_to_dispatch"]), {"reason": "不归我局"}, follow=True)
    assert "2026-03-04" in html_text.unescape(response.content.decode())
    assert not ReturnRequest.objects.exists()


def test_a_request_without_a_reason_shows_the_form_again(client, assigned_ticket, department_user):
    client.force_login(department_user)
    response = client.post(reverse("ticket_action", args=[assigned_ticket.reference, "return_to_dispatch"]), {"reason": ""})
    assert response.status_code == 400
    assert not ReturnRequest.objects.exists()


def test_suggesting_an_inactive_department_is_refused_on_the_form(client, assigned_ticket, department_user):
    from tests.factories import DepartmentFactory

    closed_down = DepartmentFactory(name="已撤销的局", is_active=False)
    client.force_login(department_user)
    response = client.post(
        reverse("ticket_action", args=[assigned_ticket.reference, "return_to_dispatch"]),
        {"reason": "不归我局", "suggested_department": closed_down.pk},
    )
    assert response.status_code == 400 and "已撤销的局" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_the_co_handler_asks_to_be_released_from_the_ticket_page(client, co_handled_ticket, co_department_user):
    client.force_login(co_department_user)
    client.post(reverse("ticket_action", args=[co_handled_ticket.reference, "request_release"]), {"reason": "不涉及审批"})
    assert ReturnRequest.objects.get().assignment.role == "co"


# --- dispatch sees and rules ------------------------------------------------------------------


def test_the_dispatch_queue_shows_pending_requests_at_the_top(client, asked, dispatcher):
    _response, page = page_of(client, dispatcher, reverse("dispatch_queue"))
    section = page.index('id="return-requests"')
    assert section < page.index('class="tickets"')
    assert "应由市人社局办理" in page and asked.ticket.reference in page


def test_the_menu_counts_the_pending_requests_for_dispatch(client, asked, dispatcher):
    response, _page = page_of(client, dispatcher, reverse("ticket_list"))
    assert response.context["pending_returns"]() == 1
    assert '<span class="count" title=' in response.content.decode()


def test_the_ticket_page_shows_the_pending_request(client, asked, department_user):
    _response, page = page_of(client, department_user, detail_url(asked.ticket))
    assert 'id="return-requests"' in page and "应由市人社局办理" in page


def test_overruling_from_the_page_keeps_the_ticket_and_shows_the_ruling(client, asked, dispatcher, department_user):
    client.force_login(dispatcher)
    client.post(reverse("return_decide", args=[asked.pk]), {"decision": "overruled", "reason": "属于贵局职责"})
    asked.refresh_from_db()
    assert asked.state == "overruled"
    _response, page = page_of(client, department_user, detail_url(asked.ticket))
    assert "属于贵局职责" in page


def test_overruling_without_a_reason_on_the_page_is_refused(client, asked, dispatcher):
    client.force_login(dispatcher)
    response = client.post(reverse("return_decide", args=[asked.pk]), {"decision": "overruled", "reason": ""}, follow=True)
    asked.refresh_from_db()
    assert asked.state == "pending"
    assert response.status_code == 200


def test_ruling_twice_on_the_page_says_it_was_ruled_already(client, asked, dispatcher):
    client.force_login(dispatcher)
    client.post(reverse("return_decide", args=[asked.pk]), {"decision": "overruled", "reason": "请继续办理"})
    response = client.post(reverse("return_decide", args=[asked.pk]), {"decision": "upheld"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("already" in m or "已" in m for m in messages)


def test_upholding_opens_the_assign_form_with_the_suggested_department(client, asked, dispatcher, other_department):
    client.force_login(dispatcher)
    response = client.post(reverse("return_decide", args=[asked.pk]), {"decision": "upheld"})
    assert response["Location"].endswith(detail_url(asked.ticket) + "#actions")
    page = client.get(detail_url(asked.ticket))
    [assign] = [p for p in page.context["panels"] if p["action"].name == "assign"]
    assert assign["form"].initial["department"] == other_department


# --- every role -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLE_FIXTURES))
def test_every_role_ruling_on_a_request(role, client, asked, request):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.post(reverse("return_decide", args=[asked.pk]), {"decision": "overruled", "reason": "请继续办理"})
    asked.refresh_from_db()
    if role not in SEE_THE_TICKET:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
    assert asked.state == ("overruled" if role in RULE else "pending")


@pytest.mark.parametrize("role", list(ROLE_FIXTURES))
@pytest.mark.parametrize("action", ["return_to_dispatch", "request_release"])
def test_every_role_asking_to_return(role, action, client, co_handled_ticket, request):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.post(reverse("ticket_action", args=[co_handled_ticket.reference, action]), {"reason": "不归我局"})
    assert response.status_code == (404 if role not in SEE_THE_TICKET else 302)
    allowed = (action, role) in {("return_to_dispatch", "department"), ("request_release", "co_department")}
    assert ReturnRequest.objects.exists() == allowed


@pytest.mark.parametrize("role", list(ROLE_FIXTURES))
def test_every_role_and_the_dispatch_queue_section(role, client, asked, request):
    response, page = page_of(client, request.getfixturevalue(ROLE_FIXTURES[role]), reverse("dispatch_queue"))
    if role in RULE:
        assert response.status_code == 200 and 'id="return-requests"' in page
    else:
        assert response.status_code == 403


def test_the_dispatch_queue_reads_its_requests_in_bounded_queries(client, dispatcher, department_user, submit, department):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n):
        for _ in range(n):
            ticket = services.ticket_assign(ticket=submit(), by=dispatcher, department=department)
            services.return_request_file(ticket=ticket, by=department_user, reason="不归我局")
        client.force_login(dispatcher)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dispatch_queue")).status_code == 200
        return len(captured)

    assert queries(1) == queries(3)
