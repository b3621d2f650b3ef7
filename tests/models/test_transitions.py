"""The ticket workflow at model/service level (DESIGN.md §3).

Every lifecycle transition is tried from every state and by every role: it succeeds only from its
source state for its role, and a refused action changes nothing. Then the details of each
transition, supervision, extensions, notes, attachments and the append-only timeline.

Note on the administrator: `User.is_dispatcher` and `User.is_supervisor` are true for the admin
role, so an administrator may act as the dispatch and the supervision office (assign, reject,
raise supervision, decide extensions). It never acts as a department or as the company.
"""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, has_transition_perm

from tests.conftest import ROLE_FIXTURES, local_datetime
from tests.factories import DepartmentFactory, returned_to_dispatch
from tickets import rules, services, workdays
from tickets.models import (
    Assignment,
    Attachment,
    DeadlineProfile,
    ExtensionRequest,
    ReferenceCounter,
    Ticket,
    TicketEvent,
)
from tickets.services import ActionRefused

# --------------------------------------------------------------------------------------------
# The cast and the rule table
# --------------------------------------------------------------------------------------------

STATE_FIXTURES = {
    "submitted": "ticket",
    "assigned": "assigned_ticket",
    "in_progress": "in_progress_ticket",
    "resolved": "resolved_ticket",
    "closed": "closed_ticket",
    "rejected": "rejected_ticket",
}
STATES = list(STATE_FIXTURES)

ROLES = list(ROLE_FIXTURES)

DISPATCH = {"dispatcher", "admin"}
SUPERVISION = {"supervisor", "admin"}
HOLDING_DEPARTMENT = {"department"}
COMPANY_SIDE = {"company", "liaison"}

# transition: (source states, target state, roles allowed)
TRANSITIONS = {
    "assign": (["submitted"], "assigned", DISPATCH),
    "reject": (["submitted"], "rejected", DISPATCH),
    "sign": (["assigned"], "in_progress", HOLDING_DEPARTMENT),
    # Taken by dispatch when it upholds the department's return request (DESIGN.md §9; tests/services/test_returns.py).
    "return_to_dispatch": (["assigned", "in_progress"], "submitted", DISPATCH),
    "resolve": (["in_progress"], "resolved", HOLDING_DEPARTMENT),
    "confirm": (["resolved"], "closed", COMPANY_SIDE),
    "reopen": (["resolved"], "in_progress", COMPANY_SIDE),
}

ALLOWED = [(name, source, role) for name, (sources, _target, roles) in TRANSITIONS.items() for source in sources for role in sorted(roles)]
WRONG_STATE = [(name, state) for name, (sources, _target, _roles) in TRANSITIONS.items() for state in STATES if state not in sources]
WRONG_ROLE = [
    (name, source, role)
    for name, (sources, _target, roles) in TRANSITIONS.items()
    for source in sources
    for role in ROLES
    if role not in roles
]


def canonical_role(name):
    """The role that normally takes this transition (used to probe the state rule)."""
    roles = TRANSITIONS[name][2]
    return next(r for r in ("dispatcher", "department", "company") if r in roles)


@pytest.fixture
def ticket_in(request):
    def _ticket_in(state):
        return request.getfixturevalue(STATE_FIXTURES[state])

    return _ticket_in


@pytest.fixture
def user_for(request):
    def _user_for(role):
        return request.getfixturevalue(ROLE_FIXTURES[role])

    return _user_for


@pytest.fixture
def act(department):
    """Take a lifecycle transition through its service with valid arguments."""

    def _act(name, ticket, user):
        if name == "assign":
            return services.ticket_assign(ticket=ticket, by=user, department=department)
        if name == "reject":
            return services.ticket_reject(ticket=ticket, by=user, reason="不属于涉企诉求范围")
        if name == "sign":
            return services.ticket_sign(ticket=ticket, by=user)
        if name == "return_to_dispatch":
            return services.ticket_return(ticket=ticket, by=user, reason="应由市人社局办理")
        if name == "resolve":
            return services.ticket_resolve(outcome="solved", ticket=ticket, by=user, result="已协调解决")
        if name == "confirm":
            return services.ticket_confirm(ticket=ticket, by=user, rating="satisfied", comment="很及时")
        if name == "reopen":
            return services.ticket_reopen(ticket=ticket, by=user, comment="贷款仍未发放")
        raise AssertionError(name)

    return _act


def snapshot(ticket):
    """Everything a refused action must leave untouched."""
    return {
        "ticket": Ticket.objects.filter(pk=ticket.pk).values().get(),
        "events": list(TicketEvent.objects.filter(ticket_id=ticket.pk).values()),
        "assignments": list(Assignment.objects.filter(ticket_id=ticket.pk).values()),
        "extensions": list(ExtensionRequest.objects.filter(ticket_id=ticket.pk).values()),
        "attachments": list(Attachment.objects.filter(ticket_id=ticket.pk).values()),
    }


