"""The sweep's reminders before each stage of a ticket is due, and its notices once overdue
(DESIGN.md §8): the lead department's first contact with the company, and each co-handling
department's (协办) signing and feedback. Each goes to exactly the people in the recipients table,
once, keyed by the due date in force.

The deadline profile of the test category: sign 1, contact 1, co-feedback 3, resolve 5 working
days. The calendar around the 2026 National Day holiday (see tests/jobs/test_sweep.py):

    Sep 28 Mon, 29 Tue, 30 Wed working; Oct 1–7 off; Oct 8 Thu, 9 Fri working;
    Oct 10 Sat make-up working day; Oct 11 Sun off; Oct 12 Mon, 13 Tue, 14 Wed … working.

So a ticket assigned on Sep 28 must be signed and the company contacted by Sep 29, and its
co-handlers sign by Sep 29 and give their feedback by Oct 8 (Sep 29, 30, Oct 8: three working
days).
"""

from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import at, day, race
from tests.factories import returned_to_dispatch
from tests.jobs.test_sweep import ZERO_REPORT, results_of, sweep_on
from tickets import services
from tickets.models import Assignment, AssignmentReminder, Notification, Reminder, Ticket

LEAD_DUE = day(10, 16)


def told(kind, ticket):
    """Usernames told `kind` about `ticket`."""
    return sorted(Notification.objects.filter(kind=kind, ticket=ticket).values_list("recipient__username", flat=True))


def only(report, **counts):
    """The whole report: these counts, every other decision zero."""
    return report == {**ZERO_REPORT, **counts}


@pytest.fixture
def everyone(
    department_user, other_department_user, co_department_user, second_co_department_user, supervisor, leader, dispatcher, company_user,
    liaison,
):  # fmt: skip
    """The whole cast exists, so that tests can check who was NOT told."""


@pytest.fixture
def build(everyone, submit, dispatcher, department, department_user):
    """A ticket assigned on `assigned` (due `due`) to the department as lead, with the given
    co-handling departments; the lead signs (`signed`, a day) and contacts the company
    (`contacted`, a day) if asked. Actions at 10:00 (contact 11:00) local time."""

    def _build(*, assigned, due=LEAD_DUE, co=(), signed=None, contacted=None):
        ticket = submit(at=at(assigned, 9))
        ticket = services.ticket_assign(
            ticket=ticket, by=dispatcher, department=department, due_date=due, co_departments=list(co), at=at(assigned)
        )
        if signed or contacted:
            ticket = services.ticket_sign(ticket=ticket, by=department_user, at=at(signed or contacted))
        if contacted:
            services.ticket_contact(ticket=ticket, by=department_user, method="visit", note="上门了解情况。", at=at(contacted, 11))
        return Ticket.objects.get(pk=ticket.pk)

    return _build


def co_assignment(ticket, department):
    return Assignment.objects.get(ticket=ticket, role="co", department=department)


def message(kind, ticket, username):
    return Notification.objects.get(kind=kind, ticket=ticket, recipient__username=username)


# --- first contact ---------------------------------------------------------------------------------


def test_the_dates_the_tests_rely_on(build, co_department):
    ticket = build(assigned=day(9, 28), co=[co_department])
    co = co_assignment(ticket, co_department)

    assert (ticket.response_due_date, ticket.contact_due_date) == (day(9, 29), day(9, 29))
    assert (co.response_due_date, co.due_date) == (day(9, 29), day(10, 8))


def test_first_contact_due_soon_reminds_the_lead_department_once(build):
    ticket = build(assigned=day(9, 28), signed=day(9, 28))

    first = sweep_on(day(9, 28), hour=14)
    again = sweep_on(day(9, 29))  # due today: the same reminder, not sent again

    assert only(first, contact_due_soon=1)
    assert only(again)
    assert told("contact_due_soon", ticket) == ["dept"]
    assert list(Reminder.objects.filter(ticket=ticket).values_list("kind", "due_date")) == [("contact_due_soon", day(9, 29))]
    note = message("contact_due_soon", ticket, "dept")
    assert ticket.reference in note.subject
    assert "晋城市凤凰机械有限公司" in note.body and "2026-09-29" in note.body


def test_no_first_contact_by_the_date_tells_the_lead_department_and_supervision_once(build):
    ticket = build(assigned=day(9, 28), signed=day(9, 28))

    first = sweep_on(day(9, 30))
    second = sweep_on(day(10, 8))

    assert only(first, contact_overdue=1)  # (the due-soon window had passed before any sweep ran)
    assert only(second)
    assert told("contact_overdue", ticket) == ["dept", "supervisor"]
    assert list(Reminder.objects.filter(ticket=ticket).values_list("kind", "due_date")) == [("contact_overdue", day(9, 29))]
    note = message("contact_overdue", ticket, "supervisor")
    assert "市发改委" in note.body and "2026-09-29" in note.body
    ticket.refresh_from_db()
    assert ticket.supervision_level == "none"  # the yellow / red ladder follows the resolution only


