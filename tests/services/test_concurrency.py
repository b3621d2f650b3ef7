"""Two people acting on the same ticket at once cannot both win (DESIGN.md §3), and concurrent
submissions get distinct, sequential references.

The races run real threads, each on its own database connection, released together by a
barrier; they need PostgreSQL's row locks and are skipped on SQLite outside CI.
"""

import datetime
import re

import pytest
from django.utils import timezone

from enterprises.models import User
from tests.conftest import local_datetime, race
from tests.factories import UserFactory
from tickets import services
from tickets.models import Assignment, ExtensionRequest, Ticket, TicketEvent
from tickets.services import ActionRefused


def one_winner(outcomes):
    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["ok"] + ["refused"] * (len(outcomes) - 1), outcomes
    winner = next(i for i, (kind, _v) in enumerate(outcomes) if kind == "ok")
    for kind, value in outcomes:
        if kind == "refused":
            assert value.code in ("invalid_state", "conflict"), value.message
    return winner


@pytest.fixture
def second_department_user(department):
    return UserFactory(username="dept_b", role=User.Role.DEPARTMENT, department=department)


@pytest.fixture
def second_dispatcher(db):
    return UserFactory(username="dispatcher_b", role=User.Role.DISPATCHER)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_department_staff_signing_at_once_only_one_signs(assigned_ticket, department_user, second_department_user):
    users = [department_user, second_department_user]
    outcomes = race(*[lambda u=u: services.ticket_sign(ticket=assigned_ticket, by=u) for u in users])

    winner = one_winner(outcomes)
    assert Ticket.objects.get(pk=assigned_ticket.pk).status == "in_progress"
    [event] = TicketEvent.objects.filter(ticket=assigned_ticket, kind="sign")
    assert event.actor == users[winner]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_department_staff_resolving_at_once_only_one_resolves(in_progress_ticket, department_user, second_department_user):
    users = [department_user, second_department_user]
    results = ["结果甲", "结果乙"]
    outcomes = race(
        *[
            lambda u=u, r=r: services.ticket_resolve(outcome="solved", ticket=in_progress_ticket, by=u, result=r)
            for u, r in zip(users, results, strict=True)
        ]
    )

    winner = one_winner(outcomes)
    ticket = Ticket.objects.get(pk=in_progress_ticket.pk)
    assert (ticket.status, ticket.result) == ("resolved", results[winner])
    [event] = TicketEvent.objects.filter(ticket=in_progress_ticket, kind="resolve")
    assert event.actor == users[winner]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_dispatcher_double_clicking_assign_assigns_once(ticket, dispatcher, department):
    outcomes = race(
        lambda: services.ticket_assign(ticket=ticket, by=dispatcher, department=department),
        lambda: services.ticket_assign(ticket=ticket, by=dispatcher, department=department),
    )

    one_winner(outcomes)
    assert TicketEvent.objects.filter(ticket=ticket, kind="assign").count() == 1
    assert Assignment.objects.filter(ticket=ticket).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_assigning_to_different_departments_only_one_wins(
    ticket, dispatcher, second_dispatcher, department, other_department
):
    choices = [(dispatcher, department), (second_dispatcher, other_department)]
    outcomes = race(*[lambda u=u, d=d: services.ticket_assign(ticket=ticket, by=u, department=d) for u, d in choices])

    winner = one_winner(outcomes)
    winning_user, winning_department = choices[winner]
    assert Ticket.objects.get(pk=ticket.pk).department == winning_department
    [event] = TicketEvent.objects.filter(ticket=ticket, kind="assign")
    assert (event.actor, event.data["department_id"]) == (winning_user, winning_department.pk)
    [assignment] = Assignment.objects.filter(ticket=ticket)
    assert assignment.department == winning_department


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_resolve_and_upholding_its_return_at_once_only_one_happens(in_progress_ticket, department_user, dispatcher):
    request = services.return_request_file(ticket=in_progress_ticket, by=department_user, reason="不归我局管")
    outcomes = race(
        lambda: services.ticket_resolve(outcome="solved", ticket=in_progress_ticket, by=department_user, result="已办结"),
        lambda: services.return_request_decide(request=request, by=dispatcher, uphold=True),
    )

    winner = one_winner(outcomes)
    ticket = Ticket.objects.get(pk=in_progress_ticket.pk)
    assert ticket.status == ("resolved", "submitted")[winner]
    assert TicketEvent.objects.filter(ticket=ticket, kind__in=["resolve", "return_to_dispatch"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_company_and_liaison_answering_at_once_only_one_answer_counts(resolved_ticket, company_user, liaison):
    outcomes = race(
        lambda: services.ticket_confirm(ticket=resolved_ticket, by=company_user, rating="satisfied"),
        lambda: services.ticket_reopen(ticket=resolved_ticket, by=liaison, comment="没解决"),
    )

    winner = one_winner(outcomes)
    ticket = Ticket.objects.get(pk=resolved_ticket.pk)
    assert (ticket.status, ticket.rating) == [("closed", "satisfied"), ("in_progress", "dissatisfied")][winner]
    assert TicketEvent.objects.filter(ticket=ticket, kind__in=["confirm", "reopen"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deciders_on_one_extension_request_only_one_decides(assigned_ticket, department_user, dispatcher, supervisor):
    request = services.extension_request(
        ticket=assigned_ticket,
        by=department_user,
        requested_due_date=assigned_ticket.due_date + datetime.timedelta(days=10),
        reason="需要会商",
    )
    outcomes = race(
        lambda: services.extension_decide(request=request, by=dispatcher, approve=True, note="同意"),
        lambda: services.extension_decide(request=request, by=supervisor, approve=False, note="不同意"),
    )

    winner = one_winner(outcomes)
    request.refresh_from_db()
    assert (request.state, request.decided_by) == [("approved", dispatcher), ("refused", supervisor)][winner]
    ticket = Ticket.objects.get(pk=assigned_ticket.pk)
    assert ticket.due_date == [request.requested_due_date, request.current_due_date][winner]
    decisions = TicketEvent.objects.filter(ticket=ticket, kind__in=["extension_approved", "extension_refused"])
    assert [e.kind for e in decisions] == [["extension_approved", "extension_refused"][winner]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_extension_requests_leave_one_pending(assigned_ticket, department_user, second_department_user):
    due = assigned_ticket.due_date
    outcomes = race(
        *[
            lambda u=u, d=d: services.extension_request(
                ticket=assigned_ticket, by=u, requested_due_date=due + datetime.timedelta(days=d), reason="需要会商"
            )
            for u, d in [(department_user, 5), (second_department_user, 9)]
        ]
    )

    one_winner(outcomes)
    assert ExtensionRequest.objects.filter(ticket=assigned_ticket, state="pending").count() == 1
    assert TicketEvent.objects.filter(ticket=assigned_ticket, kind="extension_requested").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submissions_get_twenty_sequential_references(company_user, category):
    def submit(n):
        return services.ticket_submit(
            by=company_user,
            enterprise=company_user.enterprise,
            category=category,
            title=f"并发提交 {n}",
            description="同时提交的诉求",
            priority="normal",
        )

    outcomes = race(*[lambda n=n: submit(n) for n in range(20)])

    assert [kind for kind, _t in outcomes] == ["ok"] * 20
    year = timezone.localdate().year
    references = sorted(ticket.reference for _kind, ticket in outcomes)
    assert references == [f"QY-{year}-{n:06d}" for n in range(1, 21)]
    assert Ticket.objects.count() == 20
    assert TicketEvent.objects.filter(kind="submitted").count() == 20


# --------------------------------------------------------------------------------------------
# reference format (any database)
# --------------------------------------------------------------------------------------------


def test_reference_is_prefix_year_and_six_digit_sequence(submit):
    first, second = submit(), submit()
    year = timezone.localdate().year
    assert (first.reference, second.reference) == (f"QY-{year}-000001", f"QY-{year}-000002")
    assert re.fullmatch(r"QY-\d{4}-\d{6}", first.reference)


def test_reference_numbering_restarts_each_year(submit):
    assert submit(at=local_datetime(2025, 12, 31, 10)).reference == "QY-2025-000001"
    assert submit(at=local_datetime(2025, 12, 31, 11)).reference == "QY-2025-000002"
    assert submit(at=local_datetime(2026, 1, 1, 10)).reference == "QY-2026-000001"


def test_reference_year_is_the_local_year_in_shanghai(submit):
    # 2025-12-31 17:00 UTC is already 2026-01-01 01:00 in Asia/Shanghai.
    at = datetime.datetime(2025, 12, 31, 17, tzinfo=datetime.UTC)
    assert submit(at=at).reference == "QY-2026-000001"


def test_refused_submission_does_not_use_up_a_number(submit, other_company_user):
    with pytest.raises(ActionRefused):
        submit(by=other_company_user)
    assert submit().reference.endswith("-000001")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rulings", [(True, False), (False, False), (True, True)])
def test_two_dispatchers_ruling_on_one_return_request_at_once_one_wins(
    rulings, assigned_ticket, department_user, dispatcher, second_dispatcher
):
    request = services.return_request_file(ticket=assigned_ticket, by=department_user, reason="不归我局管")
    rulers = [dispatcher, second_dispatcher]
    outcomes = race(
        *(
            (lambda by=by, uphold=uphold: services.return_request_decide(request=request, by=by, uphold=uphold, reason="请继续办理"))
            for by, uphold in zip(rulers, rulings, strict=True)
        )
    )

    winner = one_winner(outcomes)
    request.refresh_from_db()
    assert (request.decided_by, request.state) == (rulers[winner], "upheld" if rulings[winner] else "overruled")
    assert TicketEvent.objects.filter(ticket=assigned_ticket, kind__in=["return_upheld", "return_overruled"]).count() == 1
    assert TicketEvent.objects.filter(ticket=assigned_ticket, kind="return_to_dispatch").count() == (1 if rulings[winner] else 0)