def assert_refused(code, func, *args, **kwargs):
    with pytest.raises(ActionRefused) as excinfo:
        func(*args, **kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    assert str(excinfo.value.message)
    return excinfo.value


def new_events(ticket, before):
    return list(TicketEvent.objects.filter(ticket_id=ticket.pk).exclude(pk__in=[e["id"] for e in before["events"]]))


def reload(ticket):
    return Ticket.objects.get(pk=ticket.pk)


# --------------------------------------------------------------------------------------------
# The whole matrix: allowed from the source state for the role, refused otherwise
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source", "role"), ALLOWED)
def test_transition_is_allowed_from_its_source_state_for_its_role(name, source, role, ticket_in, user_for, act):
    ticket = ticket_in(source)
    user = user_for(role)
    before = snapshot(ticket)

    act(name, ticket, user)

    target = TRANSITIONS[name][1]
    assert reload(ticket).status == target
    lifecycle_events = [e for e in new_events(ticket, before) if e.kind != "supervision"]
    assert len(lifecycle_events) == 1
    event = lifecycle_events[0]
    assert (event.actor, event.kind, event.from_state, event.to_state) == (user, name, source, target)


@pytest.mark.parametrize(("name", "state"), WRONG_STATE)
def test_transition_is_refused_from_every_other_state(name, state, ticket_in, user_for, act):
    ticket = ticket_in(state)
    user = user_for(canonical_role(name))
    before = snapshot(ticket)

    assert_refused("invalid_state", act, name, ticket, user)

    assert snapshot(ticket) == before
    assert ticket.status == state  # the caller's object is not touched either


@pytest.mark.parametrize(("name", "source", "role"), WRONG_ROLE)
def test_transition_is_refused_for_every_other_role(name, source, role, ticket_in, user_for, act):
    ticket = ticket_in(source)
    user = user_for(role)
    before = snapshot(ticket)

    assert_refused("forbidden", act, name, ticket, user)

    assert snapshot(ticket) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
def test_available_actions_offer_exactly_the_allowed_transitions(state, role, ticket_in, user_for):
    ticket = ticket_in(state)
    user = user_for(role)
    # The page's "return_to_dispatch" is the holding department filing a return request; dispatch
    # takes the transition itself only by upholding one (never offered as a bare action).
    offered_to = {**{name: roles for name, (_s, _t, roles) in TRANSITIONS.items()}, "return_to_dispatch": HOLDING_DEPARTMENT}
    expected = {name for name, (sources, _t, _r) in TRANSITIONS.items() if state in sources and role in offered_to[name]}
    offered = rules.available_actions(ticket, user) & set(rules.LIFECYCLE_ACTIONS)
    assert offered == expected


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_each_transition_writes_exactly_one_event(name, ticket_in, user_for, act):
    source = TRANSITIONS[name][0][0]
    ticket = ticket_in(source)
    if name == "reopen":
        services.ticket_raise_supervision(ticket=ticket, by=user_for("supervisor"), level="yellow", notice="请加快办理")
    before = snapshot(ticket)

    act(name, ticket, user_for(canonical_role(name)))

    events = new_events(ticket, before)
    assert [e.kind for e in events] == [name]


# --------------------------------------------------------------------------------------------
# The company's answer taken down on the phone (回访, DESIGN.md §9): the same confirm / reopen,
# which callers may take only through the call service (the company's own service refuses them,
# WRONG_ROLE above), and the verification-call transitions of a closed ticket
# --------------------------------------------------------------------------------------------

CALLERS = {"dispatcher", "supervisor", "admin", "callback"}

# transition by phone: (source states, target state, roles allowed)
BY_PHONE = {
    "confirm": (["resolved"], "closed", CALLERS),
    "reopen": (["resolved"], "in_progress", CALLERS),
}


def _call(name, ticket, user):
    if name == "confirm":
        return services.ticket_record_call(ticket=ticket, by=user, said="企业电话确认已解决", decision="confirm", rating="satisfied")
    return services.ticket_record_call(ticket=ticket, by=user, said="企业表示贷款仍未发放", decision="reopen")


@pytest.mark.parametrize(("name", "role"), [(n, r) for n, (_s, _t, roles) in BY_PHONE.items() for r in sorted(roles)])
def test_a_caller_takes_the_companys_transition_by_phone_recorded_as_the_caller(name, role, ticket_in, user_for):
    ticket = ticket_in("resolved")
    user = user_for(role)
    before = snapshot(ticket)

    _call(name, ticket, user)

    assert reload(ticket).status == BY_PHONE[name][1]
    [event] = [e for e in new_events(ticket, before) if e.kind != "supervision"]
    assert (event.actor, event.kind, event.from_state, event.to_state) == (user, name, "resolved", BY_PHONE[name][1])
    assert event.data["channel"] == "phone" and event.note


@pytest.mark.parametrize(("name", "role"), [(n, r) for n, (_s, _t, roles) in BY_PHONE.items() for r in ROLES if r not in roles])
def test_a_call_is_refused_for_every_other_role(name, role, ticket_in, user_for):
    ticket = ticket_in("resolved")
    before = snapshot(ticket)

    assert_refused("forbidden", _call, name, ticket, user_for(role))

    assert snapshot(ticket) == before


@pytest.mark.parametrize("state", [s for s in STATES if s != "resolved"])
@pytest.mark.parametrize("name", list(BY_PHONE))
def test_a_call_is_refused_from_every_other_state(name, state, ticket_in, user_for):
    ticket = ticket_in(state)
    before = snapshot(ticket)

    assert_refused("invalid_state", _call, name, ticket, user_for("callback"))

    assert snapshot(ticket) == before


@pytest.mark.parametrize("role", ROLES)
def test_a_caller_is_offered_the_call_and_never_the_companys_buttons(role, ticket_in, user_for):
    offered = rules.available_actions(ticket_in("resolved"), user_for(role))
    assert ("record_call" in offered) == (role in CALLERS)
    assert ({"confirm", "reopen"} <= offered) == (role in COMPANY_SIDE)


@pytest.mark.parametrize("name", ["verification_confirm", "verification_reopen"])
@pytest.mark.parametrize("role", ROLES)
def test_the_verification_transitions_are_the_callers_on_a_closed_ticket_drawn_for_a_call(name, role, closed_ticket, user_for):
    from tickets.models import VerificationCall

    user = user_for(role)
    assert not has_transition_perm(getattr(closed_ticket, name), user)  # not drawn: its condition fails for everyone
    VerificationCall.objects.create(ticket=closed_ticket, month=closed_ticket.closed_at.date().replace(day=1))
    assert has_transition_perm(getattr(closed_ticket, name), user) == (role in CALLERS)


# --------------------------------------------------------------------------------------------
# submit
# --------------------------------------------------------------------------------------------


def test_company_submits_ticket_with_reference_and_submitted_event(ticket, company_user):
    assert ticket.status == "submitted"
    assert ticket.supervision_level == "none"
    assert ticket.channel == "web"
    assert ticket.reference.startswith(f"QY-{timezone.localdate().year}-")
    [event] = ticket.events.all()
    assert (event.actor, event.kind, event.from_state, event.to_state) == (company_user, "submitted", "", "submitted")


def test_liaison_submits_for_their_company_through_liaison_channel(submit, liaison, enterprise):
    ticket = submit(by=liaison, enterprise=enterprise)
    assert ticket.channel == "liaison"
    assert ticket.submitted_by == liaison


def test_dispatcher_records_hotline_call_for_any_company(submit, dispatcher, other_enterprise):
    ticket = submit(by=dispatcher, enterprise=other_enterprise)
    assert ticket.channel == "hotline"


@pytest.mark.parametrize("role", ["other_company", "other_liaison", "department", "supervisor", "leader"])
def test_others_cannot_submit_for_a_company(role, submit, user_for, enterprise):
    assert_refused("forbidden", submit, by=user_for(role), enterprise=enterprise)
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()


def test_an_inactive_category_takes_no_new_problems(submit, category):
    category.is_active = False
    category.save()
    assert_refused("invalid", submit)
    assert not Ticket.objects.exists()


def test_a_description_over_5000_characters_is_refused_by_the_service(submit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        submit(description="长" * 5001)
    assert not Ticket.objects.exists()


# --------------------------------------------------------------------------------------------
# assign
# --------------------------------------------------------------------------------------------


def test_assign_computes_due_dates_from_category_sla_in_working_days(submit, dispatcher, department):
    # Category: sign within 1, resolve within 5 working days. From Wed 2026-09-30 the National Day
    # holiday (Oct 1–7) is skipped and the make-up Saturday Oct 10 counts.
    ticket = submit(at=local_datetime(2026, 9, 29))
    ticket = services.ticket_assign(ticket=ticket, by=dispatcher, department=department, at=local_datetime(2026, 9, 30))

    assert ticket.department == department
    assert ticket.response_due_date == datetime.date(2026, 10, 8)
    assert ticket.due_date == datetime.date(2026, 10, 13)
    assert ticket.assigned_at == ticket.first_assigned_at == local_datetime(2026, 9, 30)


def test_assign_records_the_assignment_and_dates_in_the_event(assigned_ticket, dispatcher, department):
    [assignment] = assigned_ticket.assignments.all()
    assert (assignment.department, assignment.assigned_by) == (department, dispatcher)
    assert assignment.due_date == assigned_ticket.due_date
    assert assignment.response_due_date == assigned_ticket.response_due_date
    assert assignment.ended_at is None
    event = assigned_ticket.events.get(kind="assign")
    assert event.data["department_id"] == department.pk
    assert event.data["due_date"] == assigned_ticket.due_date.isoformat()
    assert event.data["response_due_date"] == assigned_ticket.response_due_date.isoformat()


def test_assign_uses_the_deadline_profile_for_the_tickets_priority(submit, category, dispatcher, department):
    DeadlineProfile.objects.create(
        category=category,
        priority="urgent",
        name="急",
        response_days=1,
        contact_days=1,
        co_feedback_days=1,
        resolution_days=2,
        complex_resolution_days=5,
    )
    ticket = submit(priority="urgent", at=local_datetime(2026, 9, 29))
    ticket = services.ticket_assign(ticket=ticket, by=dispatcher, department=department, at=local_datetime(2026, 9, 30))
    assert ticket.due_date == datetime.date(2026, 10, 9)


def test_assign_uses_the_given_due_date(ticket, dispatcher, department):
    due = timezone.localdate() + datetime.timedelta(days=30)
    ticket = services.ticket_assign(ticket=ticket, by=dispatcher, department=department, due_date=due)
    assert ticket.due_date == due
    assert ticket.assignments.get().due_date == due
    assert ticket.response_due_date == workdays.add_working_days(timezone.localdate(), 1)


def test_assign_due_today_caps_the_response_date(ticket, dispatcher, department):
    today = timezone.localdate()
    ticket = services.ticket_assign(ticket=ticket, by=dispatcher, department=department, due_date=today)
    assert ticket.due_date == ticket.response_due_date == today


def test_assign_with_past_due_date_is_refused(ticket, dispatcher, department):
    before = snapshot(ticket)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert_refused("invalid", services.ticket_assign, ticket=ticket, by=dispatcher, department=department, due_date=yesterday)
    assert snapshot(ticket) == before


def test_assign_to_inactive_department_is_refused(ticket, dispatcher):
    closed_down = DepartmentFactory(name="已撤销的局", is_active=False)
    before = snapshot(ticket)
    assert_refused("invalid", services.ticket_assign, ticket=ticket, by=dispatcher, department=closed_down)
    assert snapshot(ticket) == before


def test_returned_ticket_can_be_assigned_to_another_department(assigned_ticket, department_user, dispatcher, other_department):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不归我局管")
    ticket = services.ticket_assign(ticket=assigned_ticket, by=dispatcher, department=other_department)
    assert ticket.department == other_department
    assert ticket.first_assigned_at < ticket.assigned_at
    assert [a.department for a in ticket.assignments.all()] == [assigned_ticket.department, other_department]


# --------------------------------------------------------------------------------------------
# reject
# --------------------------------------------------------------------------------------------


def test_reject_records_reason_and_closes(rejected_ticket):
    assert rejected_ticket.reject_reason == "不属于涉企诉求范围"
    assert rejected_ticket.closed_at is not None
    assert rejected_ticket.duplicate_of is None
    assert rejected_ticket.events.get(kind="reject").note == "不属于涉企诉求范围"


def test_reject_as_duplicate_records_the_original_ticket(submit, dispatcher):
    original = submit()
    duplicate = submit()
    duplicate = services.ticket_reject(ticket=duplicate, by=dispatcher, reason="重复提交", duplicate_of=original)
    assert duplicate.duplicate_of == original
    assert duplicate.events.get(kind="reject").data == {"duplicate_of": original.reference}
    assert list(original.duplicates.all()) == [duplicate]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_without_a_reason_is_refused(reason, ticket, dispatcher):
    before = snapshot(ticket)
    assert_refused("invalid", services.ticket_reject, ticket=ticket, by=dispatcher, reason=reason)
    assert snapshot(ticket) == before


def test_ticket_cannot_be_rejected_as_duplicate_of_itself(ticket, dispatcher):
    before = snapshot(ticket)
    assert_refused("invalid", services.ticket_reject, ticket=ticket, by=dispatcher, reason="重复", duplicate_of=ticket)
    assert snapshot(ticket) == before


# --------------------------------------------------------------------------------------------
# sign, return, resolve
# --------------------------------------------------------------------------------------------


def test_sign_records_signed_at_on_ticket_and_assignment(assigned_ticket, department_user):
    at = timezone.now()
    ticket = services.ticket_sign(ticket=assigned_ticket, by=department_user, at=at)
    assert ticket.signed_at == at
    assert ticket.assignments.get().signed_at == at


def test_department_cannot_sign_ticket_assigned_to_another_department(assigned_ticket, other_department_user):
    before = snapshot(assigned_ticket)
    assert_refused("forbidden", services.ticket_sign, ticket=assigned_ticket, by=other_department_user)
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("state", ["assigned", "in_progress"])
def test_return_clears_department_and_dates(state, ticket_in, department_user):
    ticket = returned_to_dispatch(ticket=ticket_in(state), by=department_user, reason="应由市人社局办理")
    assert ticket.status == "submitted"
    assert ticket.department is None
    assert ticket.due_date is None
    assert ticket.response_due_date is None
    assert ticket.assigned_at is None
    assert ticket.signed_at is None
    assert ticket.first_assigned_at is not None  # history of the first dispatch is kept


def test_return_ends_the_assignment_and_records_the_department(assigned_ticket, department_user, department):
    at = timezone.now()
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="应由市人社局办理", at=at)
    [assignment] = assigned_ticket.assignments.all()
    assert (assignment.ended_at, assignment.end_reason) == (at, "returned")
    event = assigned_ticket.events.get(kind="return_to_dispatch")
    assert event.note == "应由市人社局办理"
    request = assigned_ticket.return_requests.get()
    assert event.data == {"department_id": department.pk, "department": department.name, "request_id": request.pk}
    assert event.actor.is_dispatcher  # dispatch took it, upholding the request


def test_department_still_sees_the_ticket_it_returned(assigned_ticket, department_user):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="应由市人社局办理")
    assert Ticket.objects.visible_to(department_user).filter(pk=assigned_ticket.pk).exists()


