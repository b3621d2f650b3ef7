"""The reminder sweep (DESIGN.md §4): which tickets it reminds, raises, and closes, on a hand-built
set of tickets around the 2026 National Day holiday, and that it acts exactly once.

The calendar the tests rely on (checked in the first test against the stored official calendar):

    September 2026                 October 2026
    Sep 25 Fri  Mid-autumn (off)   Oct 1–7     National Day (off)
    Sep 26–27   weekend            Oct 8 Thu   working
    Sep 28 Mon  working            Oct 9 Fri   working
    Sep 29 Tue  working            Oct 10 Sat  make-up working day (调休)
    Sep 30 Wed  working            Oct 11 Sun  off
                                   Oct 12 Mon  working

Working-day counts below are written out by hand, day by day, rather than computed with the
functions under test.
"""

import datetime
import io
from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import User
from tests.conftest import at, day, race
from tests.factories import UserFactory
from tickets import notifications, services, workdays
from tickets.jobs.sweep import run_sweep
from tickets.models import Delivery, Notification, Reminder, Ticket, TicketEvent
from tickets.notifications import outbox

ZERO_REPORT = {
    "due_soon": 0, "unsigned": 0, "overdue": 0, "raised_yellow": 0, "long_overdue": 0, "raised_red": 0, "auto_closed": 0,
    "contact_due_soon": 0, "contact_overdue": 0, "co_unsigned": 0, "co_feedback_due_soon": 0, "co_feedback_late": 0,
    "outcome_review": 0,
}  # fmt: skip


def sweep_on(date, hour=10):
    return run_sweep(now=at(date, hour))


def working_days_after(start, end):
    """The official working days d with start < d <= end, one by one."""
    days, d = [], start
    while d < end:
        d += datetime.timedelta(days=1)
        if workdays.is_working_day(d):
            days.append(d)
    return days


def told(kind, ticket):
    """Usernames told `kind` about `ticket`."""
    return sorted(Notification.objects.filter(kind=kind, ticket=ticket).values_list("recipient__username", flat=True))


def sweep_events(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, actor=None).values_list("kind", "from_state", "to_state"))


@pytest.fixture
def everyone(department_user, other_department_user, supervisor, leader, dispatcher, company_user, liaison):
    """The whole cast exists, so that tests can check who was NOT told."""


@pytest.fixture
def build(everyone, submit, dispatcher, department, department_user):
    """A ticket assigned to the department on `assigned` (due `due`), optionally signed and
    resolved on given days. Every action is recorded at 10:00 local time on its day. A signed
    ticket's company was contacted right after signing (these tests are about the resolution
    stage; tests/jobs/test_sweep_stages.py is about the first contact)."""

    def _build(*, assigned, due, signed=None, resolved=None, title="贷款审批迟迟没有结果"):
        ticket = submit(title=title, at=at(assigned, 9))
        ticket = services.ticket_assign(ticket=ticket, by=dispatcher, department=department, due_date=due, at=at(assigned))
        if signed or resolved:
            ticket = services.ticket_sign(ticket=ticket, by=department_user, at=at(signed or assigned, 11))
            contacted = at(signed or assigned, 11, 30)
            services.ticket_contact(ticket=ticket, by=department_user, method="phone", note="已电话联系企业。", at=contacted)
        if resolved:
            ticket = services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已协调解决。", at=at(resolved))
        return Ticket.objects.get(pk=ticket.pk)

    return _build


def test_the_stored_calendar_has_the_2026_national_day_holiday_and_make_up_days(db):
    assert [workdays.is_working_day(day(9, d)) for d in range(24, 31)] == [True, False, False, False, True, True, True]
    assert not any(workdays.is_working_day(day(10, d)) for d in range(1, 8))
    assert workdays.is_working_day(day(10, 10))  # Saturday, make-up working day
    assert workdays.is_working_day(day(9, 20))  # Sunday, make-up working day
    assert not workdays.is_working_day(day(10, 11))


# --- due soon ---------------------------------------------------------------------------------


