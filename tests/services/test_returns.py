"""Return requests (退单审核, DESIGN.md §9): a department asks, dispatch rules; every refusal.

The refusals are matched in Chinese, the site's default language.
"""

import datetime

import pytest

from tests.conftest import at, day
from tests.factories import DepartmentFactory
from tickets import rules, selectors, services, workdays
from tickets.models import Assignment, EventKind, Notification, ReturnRequest, Ticket, TicketEvent
from tickets.services import ActionRefused

pytestmark = pytest.mark.django_db


def reload(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def snapshot(ticket):
    return {
        "ticket": Ticket.objects.filter(pk=ticket.pk).values().get(),
        "events": TicketEvent.objects.filter(ticket_id=ticket.pk).count(),
        "assignments": list(Assignment.objects.filter(ticket_id=ticket.pk).values()),
        "requests": list(ReturnRequest.objects.filter(ticket_id=ticket.pk).values()),
        "notifications": Notification.objects.count(),
    }


def refused(func, **kwargs):
    with pytest.raises(ActionRefused) as excinfo:
        func(**kwargs)
    return excinfo.value


@pytest.fixture
def asked(assigned_ticket, department_user, other_department):
    return services.return_request_file(
        ticket=assigned_ticket, by=department_user, reason="应由市人社局办理", suggested_department=other_department
    )


@pytest.fixture
def release_asked(co_handled_ticket, co_department_user):
    return services.return_request_file(ticket=co_handled_ticket, by=co_department_user, reason="不涉及审批事项")


# --- filing -------------------------------------------------------------------------------------


def test_a_return_request_leaves_the_ticket_with_the_department(asked, assigned_ticket, department):
    ticket = reload(assigned_ticket)
    assert (ticket.status, ticket.department, ticket.due_date) == ("assigned", department, assigned_ticket.due_date)
    assert (asked.state, asked.department, asked.assignment.role) == ("pending", department, "lead")


def test_a_return_request_is_on_the_timeline_with_the_suggested_department(asked, assigned_ticket, other_department):
    event = assigned_ticket.events.get(kind=EventKind.RETURN_REQUESTED)
    assert event.note == "应由市人社局办理"
    assert (event.data["request_id"], event.data["suggested_department"]) == (asked.pk, other_department.name)


def test_dispatch_is_told_of_a_return_request(asked, dispatcher):
    assert Notification.objects.filter(kind="return_requested", recipient=dispatcher, ticket=asked.ticket).exists()


def test_a_pending_request_does_not_stop_the_clock(submit, dispatcher, department, department_user):
    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    services.return_request_file(ticket=ticket, by=department_user, reason="不归我局", at=at(day(3, 3)))
    ticket = reload(ticket)
    assert ticket.due_date == workdays.add_working_days(day(3, 2), 5)
    assert ticket.is_overdue(ticket.due_date + datetime.timedelta(days=1))


def test_the_return_action_is_not_offered_while_a_request_is_pending(asked, assigned_ticket, department_user):
    assert "return_to_dispatch" not in rules.available_actions(reload(assigned_ticket), department_user)


def test_a_co_handler_asks_to_be_released_with_request_release(co_handled_ticket, co_department_user):
    assert "request_release" in rules.available_actions(reload(co_handled_ticket), co_department_user)
    assert "return_to_dispatch" not in rules.available_actions(reload(co_handled_ticket), co_department_user)


# --- bad input ----------------------------------------------------------------------------------


def test_a_request_after_the_window_is_refused_saying_until_when(submit, dispatcher, department, department_user, settings):
    settings.RETURN_WINDOW_WORKING_DAYS = 2
    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    before = snapshot(ticket)  # assigned Monday 2026-03-02: asking is possible until Wednesday 03-04
    error = refused(services.return_request_file, ticket=ticket, by=department_user, reason="不归我局", at=at(day(3, 5)))
    assert error.code == "window_closed"
    assert "2026-03-04" in error.message and "2 个工作日" in error.message
    assert snapshot(ticket) == before


def test_a_request_on_the_last_day_of_the_window_is_accepted(submit, dispatcher, department, department_user):
    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    request = services.return_request_file(ticket=ticket, by=department_user, reason="不归我局", at=at(day(3, 4), 23, 50))
    assert request.state == "pending"


def test_the_window_is_a_setting(submit, dispatcher, department, department_user, settings):
    settings.RETURN_WINDOW_WORKING_DAYS = 5
    ticket = services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))
    assert services.return_request_file(ticket=ticket, by=department_user, reason="不归我局", at=at(day(3, 9))).state == "pending"