def test_department_cannot_act_on_the_ticket_it_returned(assigned_ticket, department_user, dispatcher, other_department):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="应由市人社局办理")
    services.ticket_assign(ticket=assigned_ticket, by=dispatcher, department=other_department)
    assert_refused("forbidden", services.ticket_sign, ticket=assigned_ticket, by=department_user)


@pytest.mark.parametrize("reason", ["", "  "])
def test_return_without_a_reason_is_refused(reason, assigned_ticket, dispatcher):
    before = snapshot(assigned_ticket)
    assert_refused("invalid", services.ticket_return, ticket=assigned_ticket, by=dispatcher, reason=reason)
    assert snapshot(assigned_ticket) == before


def test_department_cannot_resolve_unsigned_ticket(assigned_ticket, department_user):
    before = snapshot(assigned_ticket)
    assert_refused("invalid_state", services.ticket_resolve, outcome="solved", ticket=assigned_ticket, by=department_user, result="已解决")
    assert snapshot(assigned_ticket) == before


def test_resolve_records_result_and_resolution_times(in_progress_ticket, department_user):
    at = timezone.now()
    ticket = services.ticket_resolve(outcome="solved", ticket=in_progress_ticket, by=department_user, result="  已协调银行放款  ", at=at)
    assert ticket.result == "已协调银行放款"
    assert ticket.resolved_at == ticket.first_resolved_at == at
    event = ticket.events.get(kind="resolve")
    assert event.note == "已协调银行放款"
    assert event.data == {"due_date": ticket.due_date.isoformat(), "outcome": "solved"}