def test_due_soon_reminds_tickets_due_today_or_on_the_next_working_day_after_the_holiday(build):
    due_today = build(assigned=day(9, 28), due=day(9, 30), signed=day(9, 28))
    due_after_holiday = build(assigned=day(9, 28), due=day(10, 8), signed=day(9, 28))  # Oct 8 is the next working day
    due_later = build(assigned=day(9, 28), due=day(10, 9), signed=day(9, 28))

    report = sweep_on(day(9, 30))

    assert report["due_soon"] == 2
    reminded = set(Notification.objects.filter(kind="due_soon").values_list("ticket_id", flat=True))
    assert reminded == {due_today.pk, due_after_holiday.pk}
    assert due_later.pk not in reminded


def test_due_soon_reminder_goes_to_the_department_staff_only(build):
    ticket = build(assigned=day(9, 28), due=day(10, 8), signed=day(9, 28))

    sweep_on(day(9, 30))

    assert told("due_soon", ticket) == ["dept"]


# --- not signed in time -----------------------------------------------------------------------


def test_unsigned_reminder_fires_once_the_sign_by_date_has_passed(build):
    unsigned = build(assigned=day(9, 29), due=day(10, 16))
    signed = build(assigned=day(9, 29), due=day(10, 16), signed=day(9, 29))
    assert unsigned.response_due_date == day(9, 30)  # one working day after assignment

    assert sweep_on(day(9, 30))["unsigned"] == 0  # the sign-by day itself is still in time
    report = sweep_on(day(10, 8))

    assert report["unsigned"] == 1
    assert told("unsigned", unsigned) == ["dept"]
    assert told("unsigned", signed) == []


# --- overdue: yellow card ---------------------------------------------------------------------


def test_overdue_ticket_gets_yellow_supervision_recorded_as_a_system_event(build):
    ticket = build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28))

    report = sweep_on(day(9, 30))

    assert (report["overdue"], report["raised_yellow"], report["raised_red"]) == (1, 1, 0)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "yellow"
    [event] = TicketEvent.objects.filter(ticket=ticket, kind="supervision")
    assert (event.actor, event.from_state, event.to_state) == (None, "none", "yellow")
    assert event.created_at == at(day(9, 30))


def test_ticket_due_today_is_not_overdue_yet(build):
    ticket = build(assigned=day(9, 28), due=day(9, 30), signed=day(9, 28))

    assert sweep_on(day(9, 30), hour=23)["overdue"] == 0
    ticket.refresh_from_db()
    assert ticket.supervision_level == "none"


def test_overdue_tells_the_department_staff_and_the_supervision_office(build):
    ticket = build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28))

    sweep_on(day(9, 30))

    assert told("overdue", ticket) == ["dept", "supervisor"]  # not leadership, other departments or the company


# --- long overdue: red card -------------------------------------------------------------------


def test_five_working_days_past_due_raises_red_and_tells_leadership(build):
    ticket = build(assigned=day(9, 21), due=day(9, 22), signed=day(9, 21))
    # Sep 23, 24, (25 Mid-autumn, 26–27 weekend), 28, 29, 30: five working days past due.
    assert working_days_after(day(9, 22), day(9, 30)) == [day(9, 23), day(9, 24), day(9, 28), day(9, 29), day(9, 30)]

    report = sweep_on(day(9, 30))

    assert (report["long_overdue"], report["raised_red"]) == (1, 1)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "red"
    assert sweep_events(ticket) == [("supervision", "none", "yellow"), ("supervision", "yellow", "red")]
    assert told("long_overdue", ticket) == ["dept", "leader", "supervisor"]


def test_four_working_days_past_due_is_not_long_overdue_although_five_weekdays_have_passed(build):
    ticket = build(assigned=day(9, 21), due=day(9, 23), signed=day(9, 21))
    # Sep 24, (25 is a weekday but a holiday), 28, 29, 30: four working days.
    assert working_days_after(day(9, 23), day(9, 30)) == [day(9, 24), day(9, 28), day(9, 29), day(9, 30)]

    report = sweep_on(day(9, 30))

    assert (report["overdue"], report["long_overdue"]) == (1, 0)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "yellow"


def test_ticket_due_before_national_day_is_not_long_overdue_during_the_week_after(build):
    ticket = build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28))
    # Oct 1–7 are holidays: by Oct 10 (a make-up Saturday) only four working days have passed.
    assert working_days_after(day(9, 29), day(10, 10)) == [day(9, 30), day(10, 8), day(10, 9), day(10, 10)]

    for sweep_day in (day(10, 8), day(10, 9), day(10, 10)):
        assert sweep_on(sweep_day)["long_overdue"] == 0

    ticket.refresh_from_db()
    assert ticket.supervision_level == "yellow"
    assert told("long_overdue", ticket) == []