def test_an_unsigned_ticket_is_reminded_of_its_first_contact_too(build):
    ticket = build(assigned=day(9, 28))

    report = sweep_on(day(9, 30))

    assert only(report, unsigned=1, contact_overdue=1)
    assert told("contact_overdue", ticket) == ["dept", "supervisor"]


def test_no_contact_reminder_once_the_company_was_contacted(build, department_user):
    in_time = build(assigned=day(9, 28), contacted=day(9, 29))
    late = build(assigned=day(9, 28), signed=day(9, 28))
    assert only(sweep_on(day(9, 30)), contact_overdue=1)  # the late one
    services.ticket_contact(ticket=late, by=department_user, method="phone", note="电话沟通。", at=at(day(10, 8)))

    assert only(sweep_on(day(10, 9)))
    assert told("contact_overdue", in_time) == [] and told("contact_due_soon", in_time) == []
    assert not Reminder.objects.filter(ticket=in_time).exists()


def test_no_contact_reminder_for_a_finished_ticket(build, department_user, company_user):
    resolved = build(assigned=day(9, 28), signed=day(9, 28))
    services.ticket_resolve(outcome="solved", ticket=resolved, by=department_user, result="已协调解决。", at=at(day(9, 28), 15))
    closed = build(assigned=day(9, 28), signed=day(9, 28))
    closed = services.ticket_resolve(outcome="solved", ticket=closed, by=department_user, result="已协调解决。", at=at(day(9, 28), 15))
    services.ticket_confirm(ticket=closed, by=company_user, rating="satisfied", at=at(day(9, 28), 16))

    assert only(sweep_on(day(9, 30)))
    assert not Reminder.objects.exists()


def test_a_returned_ticket_owes_no_contact_until_it_is_assigned_again(build, department_user, dispatcher, department):
    ticket = build(assigned=day(9, 28), signed=day(9, 28))
    ticket = returned_to_dispatch(ticket=ticket, by=department_user, reason="不属于本部门职责。", at=at(day(9, 28), 15))

    assert only(sweep_on(day(9, 30)))

    services.ticket_assign(ticket=ticket, by=dispatcher, department=department, due_date=day(10, 16), at=at(day(9, 30)))
    assert only(sweep_on(day(10, 9)), unsigned=1, contact_overdue=1)
    assert list(Reminder.objects.filter(ticket=ticket, kind="contact_overdue").values_list("due_date", flat=True)) == [day(10, 8)]


# --- co-handlers: not signed in time -----------------------------------------------------------------


def test_a_co_handler_that_has_not_signed_by_its_date_is_reminded_once(build, co_department):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    co = co_assignment(ticket, co_department)

    assert only(sweep_on(day(9, 29)))  # the sign-by day itself is still in time
    first = sweep_on(day(9, 30), hour=9)
    second = sweep_on(day(9, 30), hour=15)

    assert first["co_unsigned"] == 1
    assert second["co_unsigned"] == 0
    assert told("co_unsigned", ticket) == ["codept"]
    assert list(AssignmentReminder.objects.filter(kind="co_unsigned").values_list("assignment_id", "due_date")) == [(co.pk, day(9, 29))]
    note = message("co_unsigned", ticket, "codept")
    assert ticket.reference in note.subject and "2026-09-29" in note.body


def test_a_signed_co_handler_is_not_reminded_to_sign(build, co_department, co_department_user):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    services.assignment_co_sign(ticket=ticket, by=co_department_user, at=at(day(9, 29)))

    assert sweep_on(day(9, 30))["co_unsigned"] == 0
    assert told("co_unsigned", ticket) == []


def test_each_co_handler_is_reminded_of_its_own_part(build, co_department, second_co_department, second_co_department_user):
    ticket = build(assigned=day(9, 28), co=[co_department, second_co_department], contacted=day(9, 28))
    services.assignment_co_sign(ticket=ticket, by=second_co_department_user, at=at(day(9, 29)))

    report = sweep_on(day(9, 30))

    assert report["co_unsigned"] == 1 and report["co_feedback_due_soon"] == 2
    assert told("co_unsigned", ticket) == ["codept"]
    assert told("co_feedback_due_soon", ticket) == ["codept", "codept2"]


# --- co-handlers: feedback due soon, late ------------------------------------------------------------