@pytest.mark.parametrize("result", ["", "   ", None])
def test_resolve_without_a_result_is_refused(result, in_progress_ticket, department_user):
    before = snapshot(in_progress_ticket)
    assert_refused("invalid", services.ticket_resolve, outcome="solved", ticket=in_progress_ticket, by=department_user, result=result)
    assert snapshot(in_progress_ticket) == before


def test_second_resolution_keeps_the_first_resolution_time(resolved_ticket, company_user, department_user):
    first = resolved_ticket.first_resolved_at
    services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="没解决")
    ticket = services.ticket_resolve(outcome="solved", ticket=resolved_ticket, by=department_user, result="再次协调，已放款")
    assert ticket.first_resolved_at == first
    assert ticket.resolved_at > first


# --------------------------------------------------------------------------------------------
# confirm, reopen, auto_close
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", ["satisfied", "basically_satisfied"])
def test_confirm_records_rating_and_closes(rating, resolved_ticket, company_user):
    ticket = services.ticket_confirm(ticket=resolved_ticket, by=company_user, rating=rating, comment="办得好")
    assert ticket.status == "closed"
    assert (ticket.rating, ticket.rating_comment) == (rating, "办得好")
    assert ticket.closed_at is not None
    assert ticket.events.get(kind="confirm").data == {"rating": rating}


def test_liaison_confirms_on_behalf_of_the_company(resolved_ticket, liaison):
    ticket = services.ticket_confirm(ticket=resolved_ticket, by=liaison, rating="basically_satisfied")
    assert ticket.status == "closed"
    assert ticket.events.get(kind="confirm").actor == liaison


@pytest.mark.parametrize("rating", ["dissatisfied", "no_answer", "", "excellent"])
def test_confirm_with_a_rating_other_than_satisfied_is_refused(rating, resolved_ticket, company_user):
    before = snapshot(resolved_ticket)
    assert_refused("invalid", services.ticket_confirm, ticket=resolved_ticket, by=company_user, rating=rating)
    assert snapshot(resolved_ticket) == before