def test_a_second_request_while_one_is_pending_is_refused(asked, assigned_ticket, department_user):
    before = snapshot(assigned_ticket)
    error = refused(services.return_request_file, ticket=assigned_ticket, by=department_user, reason="再次申请")
    assert error.code == "conflict" and "等待" in error.message
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_request_without_a_reason_is_refused(reason, assigned_ticket, department_user):
    before = snapshot(assigned_ticket)
    assert refused(services.return_request_file, ticket=assigned_ticket, by=department_user, reason=reason).code == "invalid"
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("who", ["other_department_user", "dispatcher", "company_user", "supervisor"])
def test_a_request_by_someone_who_does_not_hold_the_ticket_is_refused(who, assigned_ticket, request):
    before = snapshot(assigned_ticket)
    error = refused(services.return_request_file, ticket=assigned_ticket, by=request.getfixturevalue(who), reason="不归我局")
    assert error.code == "forbidden"
    assert snapshot(assigned_ticket) == before


def test_a_request_on_a_resolved_ticket_is_refused(resolved_ticket, department_user):
    before = snapshot(resolved_ticket)
    assert refused(services.return_request_file, ticket=resolved_ticket, by=department_user, reason="不归我局").code == "invalid_state"
    assert snapshot(resolved_ticket) == before


def test_suggesting_an_inactive_department_is_refused(assigned_ticket, department_user):
    closed_down = DepartmentFactory(name="已撤销的局", is_active=False)
    before = snapshot(assigned_ticket)
    error = refused(
        services.return_request_file, ticket=assigned_ticket, by=department_user, reason="不归我局", suggested_department=closed_down
    )
    assert error.code == "invalid" and "已撤销的局" in error.message
    assert snapshot(assigned_ticket) == before


def test_suggesting_your_own_department_is_refused(assigned_ticket, department_user, department):
    before = snapshot(assigned_ticket)
    error = refused(
        services.return_request_file, ticket=assigned_ticket, by=department_user, reason="不归我局", suggested_department=department
    )
    assert error.code == "invalid"
    assert snapshot(assigned_ticket) == before


# --- ruling -------------------------------------------------------------------------------------


def test_upholding_returns_the_ticket_through_return_to_dispatch_taken_by_the_dispatcher(asked, assigned_ticket, dispatcher, department):
    services.return_request_decide(request=asked, by=dispatcher, uphold=True)
    ticket = reload(assigned_ticket)
    assert (ticket.status, ticket.department, ticket.was_returned) == ("submitted", None, True)
    event = ticket.events.get(kind=EventKind.RETURN)
    assert (event.actor, event.note, event.data["request_id"]) == (dispatcher, "应由市人社局办理", asked.pk)
    assert Assignment.objects.get(ticket=ticket, role="lead").end_reason == "returned"
    asked.refresh_from_db()
    assert (asked.state, asked.decided_by) == ("upheld", dispatcher)


def test_after_an_upheld_return_the_assign_form_proposes_the_suggested_department(asked, assigned_ticket, dispatcher, other_department):
    services.return_request_decide(request=asked, by=dispatcher, uphold=True)
    proposal = selectors.assign_proposal(selectors.ticket_detail(dispatcher, assigned_ticket.reference))
    assert proposal["initial"]["department"] == other_department


def test_the_requesting_department_is_told_of_the_ruling(asked, dispatcher, department_user):
    services.return_request_decide(request=asked, by=dispatcher, uphold=True)
    assert Notification.objects.filter(kind="return_ruled", recipient=department_user).exists()