def test_ticket_due_before_national_day_turns_red_on_the_fifth_working_day_past_due(build):
    ticket = build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28))
    assert working_days_after(day(9, 29), day(10, 12)) == [day(9, 30), day(10, 8), day(10, 9), day(10, 10), day(10, 12)]
    sweep_on(day(10, 10))

    report = sweep_on(day(10, 12))

    assert (report["long_overdue"], report["raised_red"]) == (1, 1)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "red"


def test_ticket_already_red_is_not_raised_again(build, supervisor):
    ticket = build(assigned=day(9, 21), due=day(9, 22), signed=day(9, 21))
    services.ticket_raise_supervision(ticket=ticket, by=supervisor, level="red", notice="严重超期", at=at(day(9, 23)))

    report = sweep_on(day(9, 30))

    assert (report["raised_yellow"], report["raised_red"]) == (0, 0)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "red"
    assert TicketEvent.objects.filter(ticket=ticket, kind="supervision").count() == 1  # the supervisor's own


def test_manually_yellow_ticket_goes_red_from_yellow_when_long_overdue(build, supervisor):
    ticket = build(assigned=day(9, 21), due=day(9, 22), signed=day(9, 21))
    services.ticket_raise_supervision(ticket=ticket, by=supervisor, level="yellow", notice="请抓紧办理", at=at(day(9, 23)))

    report = sweep_on(day(9, 30))

    assert (report["raised_yellow"], report["raised_red"]) == (0, 1)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "red"
    assert sweep_events(ticket) == [("supervision", "yellow", "red")]


# --- no answer from the company: auto-close ---------------------------------------------------


def test_resolved_ticket_without_answer_is_not_closed_on_the_sixth_working_day(build):
    ticket = build(assigned=day(9, 28), due=day(10, 16), resolved=day(9, 29))
    assert working_days_after(day(9, 29), day(10, 13)) == [day(9, 30), day(10, 8), day(10, 9), day(10, 10), day(10, 12), day(10, 13)]

    assert sweep_on(day(10, 13), hour=23)["auto_closed"] == 0
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_resolved_ticket_without_answer_is_closed_on_the_seventh_working_day(build):
    ticket = build(assigned=day(9, 28), due=day(10, 16), resolved=day(9, 29))
    assert len(working_days_after(day(9, 29), day(10, 14))) == 7

    report = sweep_on(day(10, 14), hour=8)

    assert report["auto_closed"] == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.closed_at) == ("closed", "no_answer", at(day(10, 14), hour=8))
    [event] = TicketEvent.objects.filter(ticket=ticket, kind="auto_close")
    assert (event.actor, event.from_state, event.to_state) == (None, "resolved", "closed")
    assert event.data == {"working_days": 7}


def test_auto_close_tells_the_company_its_liaison_and_the_department(build):
    ticket = build(assigned=day(9, 28), due=day(10, 16), resolved=day(9, 29))

    sweep_on(day(10, 14))

    assert told("auto_closed", ticket) == ["company", "dept", "liaison"]


# --- what the sweep leaves alone ----------------------------------------------------------------


def test_closed_and_rejected_tickets_are_ignored(build, submit, dispatcher, company_user, department_user):
    closed = build(assigned=day(9, 21), due=day(9, 22), resolved=day(9, 22))
    services.ticket_confirm(ticket=closed, by=company_user, rating="satisfied", at=at(day(9, 23)))
    rejected = services.ticket_reject(ticket=submit(at=at(day(9, 21))), by=dispatcher, reason="不属于涉企诉求范围", at=at(day(9, 22)))
    notes_before = Notification.objects.count()

    report = sweep_on(day(10, 30))

    assert report == ZERO_REPORT
    assert Notification.objects.count() == notes_before
    assert not Reminder.objects.exists()
    assert sweep_events(closed) == [] and sweep_events(rejected) == []