def test_reopen_rates_dissatisfied_and_sets_a_new_due_date(submit, dispatcher, department, department_user, company_user):
    ticket = submit(at=local_datetime(2026, 9, 20))
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department, at=local_datetime(2026, 9, 21))
    services.ticket_sign(ticket=ticket, by=department_user, at=local_datetime(2026, 9, 22))
    services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已处理", at=local_datetime(2026, 9, 28))

    ticket = services.ticket_reopen(ticket=ticket, by=company_user, comment="问题依旧", at=local_datetime(2026, 9, 30))

    assert ticket.status == "in_progress"
    assert (ticket.rating, ticket.rating_comment) == ("dissatisfied", "问题依旧")
    assert ticket.resolved_at is None
    assert ticket.first_resolved_at == local_datetime(2026, 9, 28)
    assert ticket.due_date == datetime.date(2026, 10, 13)  # 5 working days after Sep 30, across National Day
    assert ticket.assignments.get(ended_at__isnull=True).due_date == datetime.date(2026, 10, 13)
    event = ticket.events.get(kind="reopen")
    assert event.data == {"rating": "dissatisfied", "due_date": "2026-10-13"}


def test_reopen_raises_supervision_to_yellow_by_the_system(resolved_ticket, liaison):
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=liaison, comment="问题依旧")
    assert ticket.supervision_level == "yellow"
    event = ticket.events.get(kind="supervision")
    assert (event.actor, event.from_state, event.to_state) == (None, "none", "yellow")


@pytest.mark.parametrize("level", ["yellow", "red"])
def test_reopen_keeps_a_higher_or_equal_supervision_level(level, resolved_ticket, supervisor, company_user):
    services.ticket_raise_supervision(ticket=resolved_ticket, by=supervisor, level=level, notice="督办")
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="问题依旧")
    assert ticket.supervision_level == level
    assert ticket.events.filter(kind="supervision").count() == 1


@pytest.mark.parametrize("comment", ["", "  "])
def test_reopen_without_a_comment_is_refused(comment, resolved_ticket, company_user):
    before = snapshot(resolved_ticket)
    assert_refused("invalid", services.ticket_reopen, ticket=resolved_ticket, by=company_user, comment=comment)
    assert snapshot(resolved_ticket) == before


def test_auto_close_closes_with_no_answer_and_no_actor(resolved_ticket):
    before = snapshot(resolved_ticket)
    ticket = services.ticket_auto_close(ticket=resolved_ticket, working_days=7)
    assert ticket.status == "closed"
    assert ticket.rating == "no_answer"
    assert ticket.closed_at is not None
    [event] = new_events(ticket, before)
    assert (event.actor, event.kind, event.from_state, event.to_state) == (None, "auto_close", "resolved", "closed")
    assert event.data == {"working_days": 7}


@pytest.mark.parametrize("state", [s for s in STATES if s != "resolved"])
def test_auto_close_is_refused_from_every_other_state(state, ticket_in):
    ticket = ticket_in(state)
    before = snapshot(ticket)
    assert_refused("invalid_state", services.ticket_auto_close, ticket=ticket)
    assert snapshot(ticket) == before


@pytest.mark.parametrize("role", ROLES)
def test_no_user_may_auto_close(role, resolved_ticket, user_for):
    user = user_for(role)
    assert not has_transition_perm(resolved_ticket.auto_close, user)
    assert "auto_close" not in rules.available_actions(resolved_ticket, user)
    with pytest.raises(TypeError):
        services.ticket_auto_close(ticket=resolved_ticket, by=user)  # there is no way to pass a user
    assert reload(resolved_ticket).status == "resolved"


# --------------------------------------------------------------------------------------------
# protected state fields
# --------------------------------------------------------------------------------------------


def test_status_cannot_be_set_directly(ticket):
    with pytest.raises(AttributeError):
        ticket.status = "closed"
    assert reload(ticket).status == "submitted"


def test_supervision_level_cannot_be_set_directly(ticket):
    with pytest.raises(AttributeError):
        ticket.supervision_level = "red"


def test_stale_ticket_object_cannot_overwrite_a_newer_state(assigned_ticket, department_user):
    stale = reload(assigned_ticket)
    services.ticket_sign(ticket=assigned_ticket, by=department_user)
    stale.title = "改个标题"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert reload(assigned_ticket).status == "in_progress"


# --------------------------------------------------------------------------------------------
# supervision (督办)
# --------------------------------------------------------------------------------------------


def test_supervisor_raises_none_to_yellow_with_a_notice(assigned_ticket, supervisor):
    ticket = services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level="yellow", notice="请三日内办结")
    assert ticket.supervision_level == "yellow"
    assert ticket.status == "assigned"
    event = ticket.events.get(kind="supervision")
    assert (event.actor, event.from_state, event.to_state, event.note) == (supervisor, "none", "yellow", "请三日内办结")


def test_supervisor_raises_yellow_to_red(assigned_ticket, supervisor):
    services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level="yellow", notice="黄牌")
    ticket = services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level="red", notice="红牌")
    assert ticket.supervision_level == "red"
    assert [(e.from_state, e.to_state) for e in ticket.events.filter(kind="supervision")] == [("none", "yellow"), ("yellow", "red")]


def test_supervisor_may_go_straight_to_red(assigned_ticket, supervisor):
    ticket = services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level="red", notice="严重超期")
    assert ticket.supervision_level == "red"


@pytest.mark.parametrize("state", ["submitted", "assigned", "in_progress", "resolved"])
def test_supervision_can_be_raised_on_every_open_ticket(state, ticket_in, supervisor):
    ticket = services.ticket_raise_supervision(ticket=ticket_in(state), by=supervisor, level="yellow", notice="督办")
    assert ticket.supervision_level == "yellow"
    assert ticket.status == state


@pytest.mark.parametrize(("current", "requested"), [("red", "yellow"), ("red", "red"), ("yellow", "yellow")])
def test_supervision_never_goes_down_or_repeats(current, requested, assigned_ticket, supervisor):
    services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level=current, notice="督办")
    before = snapshot(assigned_ticket)
    assert_refused(
        "invalid_state", services.ticket_raise_supervision, ticket=assigned_ticket, by=supervisor, level=requested, notice="再督办"
    )
    assert snapshot(assigned_ticket) == before