def test_overruling_leaves_the_ticket_and_its_due_date(asked, assigned_ticket, dispatcher, department, department_user):
    before = reload(assigned_ticket)
    services.return_request_decide(request=asked, by=dispatcher, uphold=False, reason="属于贵局职责范围，请继续办理")
    ticket = reload(assigned_ticket)
    assert (ticket.status, ticket.department, ticket.due_date, ticket.was_returned) == ("assigned", department, before.due_date, False)
    event = ticket.events.get(kind=EventKind.RETURN_OVERRULED)
    assert (event.actor, event.note, event.data["department_id"]) == (dispatcher, "属于贵局职责范围，请继续办理", department.pk)
    assert Notification.objects.filter(kind="return_ruled", recipient=department_user, body__contains="属于贵局职责范围").exists()


def test_after_an_overruled_request_the_department_may_ask_again_within_the_window(asked, assigned_ticket, dispatcher, department_user):
    services.return_request_decide(request=asked, by=dispatcher, uphold=False, reason="请继续办理")
    assert "return_to_dispatch" in rules.available_actions(reload(assigned_ticket), department_user)


@pytest.mark.parametrize("reason", ["", "  "])
def test_overruling_without_a_reason_is_refused(reason, asked, assigned_ticket, dispatcher):
    before = snapshot(assigned_ticket)
    assert refused(services.return_request_decide, request=asked, by=dispatcher, uphold=False, reason=reason).code == "invalid"
    assert snapshot(assigned_ticket) == before


def test_ruling_twice_is_refused_with_a_clear_message(asked, assigned_ticket, dispatcher):
    services.return_request_decide(request=asked, by=dispatcher, uphold=False, reason="请继续办理")
    before = snapshot(assigned_ticket)
    error = refused(services.return_request_decide, request=asked, by=dispatcher, uphold=True)
    assert error.code == "conflict" and "已" in error.message
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("who", ["department_user", "supervisor", "leader", "company_user"])
def test_only_dispatch_rules(who, asked, assigned_ticket, request):
    before = snapshot(assigned_ticket)
    assert refused(services.return_request_decide, request=asked, by=request.getfixturevalue(who), uphold=True).code == "forbidden"
    assert snapshot(assigned_ticket) == before


def test_upholding_a_request_the_ticket_has_moved_past_is_refused(asked, assigned_ticket, dispatcher, department_user):
    services.ticket_sign(ticket=assigned_ticket, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=assigned_ticket, by=department_user, result="已办结")
    before = snapshot(assigned_ticket)
    assert refused(services.return_request_decide, request=asked, by=dispatcher, uphold=True).code == "invalid_state"
    assert snapshot(assigned_ticket) == before


# --- a co-handler's release ----------------------------------------------------------------------


def test_upholding_a_release_ends_the_co_assignment_as_released(release_asked, co_handled_ticket, dispatcher, co_department):
    services.return_request_decide(request=release_asked, by=dispatcher, uphold=True)
    co = Assignment.objects.get(ticket=co_handled_ticket, department=co_department, role="co")
    assert (co.state, co.end_reason) == ("ended", "released")
    assert reload(co_handled_ticket).status == "assigned"  # the ticket stays with its lead


def test_overruling_a_release_keeps_the_co_assignment(release_asked, co_handled_ticket, dispatcher, co_department, co_department_user):
    services.return_request_decide(request=release_asked, by=dispatcher, uphold=False, reason="涉及审批，请提供意见")
    co = Assignment.objects.get(ticket=co_handled_ticket, department=co_department, role="co")
    assert (co.state, co.ended_at) == ("assigned", None)
    assert Notification.objects.filter(kind="return_ruled", recipient=co_department_user).exists()


def test_a_release_request_after_the_window_is_refused(submit, dispatcher, department, co_department, co_department_user):
    ticket = services.ticket_assign(
        ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, co_departments=[co_department], at=at(day(3, 2))
    )
    error = refused(services.return_request_file, ticket=ticket, by=co_department_user, reason="不涉及", at=at(day(3, 9)))
    assert error.code == "window_closed" and "2026-03-04" in error.message


def test_the_database_holds_one_pending_request_per_assignment(asked, department_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnRequest.objects.create(
            ticket=asked.ticket, assignment=asked.assignment, department=asked.department, requested_by=department_user, reason="x"
        )