def test_approved_extension_that_moved_the_due_date_means_no_overdue(build, department_user, dispatcher):
    ticket = build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28))
    request = services.extension_request(
        ticket=ticket, by=department_user, requested_due_date=day(10, 16), reason="需省级部门会签", at=at(day(9, 28), 14)
    )
    services.extension_decide(request=request, by=dispatcher, approve=True, at=at(day(9, 29)))

    report = sweep_on(day(10, 9))

    assert (report["overdue"], report["long_overdue"]) == (0, 0)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "none"


def test_after_an_extension_the_new_due_date_gets_its_own_overdue_reminder(build, department_user, dispatcher):
    ticket = build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28))
    assert sweep_on(day(9, 30))["overdue"] == 1
    request = services.extension_request(
        ticket=ticket, by=department_user, requested_due_date=day(10, 9), reason="节后企业复工", at=at(day(9, 30), 14)
    )
    services.extension_decide(request=request, by=dispatcher, approve=True, at=at(day(10, 8)))
    assert sweep_on(day(10, 9))["overdue"] == 0  # due today under the new date

    report = sweep_on(day(10, 12))

    assert report["overdue"] == 1
    assert Notification.objects.filter(ticket=ticket, kind="overdue", recipient=department_user).count() == 2
    assert sorted(Reminder.objects.filter(ticket=ticket, kind="overdue").values_list("due_date", flat=True)) == [day(9, 29), day(10, 9)]
    ticket.refresh_from_db()
    assert ticket.supervision_level == "yellow"  # it never goes down, and is not raised twice
    assert sweep_events(ticket) == [("supervision", "none", "yellow")]


# --- exactly once ---------------------------------------------------------------------------------


@pytest.fixture
def one_of_each(build):
    """On Oct 14 (a working day): one ticket needing each decision. The unsigned one has not
    contacted the company either (first contact was due Oct 13)."""
    return {
        "due_soon": build(assigned=day(10, 8), due=day(10, 15), signed=day(10, 8)),
        "unsigned": build(assigned=day(10, 12), due=day(10, 30)),
        "overdue": build(assigned=day(10, 8), due=day(10, 13), signed=day(10, 8)),
        "long_overdue": build(assigned=day(9, 28), due=day(9, 29), signed=day(9, 28)),
        "auto_closed": build(assigned=day(9, 28), due=day(10, 16), resolved=day(9, 29)),
    }


def test_each_decision_is_taken_on_the_right_ticket(one_of_each):
    sweep_on(day(10, 14))

    expected = {kind: {ticket.pk} for kind, ticket in one_of_each.items()}
    expected["overdue"].add(one_of_each["long_overdue"].pk)  # long overdue is overdue too
    for kind, ticket_ids in expected.items():
        assert set(Notification.objects.filter(kind=kind).values_list("ticket_id", flat=True)) == ticket_ids, kind


def test_running_the_sweep_twice_sends_every_reminder_once(one_of_each):
    first = sweep_on(day(10, 14), hour=8)
    assert first == {
        **ZERO_REPORT,
        **{"due_soon": 1, "unsigned": 1, "overdue": 2, "raised_yellow": 2, "long_overdue": 1, "raised_red": 1, "auto_closed": 1},
        "contact_overdue": 1,
    }
    counts = (Notification.objects.count(), TicketEvent.objects.count(), Reminder.objects.count())

    second = sweep_on(day(10, 14), hour=9)

    assert second == ZERO_REPORT
    assert (Notification.objects.count(), TicketEvent.objects.count(), Reminder.objects.count()) == counts


@pytest.fixture
def with_email(department_user, supervisor, leader, company_user, liaison):
    for user in (department_user, supervisor, leader, company_user, liaison):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.gov.cn")


