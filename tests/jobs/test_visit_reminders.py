"""The daily reminder of liaison visits: 10 working days before a quarter ends, each liaison is
told once of the companies nobody has visited this quarter."""

import pytest

from tests.conftest import at, day
from tests.factories import EnterpriseFactory, UserFactory
from tickets import services
from tickets.jobs.visits import remind_unvisited, reminder_due
from tickets.models import Delivery, Notification, VisitReminder

# 2026-12-18 (a Friday): 9 working days of the quarter remain after it; 2026-12-01: 22.
REMINDER_DAY = day(12, 18)


def _visit(liaison, enterprise, on):
    liaison.__dict__.pop("_liaison_enterprise_ids", None)
    return services.visit_record(by=liaison, enterprise=enterprise, visited_on=on, discussion="走访", at=at(on))


def test_the_reminder_is_due_in_a_quarter_s_last_ten_working_days(db):
    assert reminder_due(REMINDER_DAY) and reminder_due(day(12, 31))
    assert not reminder_due(day(12, 1)) and not reminder_due(day(10, 1))


def test_nobody_is_reminded_before_the_last_ten_working_days(liaison, enterprise):
    assert remind_unvisited(now=at(day(12, 1)))["reminded"] == 0
    assert not Notification.objects.exists()


def test_a_liaison_is_told_of_the_companies_not_visited_this_quarter(liaison, enterprise, settings):
    visited = EnterpriseFactory(name="已走访公司")
    visited.liaisons.add(liaison)
    _visit(liaison, visited, day(11, 3))
    assert remind_unvisited(now=at(REMINDER_DAY)) == {"quarter": "2026-10-01", "reminded": 1}
    (note,) = Notification.objects.filter(recipient=liaison)
    assert note.kind == Notification.Kind.VISITS_DUE and enterprise.name in note.body and "已走访公司" not in note.body
    assert note.url == "/ledger/"


def test_a_visit_of_last_quarter_does_not_count(liaison, enterprise):
    _visit(liaison, enterprise, day(9, 30))
    assert remind_unvisited(now=at(REMINDER_DAY))["reminded"] == 1


def test_a_liaison_whose_companies_were_all_visited_is_not_told(liaison, enterprise):
    _visit(liaison, enterprise, day(10, 9))
    assert remind_unvisited(now=at(REMINDER_DAY))["reminded"] == 0
    assert not Notification.objects.exists()


def test_the_reminder_is_sent_once_per_liaison_and_quarter(liaison, enterprise):
    remind_unvisited(now=at(REMINDER_DAY))
    assert remind_unvisited(now=at(day(12, 21)))["reminded"] == 0
    assert Notification.objects.filter(recipient=liaison).count() == 1
    assert VisitReminder.objects.get().quarter == day(10, 1)


def test_next_quarter_reminds_again(liaison, enterprise):
    remind_unvisited(now=at(REMINDER_DAY))
    remind_unvisited(now=at(day(3, 20, year=2027)))
    assert Notification.objects.filter(recipient=liaison).count() == 2


def test_an_inactive_liaison_is_not_told(liaison, enterprise):
    liaison.is_active = False
    liaison.save()
    assert remind_unvisited(now=at(REMINDER_DAY))["reminded"] == 0


def test_each_liaison_of_a_company_is_told(liaison, enterprise):
    second = UserFactory(role="liaison")
    enterprise.liaisons.add(second)
    assert remind_unvisited(now=at(REMINDER_DAY))["reminded"] == 2


def test_the_reminder_waits_for_delivery_by_e_mail_too(liaison, enterprise):
    liaison.email = "li@example.gov.cn"
    liaison.save()
    remind_unvisited(now=at(REMINDER_DAY))
    (note,) = Notification.objects.filter(recipient=liaison)
    assert [(d.channel, d.status) for d in Delivery.objects.filter(notification=note)] == [("email", "pending")]


@pytest.mark.postgres
def test_two_runs_at_once_tell_once(liaison, enterprise, transactional_db):
    from tests.conftest import race

    outcomes = race(lambda: remind_unvisited(now=at(REMINDER_DAY)), lambda: remind_unvisited(now=at(REMINDER_DAY)))
    assert sorted(result["reminded"] for _kind, result in outcomes) == [0, 1]
    assert Notification.objects.filter(recipient=liaison).count() == 1
