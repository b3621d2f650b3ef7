"""Return requests through the API (DESIGN.md §9): POST /api/tickets/{reference}/return-requests/
and POST /api/return-requests/{id}/decision/, the same rules and words as the pages."""

import pytest

from tests.conftest import ROLE_FIXTURES, api_as, at, day
from tickets import services
from tickets.models import ReturnRequest, Ticket

pytestmark = pytest.mark.django_db

SEE_THE_TICKET = {"company", "liaison", "dispatcher", "department", "co_department", "supervisor", "leader", "admin", "callback"}


def file_request(user, ticket, body=None):
    return api_as(user).post(f"/api/tickets/{ticket.reference}/return-requests/", body or {"reason": "应由市人社局办理"}, format="json")


def rule(user, request, body):
    return api_as(user).post(f"/api/return-requests/{request.pk}/decision/", body, format="json")


@pytest.fixture
def asked(co_handled_ticket, department_user):
    return services.return_request_file(ticket=co_handled_ticket, by=department_user, reason="应由市人社局办理")


def test_the_department_files_a_request(assigned_ticket, department_user, other_department):
    response = file_request(department_user, assigned_ticket, {"reason": "应由市人社局办理", "suggested_department": other_department.pk})
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["role"], body["suggested_department"]["id"]) == ("pending", "lead", other_department.pk)


def test_a_request_after_the_window_is_409_saying_until_when(submit, dispatcher, department, department_user):
    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    response = file_request(department_user, ticket)
    assert response.status_code == 409 and response.json()["code"] == "window_closed"
    assert "2026-03-04" in str(response.json())
    assert not ReturnRequest.objects.exists()


def test_a_second_request_while_pending_is_409(asked, co_handled_ticket, department_user):
    response = file_request(department_user, co_handled_ticket)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert ReturnRequest.objects.count() == 1


def test_a_request_without_a_reason_is_400(assigned_ticket, department_user):
    assert file_request(department_user, assigned_ticket, {"reason": ""}).status_code == 400
    assert not ReturnRequest.objects.exists()


def test_suggesting_your_own_department_is_400(assigned_ticket, department_user, department):
    response = file_request(department_user, assigned_ticket, {"reason": "不归我局", "suggested_department": department.pk})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_upholding_returns_the_ticket(asked, dispatcher):
    response = rule(dispatcher, asked, {"decision": "upheld"})
    assert response.status_code == 200 and response.json()["state"] == "upheld"
    assert Ticket.objects.get(pk=asked.ticket_id).status == "submitted"


def test_overruling_without_a_reason_is_400(asked, dispatcher):
    response = rule(dispatcher, asked, {"decision": "overruled"})
    assert response.status_code == 400
    asked.refresh_from_db()
    assert asked.state == "pending"


def test_ruling_twice_is_409(asked, dispatcher):
    assert rule(dispatcher, asked, {"decision": "overruled", "reason": "请继续办理"}).status_code == 200
    response = rule(dispatcher, asked, {"decision": "upheld"})
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_the_ticket_detail_lists_its_return_requests(asked, department_user):
    body = api_as(department_user).get(f"/api/tickets/{asked.ticket.reference}/").json()
    assert [r["state"] for r in body["return_requests"]] == ["pending"]


@pytest.mark.parametrize("role", list(ROLE_FIXTURES))
def test_every_role_filing_a_request(role, co_handled_ticket, request):
    response = file_request(request.getfixturevalue(ROLE_FIXTURES[role]), co_handled_ticket)
    expected = 201 if role in ("department", "co_department") else 403 if role in SEE_THE_TICKET else 404
    assert response.status_code == expected
    assert ReturnRequest.objects.exists() == (expected == 201)


@pytest.mark.parametrize("role", list(ROLE_FIXTURES))
def test_every_role_ruling(role, asked, request):
    response = rule(request.getfixturevalue(ROLE_FIXTURES[role]), asked, {"decision": "overruled", "reason": "请继续办理"})
    expected = 200 if role in ("dispatcher", "admin") else 403 if role in SEE_THE_TICKET else 404
    assert response.status_code == expected
    asked.refresh_from_db()
    assert asked.state == ("overruled" if expected == 200 else "pending")


def test_a_request_of_a_ticket_out_of_sight_is_404_not_403(asked, other_company_user):
    assert rule(other_company_user, asked, {"decision": "upheld"}).status_code == 404


def test_options_describes_the_decision_endpoint(dispatcher, asked):
    response = api_as(dispatcher).options(f"/api/return-requests/{asked.pk}/decision/")
    assert response.status_code == 200
