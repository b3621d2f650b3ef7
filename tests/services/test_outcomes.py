"""Outcome kinds of a resolution (DESIGN.md §9): solved, explained, not feasible for now."""

import datetime

import pytest
from django.utils import timezone

from tickets import services
from tickets.models import EventKind, Outcome, Ticket
from tickets.services import ActionRefused

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def resolve(ticket, user, **kwargs):
    return services.ticket_resolve(ticket=ticket, by=user, result="已答复企业", **kwargs)


def refused(ticket, user, **kwargs):
    with pytest.raises(ActionRefused) as excinfo:
        resolve(ticket, user, **kwargs)
    assert excinfo.value.code == "invalid"
    return excinfo.value.message


@pytest.mark.parametrize("outcome", [Outcome.SOLVED, Outcome.EXPLAINED])
def test_resolve_stores_the_outcome_on_the_ticket_and_its_event(in_progress_ticket, department_user, outcome):
    ticket = resolve(in_progress_ticket, department_user, outcome=outcome)
    assert (ticket.outcome, ticket.outcome_condition, ticket.outcome_review_date) == (outcome, "", None)
    event = ticket.events.get(kind=EventKind.RESOLVE)
    assert event.data["outcome"] == outcome and "review_date" not in event.data


def test_not_feasible_stores_the_condition_and_review_date(in_progress_ticket, department_user):
    ticket = resolve(
        in_progress_ticket, department_user, outcome=Outcome.NOT_FEASIBLE, condition=" 待省里出台配套政策 ", review_date=TOMORROW
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.outcome, ticket.outcome_condition, ticket.outcome_review_date) == ("not_feasible", "待省里出台配套政策", TOMORROW)
    event = ticket.events.get(kind=EventKind.RESOLVE)
    assert event.data == {
        "due_date": ticket.due_date.isoformat(), "outcome": "not_feasible", "condition": "待省里出台配套政策",
        "review_date": TOMORROW.isoformat(),
    }  # fmt: skip


def test_a_condition_and_date_given_with_another_outcome_are_not_kept(in_progress_ticket, department_user):
    ticket = resolve(in_progress_ticket, department_user, outcome=Outcome.SOLVED, condition="无", review_date=TOMORROW)
    assert (ticket.outcome_condition, ticket.outcome_review_date) == ("", None)


def test_the_latest_resolution_gives_the_outcome(reopened_ticket, department_user):
    ticket = resolve(reopened_ticket, department_user, outcome=Outcome.EXPLAINED)
    assert Ticket.objects.get(pk=ticket.pk).outcome == "explained"


def test_a_reopen_keeps_the_latest_outcome(resolved_ticket, company_user):
    ticket = services.ticket_reopen(ticket=resolved_ticket, by=company_user, comment="没解决")
    assert Ticket.objects.get(pk=ticket.pk).outcome == "solved"


# --- bad input: nothing saved, the message in Chinese ---------------------------------------


def assert_nothing_saved(ticket):
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "in_progress" and ticket.outcome == ""
    assert not ticket.events.filter(kind=EventKind.RESOLVE).exists()


def test_resolve_without_an_outcome_is_refused(in_progress_ticket, department_user):
    assert "请选择办理结果类型" in refused(in_progress_ticket, department_user, outcome="")
    assert_nothing_saved(in_progress_ticket)


def test_resolve_with_an_unknown_outcome_is_refused(in_progress_ticket, department_user):
    assert "请选择办理结果类型" in refused(in_progress_ticket, department_user, outcome="fixed")
    assert_nothing_saved(in_progress_ticket)


def test_not_feasible_without_a_review_date_is_refused(in_progress_ticket, department_user):
    message = refused(in_progress_ticket, department_user, outcome=Outcome.NOT_FEASIBLE, condition="待政策出台")
    assert "重新研究的日期" in message
    assert_nothing_saved(in_progress_ticket)


def test_not_feasible_without_the_condition_is_refused(in_progress_ticket, department_user):
    message = refused(in_progress_ticket, department_user, outcome=Outcome.NOT_FEASIBLE, condition="  ", review_date=TOMORROW)
    assert "缺少什么条件" in message
    assert_nothing_saved(in_progress_ticket)


@pytest.mark.parametrize("days", [0, -3])
def test_not_feasible_with_a_review_date_not_after_today_is_refused(in_progress_ticket, department_user, days):
    today = timezone.localdate()
    message = refused(
        in_progress_ticket,
        department_user,
        outcome=Outcome.NOT_FEASIBLE,
        condition="待政策出台",
        review_date=today + datetime.timedelta(days=days),
    )
    assert today.isoformat() in message and "晚于今天" in message
    assert_nothing_saved(in_progress_ticket)
