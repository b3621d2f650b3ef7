"""The sweep reminds the lead department when a ticket resolved as "not feasible for now" reaches
its review date (DESIGN.md §9): claimed once (Reminder kind outcome_review), idempotent."""

import datetime

import pytest

from tests.conftest import at, day, race
from tests.jobs.test_sweep import results_of, sweep_on
from tickets import services
from tickets.models import Notification, Reminder

pytestmark = pytest.mark.django_db

REVIEW = day(11, 20)


@pytest.fixture
def not_feasible(in_progress_ticket, department_user):
    return services.ticket_resolve(
        ticket=in_progress_ticket, by=department_user, result="需等待省级政策", outcome="not_feasible",
        condition="省级配套政策尚未出台", review_date=REVIEW, at=at(day(11, 2)),
    )  # fmt: skip


def reminders(user=None):
    notes = Notification.objects.filter(kind=Notification.Kind.OUTCOME_REVIEW_DUE)
    return notes.filter(recipient=user) if user else notes


def test_nothing_before_the_review_date(not_feasible):
    assert sweep_on(REVIEW - datetime.timedelta(days=1))["outcome_review"] == 0
    assert not reminders().exists()


def test_the_review_date_reminds_the_lead_department_once(not_feasible, department_user, supervisor):
    report = sweep_on(REVIEW)
    assert report["outcome_review"] == 1
    [note] = reminders()
    assert note.recipient == department_user and note.ticket_id == not_feasible.pk
    assert REVIEW.isoformat() in note.body and "省级配套政策尚未出台" in note.body
    assert Reminder.objects.filter(ticket=not_feasible, kind=Reminder.Kind.OUTCOME_REVIEW, due_date=REVIEW).count() == 1
    assert sweep_on(REVIEW)["outcome_review"] == 0
    assert sweep_on(REVIEW + datetime.timedelta(days=3))["outcome_review"] == 0
    assert reminders().count() == 1


def test_a_sweep_that_did_not_run_on_the_day_catches_up(not_feasible):
    assert sweep_on(REVIEW + datetime.timedelta(days=10))["outcome_review"] == 1


def test_a_closed_not_feasible_ticket_is_reminded_too(not_feasible, company_user, department_user):
    services.ticket_confirm(ticket=not_feasible, by=company_user, rating="basically_satisfied")
    assert sweep_on(REVIEW)["outcome_review"] == 1
    assert reminders(department_user).count() == 1


def test_a_reopened_ticket_is_being_handled_and_not_reminded(not_feasible, company_user):
    services.ticket_reopen(ticket=not_feasible, by=company_user, comment="希望尽快解决")
    assert sweep_on(REVIEW)["outcome_review"] == 0


def test_solved_and_explained_tickets_have_no_review(in_progress_ticket, department_user):
    services.ticket_resolve(ticket=in_progress_ticket, by=department_user, result="已解释", outcome="explained")
    assert sweep_on(REVIEW)["outcome_review"] == 0


def test_a_new_not_feasible_resolution_with_a_new_date_is_reminded_on_that_date(not_feasible, company_user, department_user):
    ticket = services.ticket_reopen(ticket=not_feasible, by=company_user, comment="请再研究", at=at(day(11, 3)))
    later = day(12, 10)
    services.ticket_resolve(
        ticket=ticket, by=department_user, result="仍需等待", outcome="not_feasible", condition="待财政预算",
        review_date=later, at=at(day(11, 4)),
    )  # fmt: skip
    assert sweep_on(REVIEW)["outcome_review"] == 0  # the latest outcome's date is the one in force
    assert sweep_on(later)["outcome_review"] == 1  # closed by then (no answer): still reminded
    assert reminders().get().body.count(later.isoformat()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_remind_once(not_feasible):
    reports = results_of(race(lambda: sweep_on(REVIEW), lambda: sweep_on(REVIEW)))
    assert sorted(report["outcome_review"] for report in reports) == [0, 1]
    assert reminders().count() == 1
