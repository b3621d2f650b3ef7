"""Who is told (tickets.notifications.recipients): the one table of who hears about each kind, read
for one ticket (what an action's notify() uses) and in bulk (what the sweep and the mailings use),
and that the two agree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import User
from tests.conftest import at, day
from tests.factories import UserFactory
from tickets import services
from tickets.jobs.sweep import run_sweep
from tickets.models import Notification, Ticket
from tickets.notifications import FACT_COLUMNS, RECIPIENTS, Audience, recipients_for

Kind = Notification.Kind


@pytest.fixture
def cast(
    company_user,
    other_company_user,
    liaison,
    other_liaison,
    dispatcher,
    department_user,
    other_department_user,
    supervisor,
    leader,
    admin_user,
    department,
    co_department_user,
):
    """Everyone exists, so that the tests see who is NOT told; and people who must never be: an
    account closed in each role that is told something."""
    UserFactory(username="dept_gone", role=User.Role.DEPARTMENT, department=department, is_active=False)
    UserFactory(username="dispatcher_gone", role=User.Role.DISPATCHER, is_active=False)
    UserFactory(username="supervisor_gone", role=User.Role.SUPERVISOR, is_active=False)
    UserFactory(username="leader_gone", role=User.Role.LEADER, is_active=False)
    UserFactory(username="company_gone", role=User.Role.COMPANY, enterprise=company_user.enterprise, is_active=False)
    gone = UserFactory(username="liaison_gone", role=User.Role.LIAISON, is_active=False)
    company_user.enterprise.liaisons.add(gone)


@pytest.fixture
def handled(cast, in_progress_ticket):
    """The company's ticket, held by the department (市发改委), under yellow supervision."""
    Ticket.objects.filter(pk=in_progress_ticket.pk).update(supervision_level="yellow")
    return Ticket.objects.get(pk=in_progress_ticket.pk)


def names(users):
    return [u.username for u in users]


# What each kind tells about a ticket the department holds, in this order.
EXPECTED = {
    Kind.SUBMITTED: ["dispatcher"],
    Kind.ASSIGNED: ["dept"],
    Kind.REJECTED: ["company", "liaison"],
    Kind.RETURNED: ["dispatcher"],
    Kind.RESOLVED: ["company", "liaison"],
    Kind.REOPENED: ["dept", "supervisor"],
    Kind.CLOSED: ["dept"],
    Kind.SUPERVISED: ["dept"],  # yellow
    Kind.EXTENSION_REQUESTED: ["dispatcher", "supervisor"],
    Kind.EXTENSION_DECIDED: ["dept"],
    Kind.DUE_SOON: ["dept"],
    Kind.UNSIGNED: ["dept"],
    Kind.OVERDUE: ["dept", "supervisor"],
    Kind.LONG_OVERDUE: ["dept", "supervisor", "leader"],
    Kind.AUTO_CLOSED: ["company", "liaison", "dept"],
    Kind.RETURN_REQUESTED: ["dispatcher"],
    Kind.RETURN_RULED: ["dept"],  # the department that asked (named by the service; here the holder)
    Kind.DIGEST: ["dept"],
    Kind.CASE_HISTORY: ["company", "liaison"],
    # About a co assignment of 市行政审批局 (codept) on the ticket the department leads:
    Kind.CO_ASSIGNED: ["codept"],
    Kind.CO_FEEDBACK_GIVEN: ["dept"],
    Kind.CO_ENDED: ["codept"],
    Kind.CO_UNSIGNED: ["codept"],
    Kind.CO_FEEDBACK_DUE_SOON: ["codept"],
    Kind.CO_FEEDBACK_LATE: ["codept", "dept", "supervisor"],
    Kind.CONTACT_DUE_SOON: ["dept"],
    Kind.CONTACT_OVERDUE: ["dept", "supervisor"],
    # Outcomes and rating reviews (DESIGN.md §9); a decided review names the department that asked
    # (the service passes it), else the ticket's.
    Kind.OUTCOME_REVIEW_DUE: ["dept"],
    Kind.RATING_REVIEW_REQUESTED: ["supervisor"],
    Kind.RATING_REVIEW_DECIDED: ["dept"],
}
# The kinds about a co assignment: their messages name its department.
CO_KINDS = {Kind.CO_ASSIGNED, Kind.CO_FEEDBACK_GIVEN, Kind.CO_ENDED, Kind.CO_UNSIGNED, Kind.CO_FEEDBACK_DUE_SOON, Kind.CO_FEEDBACK_LATE}


def co_id(kind, co_department_user):
    return co_department_user.department_id if kind in CO_KINDS else None


def test_the_table_names_who_is_told_about_every_kind_but_the_export_its_requester_asked_for():
    # and the verification calls due, about a month's list (verification_callers, tests/services/test_calls.py),
    # and the monthly bulletin, about a frozen month (bulletin_readers, tests/assessment/test_bulletin.py),
    # and the visits due, about a liaison's companies (liaisons_with_unvisited_companies, tests/jobs/test_visit_reminders.py)
    untabled = {Kind.EXPORT_READY, Kind.VERIFICATION_DUE, Kind.BULLETIN, Kind.VISITS_DUE}
    assert set(RECIPIENTS) == set(Kind.values) - untabled == set(EXPECTED)


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_who_is_told_about_each_kind(handled, kind, co_department_user):
    assert names(recipients_for(kind, handled, co_id(kind, co_department_user))) == EXPECTED[kind]


def test_a_decision_on_a_co_handlers_extension_tells_the_co_handler(handled, co_department_user):
    assert names(recipients_for(Kind.EXTENSION_DECIDED, handled, co_department_user.department_id)) == ["codept"]


