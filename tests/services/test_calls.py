"""Follow-up calls (回访) and verification calls (回访核实), DESIGN.md §9: tickets.services.calls."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import User
from tests.conftest import at, race
from tests.factories import UserFactory
from tickets import services
from tickets.models import EventKind, Notification, Ticket, TicketEvent, VerificationCall
from tickets.services import ActionRefused
from tickets.services.calls import previous_month, sample_size, verification_candidates, verification_sample

MAY = datetime.date(2026, 5, 1)
IN_JUNE = at(datetime.date(2026, 6, 3))


def refused(func, **kwargs):
    with pytest.raises(ActionRefused) as excinfo:
        func(**kwargs)
    return excinfo.value


def nothing_saved(ticket, events):
    return TicketEvent.objects.filter(ticket=ticket).count() == events


@pytest.fixture
def resolved(submit, dispatcher, department, department_user):
    def _resolved(when=None):
        when = when or timezone.now()
        ticket = services.ticket_assign(ticket=submit(at=when), by=dispatcher, department=department, at=when)
        services.ticket_sign(ticket=ticket, by=department_user, at=when)
        return services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已办结", at=when)

    return _resolved


@pytest.fixture
def closed_in_may(resolved, company_user, callback_user):
    """Five tickets closed in May 2026: three confirmed online, one closed without an answer, one
    confirmed by a caller on the phone (not a candidate for a verification call)."""
    tickets = []
    for day in (4, 5, 6):
        ticket = resolved(at(datetime.date(2026, 5, day)))
        tickets.append(services.ticket_confirm(ticket=ticket, by=company_user, rating="satisfied", at=at(datetime.date(2026, 5, day), 15)))
    silent = resolved(at(datetime.date(2026, 5, 7)))
    tickets.append(services.ticket_auto_close(ticket=silent, at=at(datetime.date(2026, 5, 20))))
    called = resolved(at(datetime.date(2026, 5, 8)))
    services.ticket_record_call(ticket=called, by=callback_user, said="满意", decision="confirm", rating="satisfied",
                                at=at(datetime.date(2026, 5, 9)))  # fmt: skip
    return tickets


# --- a follow-up call on a resolved ticket -------------------------------------------------------


def test_a_call_confirming_closes_the_ticket_with_the_rating_and_the_caller_on_the_timeline(resolved_ticket, callback_user):
    said = "王经理：已解决，很满意"
    services.ticket_record_call(ticket=resolved_ticket, by=callback_user, said=said, decision="confirm", rating="satisfied")
    ticket = Ticket.objects.get(pk=resolved_ticket.pk)
    event = ticket.events.get(kind=EventKind.CONFIRM)
    assert (ticket.status, ticket.rating, ticket.rating_comment, ticket.followed_up) == ("closed", "satisfied", said, True)
    assert (event.actor, event.note, event.data["channel"], event.data["caller"]) == (callback_user, said, "phone", "回访中心 回访员")


def test_a_call_reopening_sends_the_ticket_back_under_yellow_supervision_and_tells_the_department(
    resolved_ticket, callback_user, department_user
):
    services.ticket_record_call(ticket=resolved_ticket, by=callback_user, said="贷款还没到账", decision="reopen")
    ticket = Ticket.objects.get(pk=resolved_ticket.pk)
    assert (ticket.status, ticket.latest_rating, ticket.supervision_level, ticket.was_reopened) == (
        "in_progress", "dissatisfied", "yellow", True,
    )  # fmt: skip
    assert ticket.due_date > timezone.localdate()
    assert Notification.objects.filter(recipient=department_user, kind=Notification.Kind.REOPENED, ticket=ticket).exists()


def test_a_call_on_a_ticket_in_progress_is_refused_and_saves_nothing(in_progress_ticket, callback_user):
    events = in_progress_ticket.events.count()
    error = refused(services.ticket_record_call, ticket=in_progress_ticket, by=callback_user, said="电话", decision="reopen")
    assert error.code == "invalid_state" and "已办结" in error.message
    assert nothing_saved(in_progress_ticket, events)


def test_a_call_on_a_closed_ticket_outside_the_verification_list_is_refused(closed_ticket, callback_user):
    events = closed_ticket.events.count()
    error = refused(services.ticket_record_call, ticket=closed_ticket, by=callback_user, said="电话", decision="reopen")
    assert error.code == "invalid_state" and "回访核实" in error.message
    assert nothing_saved(closed_ticket, events)


def test_a_call_without_what_the_company_said_is_refused(resolved_ticket, callback_user):
    events = resolved_ticket.events.count()
    error = refused(
        services.ticket_record_call, ticket=resolved_ticket, by=callback_user, said="  ", decision="confirm", rating="satisfied"
    )
    assert error.code == "invalid" and "企业" in error.message
    assert nothing_saved(resolved_ticket, events) and Ticket.objects.get(pk=resolved_ticket.pk).status == "resolved"


@pytest.mark.parametrize("rating", ["dissatisfied", "no_answer", "", "excellent"])
def test_a_confirming_call_with_a_rating_not_allowed_is_refused(resolved_ticket, callback_user, rating):
    events = resolved_ticket.events.count()
    error = refused(services.ticket_record_call, ticket=resolved_ticket, by=callback_user, said="满意", decision="confirm", rating=rating)
    assert error.code == "invalid" and "满意" in error.message
    assert nothing_saved(resolved_ticket, events)


def test_a_call_by_a_role_that_may_not_call_is_refused(resolved_ticket, leader, department_user, company_user):
    for user in (leader, department_user, company_user):
        error = refused(services.ticket_record_call, ticket=resolved_ticket, by=user, said="满意", decision="confirm", rating="satisfied")
        assert error.code == "forbidden"
    assert Ticket.objects.get(pk=resolved_ticket.pk).status == "resolved"


def test_the_company_service_does_not_let_a_caller_confirm_for_the_company(resolved_ticket, callback_user, dispatcher):
    for user in (callback_user, dispatcher):
        assert refused(services.ticket_confirm, ticket=resolved_ticket, by=user, rating="satisfied").code == "forbidden"


# --- the monthly sample -------------------------------------------------------------------------


def test_the_candidates_are_the_tickets_closed_in_the_month_online_or_without_an_answer(closed_in_may):
    assert set(verification_candidates(MAY)) == set(closed_in_may)


@pytest.mark.parametrize(("candidates", "percent", "size"), [(0, 20, 0), (1, 20, 1), (4, 20, 1), (5, 20, 1), (6, 20, 2), (10, 100, 10)])
def test_the_sample_is_the_percentage_rounded_up(candidates, percent, size):
    assert sample_size(candidates, percent) == size


def test_the_sample_of_a_month_is_the_same_each_time_it_is_drawn(closed_in_may):
    first = verification_sample(MAY, 50)
    assert first == verification_sample(MAY, 50)
    assert len(first) == 2 and set(first) <= {t.pk for t in closed_in_may}


def test_the_draw_stores_the_sample_pending_and_tells_the_callers(closed_in_may, callback_user, dispatcher, settings):
    settings.VERIFICATION_SAMPLE_PERCENT = 50
    calls = services.verification_draw(month=MAY, at=IN_JUNE)
    assert sorted(c.ticket_id for c in calls) == verification_sample(MAY, 50)
    assert set(VerificationCall.objects.values_list("state", flat=True)) == {"pending"}
    [note] = Notification.objects.filter(kind=Notification.Kind.VERIFICATION_DUE)
    assert note.recipient == callback_user and "2026-05" in note.subject and note.url.endswith("?month=2026-05")


def test_without_active_callers_the_dispatch_office_is_told(closed_in_may, dispatcher, settings):
    settings.VERIFICATION_SAMPLE_PERCENT = 50
    User.objects.filter(role=User.Role.CALLBACK).update(is_active=False)
    services.verification_draw(month=MAY, at=IN_JUNE)
    assert [n.recipient for n in Notification.objects.filter(kind=Notification.Kind.VERIFICATION_DUE)] == [dispatcher]


def test_drawing_a_month_twice_stores_nothing_twice_and_tells_no_one_again(closed_in_may, callback_user):
    services.verification_draw(month=MAY, at=IN_JUNE)
    assert services.verification_draw(month=MAY, at=IN_JUNE) == []
    assert VerificationCall.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.VERIFICATION_DUE).count() == 1


def test_a_month_not_ended_cannot_be_drawn(closed_in_may):
    error = refused(services.verification_draw, month=datetime.date(2026, 6, 1), at=IN_JUNE)
    assert error.code == "invalid" and VerificationCall.objects.count() == 0


def test_the_periodic_task_draws_last_month(closed_in_may, callback_user, monkeypatch):
    from tickets import tasks

    monkeypatch.setattr(timezone, "now", lambda: IN_JUNE)
    tasks.draw_verification_calls()
    tasks.draw_verification_calls()  # safe to run twice
    assert previous_month(datetime.date(2026, 6, 3)) == MAY
    assert list(VerificationCall.objects.values_list("month", flat=True)) == [MAY]


def test_the_command_draws_a_given_month(closed_in_may, capsys):
    call_command("draw_verification_calls", "--month", "2026-05")
    assert VerificationCall.objects.filter(month=MAY).count() == 1
    assert "2026-05" in capsys.readouterr().out


# --- the caller's answer -------------------------------------------------------------------------


@pytest.fixture
def drawn(closed_ticket):
    return VerificationCall.objects.create(ticket=closed_ticket, month=timezone.localdate().replace(day=1))


def test_confirmed_keeps_the_ticket_closed_and_records_who_called_and_what_was_said(drawn, callback_user):
    call = services.verification_record(call=drawn, by=callback_user, confirmed=True, said="确认已解决")
    ticket = Ticket.objects.get(pk=drawn.ticket_id)
    event = ticket.events.get(kind=EventKind.VERIFICATION_CONFIRMED)
    assert (call.state, call.caller, call.said) == ("confirmed", callback_user, "确认已解决")
    assert (ticket.status, ticket.followed_up) == ("closed", True)
    assert (event.actor, event.note, event.data["channel"]) == (callback_user, "确认已解决", "phone")


def test_the_company_disagreeing_reopens_the_closed_ticket_under_yellow_supervision_with_a_new_due_date(
    drawn, callback_user, department_user
):
    services.verification_record(call=drawn, by=callback_user, confirmed=False, said="问题并没有解决")
    ticket = Ticket.objects.get(pk=drawn.ticket_id)
    event = ticket.events.get(kind=EventKind.REOPEN)
    assert (ticket.status, ticket.supervision_level, ticket.latest_rating, ticket.closed_at, ticket.followed_up) == (
        "in_progress", "yellow", "dissatisfied", None, False,
    )  # fmt: skip
    assert (event.from_state, event.to_state, event.actor, event.data["due_date"]) == (
        "closed", "in_progress", callback_user, ticket.due_date.isoformat(),
    )  # fmt: skip
    assert ticket.due_date > timezone.localdate()
    assert ticket.assignments.get(role="lead", ended_at__isnull=True).due_date == ticket.due_date
    assert Notification.objects.filter(recipient=department_user, kind=Notification.Kind.REOPENED).exists()


def test_recording_a_verification_call_twice_is_refused_with_who_recorded_it(drawn, callback_user, dispatcher):
    services.verification_record(call=drawn, by=callback_user, confirmed=True, said="确认")
    events = TicketEvent.objects.count()
    error = refused(services.verification_record, call=drawn, by=dispatcher, confirmed=False, said="不满意")
    assert error.code == "conflict" and "回访中心 回访员" in error.message
    assert TicketEvent.objects.count() == events and Ticket.objects.get(pk=drawn.ticket_id).status == "closed"


def test_a_verification_answer_without_what_the_company_said_is_refused(drawn, callback_user):
    error = refused(services.verification_record, call=drawn, by=callback_user, confirmed=False, said="")
    assert error.code == "invalid"
    assert VerificationCall.objects.get(pk=drawn.pk).state == "pending" and Ticket.objects.get(pk=drawn.ticket_id).status == "closed"


def test_a_verification_answer_by_a_role_that_may_not_call_is_refused(drawn, leader, department_user):
    for user in (leader, department_user):
        assert refused(services.verification_record, call=drawn, by=user, confirmed=True, said="确认").code == "forbidden"
    assert VerificationCall.objects.get(pk=drawn.pk).state == "pending"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_callers_at_once_one_wins_and_the_other_is_told(drawn, callback_user, dispatcher):
    second = UserFactory(username="callback2", role=User.Role.CALLBACK, display_name="回访员二")
    outcomes = race(
        lambda: services.verification_record(call=drawn, by=callback_user, confirmed=False, said="没解决"),
        lambda: services.verification_record(call=drawn, by=second, confirmed=True, said="解决了"),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    [error] = [value for kind, value in outcomes if kind == "refused"]
    assert error.code == "conflict"
    assert TicketEvent.objects.filter(ticket_id=drawn.ticket_id, kind__in=["reopen", "verification_confirmed"]).count() == 1