def test_supervision_cannot_be_lowered_to_none(assigned_ticket, supervisor):
    services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level="yellow", notice="督办")
    before = snapshot(assigned_ticket)
    assert_refused("invalid", services.ticket_raise_supervision, ticket=assigned_ticket, by=supervisor, level="none", notice="撤销")
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("state", ["closed", "rejected"])
@pytest.mark.parametrize("level", ["yellow", "red"])
def test_supervision_is_refused_on_finished_tickets(state, level, ticket_in, supervisor):
    ticket = ticket_in(state)
    before = snapshot(ticket)
    assert_refused("invalid_state", services.ticket_raise_supervision, ticket=ticket, by=supervisor, level=level, notice="督办")
    assert snapshot(ticket) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in SUPERVISION])
def test_only_supervision_office_raises_supervision(role, assigned_ticket, user_for):
    before = snapshot(assigned_ticket)
    assert_refused("forbidden", services.ticket_raise_supervision, ticket=assigned_ticket, by=user_for(role), level="yellow", notice="督办")
    assert snapshot(assigned_ticket) == before


def test_administrator_may_raise_supervision(assigned_ticket, admin_user):
    ticket = services.ticket_raise_supervision(ticket=assigned_ticket, by=admin_user, level="yellow", notice="督办")
    assert ticket.supervision_level == "yellow"


@pytest.mark.parametrize("notice", ["", "   ", None])
def test_supervision_requires_a_notice(notice, assigned_ticket, supervisor):
    before = snapshot(assigned_ticket)
    assert_refused("invalid", services.ticket_raise_supervision, ticket=assigned_ticket, by=supervisor, level="yellow", notice=notice)
    assert snapshot(assigned_ticket) == before


# --------------------------------------------------------------------------------------------
# extensions (延期)
# --------------------------------------------------------------------------------------------


def later(ticket, days=7):
    return ticket.due_date + datetime.timedelta(days=days)


@pytest.fixture
def extension(assigned_ticket, department_user):
    return services.extension_request(
        ticket=assigned_ticket, by=department_user, requested_due_date=later(assigned_ticket), reason="需要跨部门会商"
    )


@pytest.mark.parametrize("state", ["assigned", "in_progress"])
def test_holding_department_requests_an_extension(state, ticket_in, department_user, department):
    ticket = ticket_in(state)
    request = services.extension_request(ticket=ticket, by=department_user, requested_due_date=later(ticket), reason="需要会商")
    assert request.state == "pending"
    assert (request.department, request.requested_by) == (department, department_user)
    assert (request.current_due_date, request.requested_due_date) == (ticket.due_date, later(ticket))
    assert reload(ticket).due_date == ticket.due_date  # nothing moves before a decision
    event = ticket.events.get(kind="extension_requested")
    assert event.actor == department_user
    assert event.data == {
        "request_id": request.pk, "assignment_id": request.assignment_id, "role": "lead",
        "from": ticket.due_date.isoformat(), "to": later(ticket).isoformat(),
    }  # fmt: skip


@pytest.mark.parametrize("role", [r for r in ROLES if r != "department"])
def test_only_the_holding_department_requests_an_extension(role, assigned_ticket, user_for):
    before = snapshot(assigned_ticket)
    assert_refused(
        "forbidden",
        services.extension_request,
        ticket=assigned_ticket,
        by=user_for(role),
        requested_due_date=later(assigned_ticket),
        reason="需要会商",
    )
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("state", ["submitted", "resolved", "closed", "rejected"])
def test_extension_only_while_the_ticket_is_being_handled(state, ticket_in, department_user):
    ticket = ticket_in(state)
    before = snapshot(ticket)
    due = ticket.due_date or timezone.localdate()
    with pytest.raises(ActionRefused) as excinfo:
        services.extension_request(
            ticket=ticket, by=department_user, requested_due_date=due + datetime.timedelta(days=30), reason="需要会商"
        )
    # No department holds a submitted or rejected ticket; a resolved or closed one is finished.
    assert excinfo.value.code == ("forbidden" if state in ("submitted", "rejected") else "invalid_state")
    assert snapshot(ticket) == before


@pytest.mark.parametrize("days", [0, -1])
def test_extension_date_must_be_later_than_the_current_due_date(days, assigned_ticket, department_user):
    before = snapshot(assigned_ticket)
    assert_refused(
        "invalid",
        services.extension_request,
        ticket=assigned_ticket,
        by=department_user,
        requested_due_date=later(assigned_ticket, days),
        reason="需要会商",
    )
    assert snapshot(assigned_ticket) == before


def test_extension_request_needs_a_reason(assigned_ticket, department_user):
    before = snapshot(assigned_ticket)
    assert_refused(
        "invalid",
        services.extension_request,
        ticket=assigned_ticket,
        by=department_user,
        requested_due_date=later(assigned_ticket),
        reason=" ",
    )
    assert snapshot(assigned_ticket) == before


def test_only_one_pending_extension_request_at_a_time(extension, assigned_ticket, department_user):
    before = snapshot(assigned_ticket)
    assert_refused(
        "conflict",
        services.extension_request,
        ticket=assigned_ticket,
        by=department_user,
        requested_due_date=later(assigned_ticket, 14),
        reason="再延",
    )
    assert snapshot(assigned_ticket) == before


def test_new_extension_request_possible_after_a_decision(extension, assigned_ticket, department_user, dispatcher):
    services.extension_decide(request=extension, by=dispatcher, approve=False, note="理由不充分")
    again = services.extension_request(
        ticket=assigned_ticket, by=department_user, requested_due_date=later(assigned_ticket, 3), reason="补充理由"
    )
    assert again.state == "pending"


@pytest.mark.parametrize("role", sorted(DISPATCH | SUPERVISION))
def test_approved_extension_moves_the_due_date_on_ticket_and_assignment(role, extension, assigned_ticket, user_for):
    decider = user_for(role)
    services.extension_decide(request=extension, by=decider, approve=True, note="同意")

    extension.refresh_from_db()
    assert (extension.state, extension.decided_by, extension.decision_note) == ("approved", decider, "同意")
    assert extension.decided_at is not None
    ticket = reload(assigned_ticket)
    assert ticket.due_date == extension.requested_due_date
    assert ticket.assignments.get(ended_at__isnull=True).due_date == extension.requested_due_date
    event = ticket.events.get(kind="extension_approved")
    assert event.actor == decider
    assert event.data["to"] == extension.requested_due_date.isoformat()


