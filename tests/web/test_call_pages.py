"""Follow-up calls on the ticket page and the callers' verification list (DESIGN.md §9), through
the pages and the API, for every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import ROLE_FIXTURES, api_as
from tickets import services
from tickets.models import Ticket, TicketEvent, VerificationCall

CALLERS = {"dispatcher", "supervisor", "admin", "callback"}
# Who sees a resolved ticket of 市发改委 (no co-handler).
SEES = {
    "company": True, "other_company": False, "liaison": True, "other_liaison": False, "dispatcher": True,
    "department": True, "other_department": False, "co_department": False, "supervisor": True, "leader": True, "admin": True,
    "callback": True,
}  # fmt: skip


def text(response):
    return response.content.decode()


def detail_url(ticket):
    return reverse("ticket_detail", args=[ticket.reference])


def call_url(ticket):
    return reverse("ticket_action", args=[ticket.reference, "record_call"])


def list_url(month=None):
    return reverse("verification_list") + (f"?month={month:%Y-%m}" if month else "")


@pytest.fixture
def drawn(closed_ticket):
    return VerificationCall.objects.create(ticket=closed_ticket, month=timezone.localdate().replace(day=1))


def test_the_tables_cover_every_role():
    assert set(SEES) == set(ROLE_FIXTURES) and CALLERS <= set(ROLE_FIXTURES)


# --- the call on the ticket page -------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_may_record_a_call_on_the_page_only_as_the_rules_say(request, client, role, resolved_ticket):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    events = TicketEvent.objects.count()
    response = client.post(call_url(resolved_ticket), {"said": "王经理：满意", "decision": "confirm", "rating": "satisfied"})
    if not SEES[role]:
        assert response.status_code == 404 and TicketEvent.objects.count() == events
    elif role in CALLERS:
        assert response.status_code == 302 and Ticket.objects.get(pk=resolved_ticket.pk).status == "closed"
    else:
        assert response.status_code == 302 and TicketEvent.objects.count() == events
        assert call_url(resolved_ticket) not in text(client.get(detail_url(resolved_ticket)))


def test_the_timeline_shows_who_called_and_what_the_company_said(client, callback_user, company_user, resolved_ticket):
    said = "王经理说：贷款已到账"
    services.ticket_record_call(ticket=resolved_ticket, by=callback_user, said=said, decision="confirm", rating="satisfied")
    client.force_login(company_user)
    page = text(client.get(detail_url(resolved_ticket)))
    assert "电话回访，回访人回访中心 回访员" in page and said in page


def test_a_call_without_what_the_company_said_shows_the_error_and_saves_nothing(client, callback_user, resolved_ticket):
    client.force_login(callback_user)
    response = client.post(call_url(resolved_ticket), {"said": "", "decision": "confirm", "rating": "satisfied"})
    assert response.status_code == 400 and "必填" in text(response)
    assert Ticket.objects.get(pk=resolved_ticket.pk).status == "resolved"


@pytest.mark.parametrize("rating", ["", "dissatisfied", "excellent"])
def test_a_confirming_call_with_a_rating_not_allowed_shows_the_error(client, callback_user, resolved_ticket, rating):
    client.force_login(callback_user)
    response = client.post(call_url(resolved_ticket), {"said": "满意", "decision": "confirm", "rating": rating})
    assert response.status_code == 400 and "满意" in text(response)
    assert Ticket.objects.get(pk=resolved_ticket.pk).status == "resolved"


def test_the_call_form_is_not_offered_on_a_ticket_in_progress(client, callback_user, in_progress_ticket):
    client.force_login(callback_user)
    assert call_url(in_progress_ticket) not in text(client.get(detail_url(in_progress_ticket)))
    response = client.post(call_url(in_progress_ticket), {"said": "电话", "decision": "reopen"})
    assert response.status_code == 302 and Ticket.objects.get(pk=in_progress_ticket.pk).status == "in_progress"


def test_a_caller_adds_no_note_it_only_reads(client, callback_user, in_progress_ticket):
    client.force_login(callback_user)
    page = text(client.get(detail_url(in_progress_ticket)))
    assert reverse("ticket_action", args=[in_progress_ticket.reference, "comment"]) not in page


def test_a_caller_lands_on_the_verification_list(client, callback_user):
    client.force_login(callback_user)
    assert client.get(reverse("home"))["Location"] == reverse("verification_list")


# --- the verification list -----------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_the_verification_list_only_if_it_calls(request, client, role, drawn):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(list_url())
    assert response.status_code == (200 if role in CALLERS else 403)
    if role in CALLERS:
        assert drawn.ticket.reference in text(response)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_may_answer_a_verification_call_only_if_it_calls(request, client, role, drawn):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.post(reverse("verification_record", args=[drawn.pk]), {"answer": "confirmed", "said": "确认"})
    state = VerificationCall.objects.get(pk=drawn.pk).state
    assert (response.status_code, state) == ((302, "confirmed") if role in CALLERS else (403, "pending"))


def test_the_list_shows_pending_calls_first_and_the_menu_counts_them(client, callback_user, drawn, submit, dispatcher, department,
                                                                     department_user, company_user):  # fmt: skip
    other = services.ticket_assign(ticket=submit(title="第二件"), by=dispatcher, department=department)
    services.ticket_sign(ticket=other, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=other, by=department_user, result="已办结")
    services.ticket_confirm(ticket=other, by=company_user, rating="satisfied")
    done = VerificationCall.objects.create(ticket=other, month=drawn.month)
    services.verification_record(call=done, by=callback_user, confirmed=True, said="确认")
    client.force_login(callback_user)
    page = text(client.get(list_url(drawn.month)))
    assert page.index(f"call-{drawn.pk}") < page.index(f"call-{done.pk}")
    assert '回访核实 <span class="count">1</span>' in page


def test_the_list_filters_by_month(client, callback_user, drawn):
    client.force_login(callback_user)
    other_month = drawn.month.replace(year=drawn.month.year - 1)
    assert drawn.ticket.reference not in text(client.get(list_url(other_month)))
    assert client.get(reverse("verification_list") + "?month=2026-13").status_code == 400


def test_company_disagrees_on_the_list_reopens_the_ticket(client, callback_user, drawn):
    client.force_login(callback_user)
    response = client.post(reverse("verification_record", args=[drawn.pk]), {"answer": "disagreed", "said": "问题没有解决"})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=drawn.ticket_id).status == "in_progress"


def test_an_answer_without_what_the_company_said_shows_the_error_and_saves_nothing(client, callback_user, drawn):
    client.force_login(callback_user)
    response = client.post(reverse("verification_record", args=[drawn.pk]), {"answer": "disagreed", "said": " "})
    assert response.status_code == 400 and "必填" in text(response)
    assert VerificationCall.objects.get(pk=drawn.pk).state == "pending" and Ticket.objects.get(pk=drawn.ticket_id).status == "closed"


def test_answering_twice_on_the_page_says_who_recorded_it(client, callback_user, dispatcher, drawn):
    services.verification_record(call=drawn, by=dispatcher, confirmed=True, said="确认")
    client.force_login(callback_user)
    response = client.post(reverse("verification_record", args=[drawn.pk]), {"answer": "disagreed", "said": "不认可"}, follow=True)
    assert "该回访核实已由营商办 交办员" in text(response)
    assert Ticket.objects.get(pk=drawn.ticket_id).status == "closed"


def test_the_list_costs_the_same_queries_however_many_calls(client, callback_user, drawn, submit, dispatcher, department):
    def queries():
        client.force_login(callback_user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(list_url(drawn.month)).status_code == 200
        return len(ctx)

    first = queries()
    for _ in range(3):
        VerificationCall.objects.create(ticket=submit(), month=drawn.month)
    assert queries() == first


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_may_record_a_call_through_the_api_only_as_the_rules_say(request, role, resolved_ticket):
    client = api_as(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.post(f"/api/tickets/{resolved_ticket.reference}/calls/", {"said": "不满意", "decision": "reopen"}, format="json")
    if not SEES[role]:
        assert response.status_code == 404
    elif role in CALLERS:
        assert response.status_code == 200 and response.json()["status"] == "in_progress"
    else:
        assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"


def test_a_call_through_the_api_without_what_the_company_said_is_refused(callback_user, resolved_ticket):
    response = api_as(callback_user).post(f"/api/tickets/{resolved_ticket.reference}/calls/", {"decision": "reopen"}, format="json")
    assert response.status_code == 400 and "said" in response.json()["errors"]


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_reads_and_answers_verification_calls_through_the_api_only_if_it_calls(request, role, drawn):
    client = api_as(request.getfixturevalue(ROLE_FIXTURES[role]))
    listed = client.get("/api/verification-calls/")
    answered = client.post(f"/api/verification-calls/{drawn.pk}/answer/", {"answer": "confirmed", "said": "确认"}, format="json")
    if role in CALLERS:
        assert listed.status_code == 200 and [row["ticket"] for row in listed.json()] == [drawn.ticket.reference]
        assert answered.status_code == 200 and answered.json()["state"] == "confirmed"
    else:
        assert (listed.status_code, answered.status_code) == (403, 403)
        assert VerificationCall.objects.get(pk=drawn.pk).state == "pending"


def test_answering_twice_through_the_api_is_a_conflict(callback_user, drawn):
    client = api_as(callback_user)
    client.post(f"/api/verification-calls/{drawn.pk}/answer/", {"answer": "confirmed", "said": "确认"}, format="json")
    response = client.post(f"/api/verification-calls/{drawn.pk}/answer/", {"answer": "disagreed", "said": "不认可"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