def test_co_feedback_due_soon_reminds_the_co_handler_only_once(build, co_department, co_department_user):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    services.assignment_co_sign(ticket=ticket, by=co_department_user, at=at(day(9, 28), 15))

    assert sweep_on(day(9, 29))["co_feedback_due_soon"] == 0  # due Oct 8, two working days away
    first = sweep_on(day(9, 30))  # Oct 8 is the next working day after the holiday
    second = sweep_on(day(10, 8))

    assert only(first, co_feedback_due_soon=1)
    assert only(second)
    assert told("co_feedback_due_soon", ticket) == ["codept"]
    note = message("co_feedback_due_soon", ticket, "codept")
    assert "市发改委" in note.body and "2026-10-08" in note.body  # the lead, and the co-handler's own due date


def test_late_co_feedback_tells_the_co_handler_the_lead_department_and_supervision_once(build, co_department, co_department_user):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    services.assignment_co_sign(ticket=ticket, by=co_department_user, at=at(day(9, 28), 15))

    assert sweep_on(day(10, 8), hour=23)["co_feedback_late"] == 0  # the due day itself is still in time
    first = sweep_on(day(10, 9))
    second = sweep_on(day(10, 12))

    assert first["co_feedback_late"] == 1 and second["co_feedback_late"] == 0
    assert told("co_feedback_late", ticket) == ["codept", "dept", "supervisor"]
    for username in ("codept", "dept", "supervisor"):
        note = message("co_feedback_late", ticket, username)
        assert "市行政审批局" in note.body and "2026-10-08" in note.body  # names the co-handler and its due date
        assert note.subject.startswith("协办反馈超期")  # in the site's language
    ticket.refresh_from_db()
    assert ticket.supervision_level == "none"


def test_an_unsigned_co_handler_past_both_dates_gets_both_notices(build, co_department):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))

    report = sweep_on(day(10, 9))

    assert only(report, co_unsigned=1, co_feedback_late=1)
    assert told("co_unsigned", ticket) == ["codept"]
    assert told("co_feedback_late", ticket) == ["codept", "dept", "supervisor"]


def test_no_co_reminder_once_the_feedback_is_given(build, co_department, co_department_user):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    services.assignment_co_sign(ticket=ticket, by=co_department_user, at=at(day(9, 28), 15))
    services.assignment_co_feedback(ticket=ticket, by=co_department_user, text="我局已出具审批意见。", at=at(day(9, 29)))

    assert only(sweep_on(day(9, 30)))
    assert only(sweep_on(day(10, 9)))
    assert not AssignmentReminder.objects.exists()


def test_no_co_reminder_for_an_ended_co_assignment(build, co_department, dispatcher):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    services.assignment_end(assignment=co_assignment(ticket, co_department), by=dispatcher, reason="非本部门事项。", at=at(day(9, 29)))

    assert only(sweep_on(day(10, 9)))
    assert not AssignmentReminder.objects.exists()


def test_no_co_reminder_once_the_lead_resolved_the_ticket(build, co_department, department_user, company_user):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    ticket = services.ticket_resolve(
        outcome="solved",
        ticket=ticket,
        by=department_user,
        result="已协调解决。",
        override_reason="企业诉求已当场解决。",
        at=at(day(9, 28), 15),
    )

    assert only(sweep_on(day(10, 9)))
    services.ticket_confirm(ticket=ticket, by=company_user, rating="satisfied", at=at(day(10, 9), 11))
    assert only(sweep_on(day(10, 12)))
    assert not AssignmentReminder.objects.exists()


def test_no_co_reminder_on_a_finished_ticket_even_if_a_co_assignment_was_left_open(build, co_department, department_user):
    """The claim checks the ticket too: a co assignment still open on a resolved ticket (data
    from before the resolve ended them, or any other way) is not the co-handler's work any more."""
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")

    assert only(sweep_on(day(10, 9)))