def test_a_message_about_a_co_assignment_must_name_its_department(handled):
    with pytest.raises(ValueError, match="co-handling department"):
        recipients_for(Kind.CO_ASSIGNED, handled)


def test_a_red_card_also_tells_leadership(handled):
    Ticket.objects.filter(pk=handled.pk).update(supervision_level="red")

    assert names(recipients_for(Kind.SUPERVISED, Ticket.objects.get(pk=handled.pk))) == ["dept", "leader"]


def test_supervision_of_a_ticket_no_department_holds_tells_the_dispatch_office(cast, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(supervision_level="red")

    assert names(recipients_for(Kind.SUPERVISED, Ticket.objects.get(pk=ticket.pk))) == ["dispatcher", "leader"]


def test_a_liaison_taken_off_the_company_is_no_longer_told(handled, liaison, enterprise):
    enterprise.liaisons.remove(liaison)

    assert names(recipients_for(Kind.RESOLVED, handled)) == ["company"]


def test_a_kind_the_table_does_not_name_is_refused(handled):
    with pytest.raises(ValueError, match="export_ready"):
        recipients_for(Kind.EXPORT_READY, handled)


def test_the_person_who_acted_is_not_told_although_the_table_names_them(cast, submit, dispatcher, department):
    """Dispatch staff submitting a hotline call are dispatch, whom SUBMITTED tells."""
    ticket = submit(by=dispatcher, channel="hotline")

    assert names(recipients_for(Kind.SUBMITTED, ticket)) == ["dispatcher"]
    assert not Notification.objects.filter(ticket=ticket).exists()


def test_one_ticket_is_looked_up_in_one_query_for_its_staff_and_roles_and_two_for_its_company(handled):
    with CaptureQueriesContext(connection) as queries:
        recipients_for(Kind.AUTO_CLOSED, handled)  # the department's staff; the company's users and its liaisons

    assert len(queries) == 3


# --- the bulk form: the same table, everyone loaded once --------------------------------------


def _row(ticket):
    """The ticket as the sweep reads it."""
    return Ticket.objects.filter(pk=ticket.pk).values(*FACT_COLUMNS).get()


@pytest.fixture
def shapes(handled, submit, other_company_user, other_enterprise, dispatcher, other_department):
    """Tickets of every shape the table tells apart: held by a department (yellow), held by
    another (red), with no department (red), of another company."""
    red_elsewhere = services.ticket_assign(ticket=submit(), by=dispatcher, department=other_department)
    unassigned = submit()
    foreign = submit(by=other_company_user, enterprise=other_enterprise)
    Ticket.objects.filter(pk__in=[red_elsewhere.pk, unassigned.pk]).update(supervision_level="red")
    return [Ticket.objects.get(pk=t.pk) for t in (handled, red_elsewhere, unassigned, foreign)]


def test_the_bulk_audience_tells_whom_recipients_for_tells_for_every_kind_and_ticket(shapes, co_department_user):
    audience = Audience.for_kinds(RECIPIENTS)
    audience.load_companies({t.enterprise_id for t in shapes})

    for kind in RECIPIENTS:
        co = co_id(kind, co_department_user)
        for ticket in shapes:
            row = {**_row(ticket), "co_department_id": co}
            assert names(audience.recipients_for(kind, row)) == names(recipients_for(kind, ticket, co)), (kind, ticket.title)


def test_the_bulk_audience_reads_nothing_more_per_ticket(shapes, co_department_user):
    with CaptureQueriesContext(connection) as loading:
        audience = Audience.for_kinds(RECIPIENTS)
        audience.load_companies({t.enterprise_id for t in shapes})
    rows = [{**_row(t), "co_department_id": co_department_user.department_id} for t in shapes]

    with CaptureQueriesContext(connection) as telling:
        for kind in RECIPIENTS:
            for row in rows:
                audience.recipients_for(kind, row)

    assert (len(loading), len(telling)) == (3, 0)  # the roles and every department's staff; a company's users, its liaisons


def test_a_bulk_audience_without_companies_loaded_refuses_to_guess(handled):
    audience = Audience.for_kinds([Kind.AUTO_CLOSED])

    with pytest.raises(RuntimeError, match="load_companies"):
        audience.recipients_for(Kind.AUTO_CLOSED, _row(handled))


def test_the_sweep_and_the_service_tell_the_same_people_when_a_ticket_closes_without_an_answer(
    cast, submit, dispatcher, department, department_user
):
    def resolved(title):
        t = submit(title=title, at=at(day(9, 28), 9))
        t = services.ticket_assign(ticket=t, by=dispatcher, department=department, due_date=day(10, 16), at=at(day(9, 28)))
        t = services.ticket_sign(ticket=t, by=department_user, at=at(day(9, 28), 11))
        return services.ticket_resolve(outcome="solved", ticket=t, by=department_user, result="已协调解决。", at=at(day(9, 29)))

    by_sweep, by_service = resolved("由催办扫描关闭"), resolved("由服务关闭")
    services.ticket_auto_close(ticket=Ticket.objects.get(pk=by_service.pk), at=at(day(10, 14)))
    assert run_sweep(now=at(day(10, 14)))["auto_closed"] == 1

    def told(ticket):
        return list(
            Notification.objects.filter(ticket=ticket, kind=Kind.AUTO_CLOSED).order_by("id").values_list("recipient__username", flat=True)
        )

    assert told(by_sweep) == told(by_service) == ["company", "liaison", "dept"]


def test_a_ruling_tells_the_department_that_asked_even_once_it_no_longer_holds_the_ticket(cast, ticket, co_department_user):
    assert names(recipients_for(Kind.RETURN_RULED, ticket, co_department_user.department_id)) == ["codept"]