def test_refused_extension_keeps_the_due_date(extension, assigned_ticket, supervisor):
    services.extension_decide(request=extension, by=supervisor, approve=False, note="可以按期办结")
    extension.refresh_from_db()
    assert (extension.state, extension.decision_note) == ("refused", "可以按期办结")
    ticket = reload(assigned_ticket)
    assert ticket.due_date == extension.current_due_date
    assert ticket.assignments.get().due_date == extension.current_due_date
    assert ticket.events.get(kind="extension_refused").note == "可以按期办结"


@pytest.mark.parametrize("note", ["", "  "])
def test_refusing_an_extension_needs_a_reason(note, extension, assigned_ticket, dispatcher):
    before = snapshot(assigned_ticket)
    assert_refused("invalid", services.extension_decide, request=extension, by=dispatcher, approve=False, note=note)
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in DISPATCH | SUPERVISION])
def test_only_dispatch_or_supervision_decides_extensions(role, extension, assigned_ticket, user_for):
    before = snapshot(assigned_ticket)
    assert_refused("forbidden", services.extension_decide, request=extension, by=user_for(role), approve=True)
    assert snapshot(assigned_ticket) == before


@pytest.mark.parametrize("second_approves", [True, False])
def test_extension_cannot_be_decided_twice(second_approves, extension, assigned_ticket, dispatcher, supervisor):
    services.extension_decide(request=extension, by=dispatcher, approve=True)
    before = snapshot(assigned_ticket)
    assert_refused("conflict", services.extension_decide, request=extension, by=supervisor, approve=second_approves, note="不同意")
    assert snapshot(assigned_ticket) == before


def test_resolving_withdraws_a_pending_extension(extension, assigned_ticket, department_user, dispatcher):
    services.ticket_sign(ticket=assigned_ticket, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=assigned_ticket, by=department_user, result="已办结")
    extension.refresh_from_db()
    assert extension.state == "withdrawn"
    before = snapshot(assigned_ticket)
    assert_refused("conflict", services.extension_decide, request=extension, by=dispatcher, approve=True)
    assert snapshot(assigned_ticket) == before


# --------------------------------------------------------------------------------------------
# progress notes
# --------------------------------------------------------------------------------------------

MAY_COMMENT = {"company", "liaison", "dispatcher", "department", "supervisor", "admin"}


@pytest.mark.parametrize("role", sorted(MAY_COMMENT))
def test_people_working_on_the_ticket_add_notes(role, in_progress_ticket, user_for):
    user = user_for(role)
    event = services.ticket_comment(ticket=in_progress_ticket, by=user, text="  已与银行电话沟通  ")
    assert (event.kind, event.actor, event.note) == ("comment", user, "已与银行电话沟通")
    assert (event.from_state, event.to_state) == ("", "")
    assert reload(in_progress_ticket).status == "in_progress"


@pytest.mark.parametrize("role", [r for r in ROLES if r not in MAY_COMMENT])
def test_others_cannot_add_notes(role, in_progress_ticket, user_for):
    before = snapshot(in_progress_ticket)
    assert_refused("forbidden", services.ticket_comment, ticket=in_progress_ticket, by=user_for(role), text="路过")
    assert snapshot(in_progress_ticket) == before


@pytest.mark.parametrize("state", ["closed", "rejected"])
def test_no_notes_on_finished_tickets(state, ticket_in, company_user):
    ticket = ticket_in(state)
    before = snapshot(ticket)
    assert_refused("forbidden", services.ticket_comment, ticket=ticket, by=company_user, text="补充")
    assert snapshot(ticket) == before


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_note_is_refused(text, in_progress_ticket, department_user):
    before = snapshot(in_progress_ticket)
    assert_refused("invalid", services.ticket_comment, ticket=in_progress_ticket, by=department_user, text=text)
    assert snapshot(in_progress_ticket) == before


def test_note_with_only_a_file_is_an_attachment_event(in_progress_ticket, department_user):
    upload = SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    event = services.ticket_comment(ticket=in_progress_ticket, by=department_user, text="", files=[upload])
    assert event.kind == "attachment"
    [attachment] = event.attachments.all()
    assert (attachment.ticket, attachment.uploaded_by, attachment.original_name) == (in_progress_ticket, department_user, "现场照片.jpg")


# --------------------------------------------------------------------------------------------
# attachments on submission
# --------------------------------------------------------------------------------------------


def stored_files(settings):
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def pdf(name="营业执照.pdf", size=200):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * (size - 9), content_type="application/pdf")