def test_a_sweep_queues_one_email_send_for_all_it_decided(one_of_each, with_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        sweep_on(day(10, 14))

    assert Delivery.objects.filter(channel="email", status="pending").count() == 14  # six kinds of reminder
    assert callbacks == [outbox.queue_email_sending]  # one broker message, after the commit


def test_the_sweep_command_runs_the_sweep_and_then_sends_the_emails(one_of_each, with_email, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(day(10, 14)))
    out = io.StringIO()

    call_command("sweep", stdout=out)

    assert out.getvalue().splitlines() == [
        "Sweep: due_soon=1, unsigned=1, overdue=2, raised_yellow=2, long_overdue=1, raised_red=1, auto_closed=1, "
        "contact_due_soon=0, contact_overdue=1, co_unsigned=0, co_feedback_due_soon=0, co_feedback_late=0, outcome_review=0",
        "E-mails: 14 sent, 0 failed (will retry)",
    ]
    assert len(mail.outbox) == 14


def _queries_for_a_sweep_with(build, n):
    """Queries one sweep on Oct 12 takes when `n` tickets each become overdue, long overdue, and
    due for auto-close; everything is rolled back afterwards.

    The long-overdue ones were already made yellow by a sweep on Oct 9, so that each group of
    notifications (at most 3 recipients x 20 tickets) stays within one bulk INSERT even on SQLite,
    whose 999-parameter limit makes Django split inserts of more than 76 notifications."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            for _ in range(n):
                build(assigned=day(9, 28), due=day(10, 9), signed=day(9, 28))  # overdue from Oct 12
                build(assigned=day(9, 21), due=day(9, 29), signed=day(9, 21))  # long overdue on Oct 12
                build(assigned=day(9, 21), due=day(10, 16), resolved=day(9, 24))  # 7 working days without answer on Oct 12
            sweep_on(day(10, 9))
            with CaptureQueriesContext(connection) as queries:
                report = sweep_on(day(10, 12))
            assert (report["overdue"], report["raised_red"], report["auto_closed"]) == (n, n, n)
            raise Undo
    except Undo:
        pass
    return len(queries)


def test_sweep_queries_do_not_grow_with_the_number_of_tickets(build):
    assert _queries_for_a_sweep_with(build, 20) == _queries_for_a_sweep_with(build, 3)


# --- two workers at once (PostgreSQL) -------------------------------------------------------


def results_of(outcomes):
    """The results of racing actions that must all succeed."""
    assert all(kind == "ok" for kind, _value in outcomes), outcomes
    return [value for _kind, value in outcomes]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_take_each_decision_once(one_of_each, with_email):
    mail.outbox.clear()
    last_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()

    reports = results_of(race(lambda: sweep_on(day(10, 14)), lambda: sweep_on(day(10, 14))))

    total = Counter()
    for report in reports:
        total.update(report)
    assert dict(total) == {
        **ZERO_REPORT,
        **{"due_soon": 1, "unsigned": 1, "overdue": 2, "raised_yellow": 2, "long_overdue": 1, "raised_red": 1, "auto_closed": 1},
        "contact_overdue": 1,
    }
    assert Reminder.objects.count() == 6
    assert TicketEvent.objects.filter(actor=None, kind="supervision").count() == 3  # two yellows, one red
    assert TicketEvent.objects.filter(kind="auto_close").count() == 1
    swept = Notification.objects.filter(pk__gt=last_before)
    # dept; dept; 2 tickets x (dept, supervisor); dept, supervisor, leader; company, liaison, dept; dept, supervisor
    assert Counter(swept.values_list("kind", flat=True)) == {
        "due_soon": 1,
        "unsigned": 1,
        "overdue": 4,
        "long_overdue": 3,
        "auto_closed": 3,
        "contact_overdue": 2,
    }
    keys = list(swept.values_list("ticket_id", "kind", "recipient_id"))
    assert len(keys) == len(set(keys))  # nobody told the same thing twice
    # The e-mails queued after each sweep's commit went out once each.
    sent = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(sent) == len(set(sent)) == Delivery.objects.filter(notification__in=swept, channel="email", status="sent").count() == 14
    assert not Delivery.objects.filter(status__in=["pending", "failed"]).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once():
    users = [UserFactory(role=User.Role.SUPERVISOR, email=f"s{i}@example.gov.cn") for i in range(6)]
    now = timezone.now()
    notifications.save_and_queue(
        [notifications.message_row(user, "digest", f"汇总 {user.pk}-{n}", "…", "", now) for user in users for n in range(10)], queue=False
    )
    mail.outbox.clear()

    results = results_of(race(lambda: notifications.send_due_emails(batch_size=7), lambda: notifications.send_due_emails(batch_size=7)))

    assert sum(sent for sent, _failed in results) == 60
    assert len(mail.outbox) == 60
    assert len({m.subject for m in mail.outbox}) == 60
    assert Delivery.objects.filter(status="sent", attempts=1).count() == 60