def test_after_a_co_extension_the_new_due_date_is_reminded_again(build, co_department, co_department_user, dispatcher):
    ticket = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))
    services.assignment_co_sign(ticket=ticket, by=co_department_user, at=at(day(9, 28), 15))
    assert only(sweep_on(day(9, 30)), co_feedback_due_soon=1)
    assert only(sweep_on(day(10, 9)), co_feedback_late=1)
    request = services.extension_request(
        ticket=ticket, by=co_department_user, requested_due_date=day(10, 14), reason="需补充材料。", at=at(day(10, 9), 11)
    )
    services.extension_decide(request=request, by=dispatcher, approve=True, at=at(day(10, 9), 14))
    assert co_assignment(ticket, co_department).due_date == day(10, 14)

    assert only(sweep_on(day(10, 12)))  # due Oct 14: not yet within one working day
    assert only(sweep_on(day(10, 13)), co_feedback_due_soon=1)
    assert only(sweep_on(day(10, 15)), co_feedback_late=1, due_soon=1)  # (and the lead's resolution, due Oct 16)

    keys = AssignmentReminder.objects.order_by("kind", "due_date").values_list("kind", "due_date")
    assert list(keys) == [
        ("co_feedback_due_soon", day(10, 8)),
        ("co_feedback_due_soon", day(10, 14)),
        ("co_feedback_late", day(10, 8)),
        ("co_feedback_late", day(10, 14)),
    ]
    assert Counter(Notification.objects.filter(ticket=ticket, kind="co_feedback_late").values_list("recipient__username", flat=True)) == {
        "codept": 2, "dept": 2, "supervisor": 2,
    }  # fmt: skip
    assert "2026-10-14" in Notification.objects.filter(kind="co_feedback_late", recipient__username="codept").latest("id").body


def test_a_sweep_that_did_not_run_is_caught_up(build, co_department):
    """Nothing ran during the holiday: the first sweep after it takes every decision due."""
    contact_late = build(assigned=day(9, 28), signed=day(9, 28))
    co_late = build(assigned=day(9, 28), co=[co_department], contacted=day(9, 28))

    report = sweep_on(day(10, 12))

    assert only(report, contact_overdue=1, co_unsigned=1, co_feedback_late=1)
    assert told("contact_overdue", contact_late) == ["dept", "supervisor"]
    assert told("co_feedback_late", co_late) == ["codept", "dept", "supervisor"]


# --- bounded work --------------------------------------------------------------------------------------


def _queries_for_a_sweep_with(build, co_department, n):
    """Queries of one sweep on Oct 9 when `n` tickets each need every stage's reminder: for each
    n, one ticket assigned Sep 28 (first contact overdue, co-handler unsigned and late), one
    assigned Sep 30 (co feedback due Oct 10: due soon), one assigned Oct 8 (first contact due
    soon). Rolled back afterwards."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            for _ in range(n):
                build(assigned=day(9, 28), co=[co_department], signed=day(9, 28))
                build(assigned=day(9, 30), co=[co_department], contacted=day(9, 30))
                build(assigned=day(10, 8), signed=day(10, 8))
            with CaptureQueriesContext(connection) as queries:
                report = sweep_on(day(10, 9))
            # (the Sep 30 co-handlers had to sign by Oct 8 too)
            assert only(report, contact_due_soon=n, contact_overdue=n, co_unsigned=2 * n, co_feedback_due_soon=n, co_feedback_late=n)
            raise Undo
    except Undo:
        pass
    return len(queries)


def test_the_stage_reminders_take_as_many_queries_whatever_the_number_of_tickets(build, co_department):
    assert _queries_for_a_sweep_with(build, co_department, 8) == _queries_for_a_sweep_with(build, co_department, 2)


# --- two workers at once (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_stage_reminder_once(build, co_department, second_co_department):
    contact_soon = build(assigned=day(10, 8), signed=day(10, 8))
    overdue_stages = build(assigned=day(9, 28), co=[co_department, second_co_department], signed=day(9, 28))
    co_soon = build(assigned=day(9, 30), co=[co_department], contacted=day(9, 30))
    last_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    reports = results_of(race(lambda: sweep_on(day(10, 9)), lambda: sweep_on(day(10, 9))))

    total = Counter()
    for report in reports:
        total.update(report)
    assert dict(total) == {
        **ZERO_REPORT, "contact_due_soon": 1, "contact_overdue": 1, "co_unsigned": 3, "co_feedback_due_soon": 1, "co_feedback_late": 2,
    }  # fmt: skip
    assert Reminder.objects.count() == 2 and AssignmentReminder.objects.count() == 6
    swept = Notification.objects.filter(pk__gt=last_before)
    keys = list(swept.values_list("ticket_id", "kind", "recipient_id", "body"))
    assert len(keys) == len(set(keys))  # nobody told the same thing twice
    assert told("contact_due_soon", contact_soon) == ["dept"]
    assert told("contact_overdue", overdue_stages) == ["dept", "supervisor"]
    assert told("co_unsigned", overdue_stages) == ["codept", "codept2"]
    assert told("co_feedback_late", overdue_stages) == ["codept", "codept2", "dept", "dept", "supervisor", "supervisor"]  # one each
    assert told("co_unsigned", co_soon) == ["codept"] and told("co_feedback_due_soon", co_soon) == ["codept"]