def test_submission_stores_attachment_under_a_random_name(submit, company_user, settings):
    ticket = submit(files=[pdf()])
    [attachment] = ticket.attachments.all()
    assert attachment.event == ticket.events.get(kind="submitted")
    assert (attachment.original_name, attachment.size, attachment.content_type) == ("营业执照.pdf", 200, "application/pdf")
    assert attachment.uploaded_by == company_user
    assert "营业执照" not in attachment.file.name
    assert attachment.file.name.endswith(".pdf")
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([SimpleUploadedFile("setup.exe", b"MZ" + b"0" * 50)], "file_type"),
        ([SimpleUploadedFile("report.pdf.html", b"<html></html>")], "file_type"),
        ([SimpleUploadedFile("no_extension", b"data")], "file_type"),
        ([pdf("big.pdf", size=1025)], "file_size"),
        ([SimpleUploadedFile("empty.pdf", b"")], "file_empty"),
        ([pdf("ok.pdf"), SimpleUploadedFile("setup.exe", b"MZ")], "file_type"),  # one bad file spoils the lot
    ],
    ids=["exe", "double-extension", "no-extension", "too-large", "empty", "good-and-bad"],
)
def test_refused_attachment_saves_nothing(files, code, submit, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as excinfo:
        submit(files=files)
    assert excinfo.value.code == code
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert not ReferenceCounter.objects.exists()  # no reference number was used up


def test_file_at_the_size_limit_is_accepted(submit, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = submit(files=[pdf(size=1024)])
    assert ticket.attachments.get().size == 1024


def test_refused_attachment_on_resolve_saves_nothing(in_progress_ticket, department_user, settings):
    before = snapshot(in_progress_ticket)
    with pytest.raises(ValidationError):
        services.ticket_resolve(
            outcome="solved", ticket=in_progress_ticket, by=department_user, result="已解决", files=[SimpleUploadedFile("x.exe", b"MZ")]
        )
    assert snapshot(in_progress_ticket) == before
    assert stored_files(settings) == []


# --------------------------------------------------------------------------------------------
# the timeline is append-only
# --------------------------------------------------------------------------------------------


@pytest.fixture
def event(ticket):
    return ticket.events.get()


def test_existing_event_cannot_be_saved_again(event):
    event.note = "改写历史"
    with pytest.raises(TypeError):
        event.save()
    assert TicketEvent.objects.get(pk=event.pk).note == ""


def test_event_cannot_be_deleted(event):
    with pytest.raises(TypeError):
        event.delete()
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_updated_in_bulk(event):
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(pk=event.pk).update(note="改写历史")
    event.note = "改写历史"
    with pytest.raises(TypeError), transaction.atomic():
        TicketEvent.objects.bulk_update([event], ["note"])
    assert TicketEvent.objects.get(pk=event.pk).note == ""


def test_events_cannot_be_deleted_in_bulk(event, ticket):
    with pytest.raises(TypeError):
        TicketEvent.objects.all().delete()
    with pytest.raises(TypeError):
        ticket.events.all().delete()
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_events_can_still_be_added(ticket, company_user):
    services.ticket_comment(ticket=ticket, by=company_user, text="补充材料")
    assert ticket.events.count() == 2


def test_ticket_with_events_cannot_be_deleted(ticket):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        ticket.delete()
    assert TicketEvent.objects.filter(ticket_id=ticket.pk).exists()


# --------------------------------------------------------------------------------------------
# a whole loop, as a story
# --------------------------------------------------------------------------------------------


def test_full_loop_timeline(submit, dispatcher, department, department_user, company_user):
    ticket = submit()
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department)
    services.ticket_sign(ticket=ticket, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已解决")
    services.ticket_reopen(ticket=ticket, by=company_user, comment="没解决")
    services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="再次办理，已解决")
    services.ticket_confirm(ticket=ticket, by=company_user, rating="basically_satisfied")

    assert [(e.kind, e.from_state, e.to_state) for e in ticket.events.all()] == [
        ("submitted", "", "submitted"),
        ("assign", "submitted", "assigned"),
        ("sign", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("reopen", "resolved", "in_progress"),
        ("supervision", "none", "yellow"),
        ("resolve", "in_progress", "resolved"),
        ("confirm", "resolved", "closed"),
    ]
    ticket = reload(ticket)
    assert (ticket.status, ticket.rating, ticket.supervision_level) == ("closed", "basically_satisfied", "yellow")


# --------------------------------------------------------------------------------------------
# stale requests and stale objects
# --------------------------------------------------------------------------------------------


def test_returning_withdraws_a_pending_extension(extension, assigned_ticket, department_user, dispatcher, other_department):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不归我局管")
    extension.refresh_from_db()
    assert extension.state == "withdrawn"
    assert assigned_ticket.events.filter(kind="extension_withdrawn", actor=None).count() == 1
    services.ticket_assign(ticket=assigned_ticket, by=dispatcher, department=other_department)
    before = snapshot(assigned_ticket)
    assert_refused("conflict", services.extension_decide, request=extension, by=dispatcher, approve=True)
    assert snapshot(assigned_ticket) == before


def test_new_department_may_ask_for_time_after_a_return(
    extension, assigned_ticket, department_user, dispatcher, other_department, other_department_user
):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不归我局管")
    ticket = services.ticket_assign(ticket=assigned_ticket, by=dispatcher, department=other_department)
    request = services.extension_request(ticket=ticket, by=other_department_user, requested_due_date=later(ticket), reason="需要会商")
    assert request.state == "pending"


def test_extension_action_not_offered_while_one_is_pending(extension, assigned_ticket, department_user):
    assert "request_extension" not in rules.available_actions(reload(assigned_ticket), department_user)


def test_extension_asked_before_a_reopen_cannot_move_the_new_due_date(submit, dispatcher, department, department_user, company_user):
    ticket = submit(at=local_datetime(2026, 9, 14))
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department, at=local_datetime(2026, 9, 14))
    ticket = reload(ticket)
    extension = services.extension_request(
        ticket=ticket, by=department_user, requested_due_date=later(ticket), reason="需要会商", at=local_datetime(2026, 9, 15)
    )
    services.ticket_sign(ticket=ticket, by=department_user)
    services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已办结")
    ticket = services.ticket_reopen(ticket=ticket, by=company_user, comment="没解决")
    assert ticket.due_date > extension.requested_due_date  # approving would move the due date backwards
    before = snapshot(ticket)

    assert_refused("conflict", services.extension_decide, request=extension, by=dispatcher, approve=True)  # withdrawn at resolve

    assert snapshot(ticket) == before


def test_return_from_a_stale_copy_records_the_department_that_really_held_the_ticket(
    assigned_ticket, department_user, dispatcher, other_department, other_department_user
):
    stale = reload(assigned_ticket)  # still says: held by 市发改委
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不归我局管")
    services.ticket_assign(ticket=assigned_ticket, by=dispatcher, department=other_department)

    returned_to_dispatch(ticket=stale, by=other_department_user, reason="也不归我局管")

    event = assigned_ticket.events.filter(kind="return_to_dispatch").last()
    assert (event.data["department_id"], event.data["department"]) == (other_department.pk, other_department.name)


def test_too_many_files_are_refused_by_the_service_too(submit, settings):
    from tickets.models import Ticket

    files = [SimpleUploadedFile(f"{n}.pdf", b"%PDF") for n in range(settings.ATTACHMENT_MAX_FILES + 1)]
    with pytest.raises(ValidationError) as refused:
        submit(files=files)
    assert refused.value.code == "file_count"
    assert not Ticket.objects.exists()
