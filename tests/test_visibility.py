"""Who sees what (DESIGN.md §6): `Ticket.objects.visible_to` and `Enterprise.objects.visible_to`."""

import pytest
from django.contrib.auth.models import AnonymousUser

from enterprises.models import Enterprise, User
from tests.factories import returned_to_dispatch
from tickets import services
from tickets.models import Ticket

from .conftest import ROLE_FIXTURES
from .factories import EnterpriseFactory, UserFactory

ALL_SEEING = ["dispatcher", "supervisor", "leader", "admin_user", "callback_user"]  # and the follow-up callers (回访员)
EVERY_ROLE = list(ROLE_FIXTURES.values())


@pytest.fixture
def own_ticket(submit):
    """The company's ticket, assigned to 市发改委 (the `department`)."""
    return submit(title="本企业已交办")


@pytest.fixture
def own_unassigned(submit):
    return submit(title="本企业未交办")


@pytest.fixture
def foreign_ticket(submit, other_company_user, other_enterprise):
    return submit(by=other_company_user, enterprise=other_enterprise, title="别的企业")


@pytest.fixture
def tickets(own_ticket, own_unassigned, foreign_ticket, dispatcher, department):
    services.ticket_assign(ticket=own_ticket, by=dispatcher, department=department)
    return {"own": own_ticket, "own_unassigned": own_unassigned, "foreign": foreign_ticket}


def visible(user, model=Ticket):
    return set(model.objects.visible_to(user))


# --------------------------------------------------------------------------------------------
# tickets
# --------------------------------------------------------------------------------------------


def test_company_sees_only_its_own_tickets(tickets, company_user):
    assert visible(company_user) == {tickets["own"], tickets["own_unassigned"]}


def test_other_company_sees_only_its_own_tickets(tickets, other_company_user):
    assert visible(other_company_user) == {tickets["foreign"]}


def test_company_colleague_sees_tickets_submitted_by_someone_else_of_the_company(tickets, enterprise):
    colleague = UserFactory(role=User.Role.COMPANY, enterprise=enterprise)
    assert visible(colleague) == {tickets["own"], tickets["own_unassigned"]}


def test_liaison_sees_their_companys_tickets_including_ones_they_did_not_submit(tickets, liaison):
    assert visible(liaison) == {tickets["own"], tickets["own_unassigned"]}


def test_liaison_of_several_companies_sees_all_of_them(tickets, liaison, other_enterprise):
    other_enterprise.liaisons.add(liaison)
    assert visible(liaison) == set(tickets.values())


def test_liaison_without_companies_sees_nothing(tickets, other_liaison):
    assert visible(other_liaison) == set()


def test_two_liaisons_on_one_company_do_not_duplicate_tickets(tickets, liaison, enterprise):
    second = UserFactory(role=User.Role.LIAISON)
    enterprise.liaisons.add(second)
    result = list(Ticket.objects.visible_to(liaison))
    assert len(result) == len(set(result)) == 2


def test_department_sees_tickets_assigned_to_it(tickets, department_user):
    assert visible(department_user) == {tickets["own"]}


def test_department_does_not_see_unassigned_or_other_departments_tickets(tickets, department_user, other_department_user):
    assert tickets["own_unassigned"] not in visible(department_user)
    assert visible(other_department_user) == set()


def test_department_still_sees_a_ticket_after_returning_it(tickets, department_user, other_department_user):
    ticket = returned_to_dispatch(ticket=tickets["own"], by=department_user, reason="不归我局管")
    assert ticket.department is None
    assert visible(department_user) == {ticket}
    assert visible(other_department_user) == set()


def test_other_department_sees_a_returned_ticket_once_it_is_reassigned_to_it(
    tickets, department_user, other_department_user, dispatcher, other_department
):
    returned_to_dispatch(ticket=tickets["own"], by=department_user, reason="不归我局管")
    services.ticket_assign(ticket=tickets["own"], by=dispatcher, department=other_department)
    assert visible(other_department_user) == {tickets["own"]}
    assert visible(department_user) == {tickets["own"]}  # it was assigned there once


def test_department_keeps_seeing_tickets_it_closed(closed_ticket, department_user):
    assert visible(department_user) == {closed_ticket}


def test_colleague_in_the_same_department_sees_the_same_tickets(tickets, department):
    colleague = UserFactory(role=User.Role.DEPARTMENT, department=department)
    assert visible(colleague) == {tickets["own"]}


@pytest.mark.parametrize("role", ALL_SEEING)
def test_dispatch_supervision_leadership_and_admin_see_every_ticket(role, tickets, rejected_ticket, request):
    user = request.getfixturevalue(role)
    assert visible(user) == set(tickets.values()) | {rejected_ticket}


def test_anonymous_user_sees_no_tickets(tickets):
    assert visible(AnonymousUser()) == set()


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_inactive_user_sees_no_tickets(role, tickets, request):
    user = request.getfixturevalue(role)
    user.is_active = False
    user.save()
    assert visible(user) == set()


def test_visible_to_can_be_combined_with_other_filters(tickets, department_user):
    assert list(Ticket.objects.filter(status="assigned").visible_to(department_user)) == [tickets["own"]]
    assert list(Ticket.objects.visible_to(department_user).filter(status="submitted")) == []


# --------------------------------------------------------------------------------------------
# companies (case files, 一企一档)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def third_enterprise(db):
    return EnterpriseFactory(name="阳城县第三企业有限公司")


def test_company_sees_only_its_own_case_file(tickets, company_user, enterprise, third_enterprise):
    assert visible(company_user, Enterprise) == {enterprise}


def test_liaison_sees_the_companies_they_look_after(tickets, liaison, enterprise, third_enterprise):
    third_enterprise.liaisons.add(liaison)
    assert visible(liaison, Enterprise) == {enterprise, third_enterprise}


def test_liaison_without_companies_sees_no_case_file(tickets, other_liaison):
    assert visible(other_liaison, Enterprise) == set()


def test_department_sees_companies_of_tickets_it_holds_or_held(tickets, department_user, enterprise):
    assert visible(department_user, Enterprise) == {enterprise}
    returned_to_dispatch(ticket=tickets["own"], by=department_user, reason="不归我局管")
    assert visible(department_user, Enterprise) == {enterprise}


def test_department_sees_no_company_it_never_handled(tickets, other_department_user):
    assert visible(other_department_user, Enterprise) == set()


def test_department_sees_each_company_once_however_many_tickets(tickets, dispatcher, department, department_user):
    services.ticket_assign(ticket=tickets["own_unassigned"], by=dispatcher, department=department)
    result = list(Enterprise.objects.visible_to(department_user))
    assert len(result) == 1


@pytest.mark.parametrize("role", ALL_SEEING)
def test_dispatch_supervision_leadership_and_admin_see_every_company(role, tickets, third_enterprise, request):
    user = request.getfixturevalue(role)
    assert visible(user, Enterprise) == set(Enterprise.objects.all())
    assert third_enterprise in visible(user, Enterprise)


def test_anonymous_user_sees_no_company(tickets):
    assert visible(AnonymousUser(), Enterprise) == set()


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_inactive_user_sees_no_company(role, tickets, request):
    user = request.getfixturevalue(role)
    user.is_active = False
    user.save()
    assert visible(user, Enterprise) == set()


def test_every_open_assignment_belongs_to_the_department_holding_the_ticket(
    submit, dispatcher, department, department_user, other_department, other_department_user
):
    """The invariant Ticket.objects.visible_to relies on for departments: a ticket leaves a
    department only by being returned, which ends that assignment."""
    from tickets.models import Assignment

    ticket = submit()
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department)
    returned_to_dispatch(ticket=ticket, by=department_user, reason="不归我局")
    services.ticket_assign(ticket=ticket, by=dispatcher, department=other_department)
    services.ticket_sign(ticket=ticket, by=other_department_user)
    services.ticket_resolve(outcome="solved", ticket=ticket, by=other_department_user, result="已办")
    ticket.refresh_from_db()
    open_assignments = Assignment.objects.filter(ended_at__isnull=True)
    assert all(a.department_id == a.ticket.department_id for a in open_assignments.select_related("ticket"))
    assert Ticket.objects.visible_to(department_user).filter(pk=ticket.pk).exists()


# --------------------------------------------------------------------------------------------
# co-handling departments (协办, DESIGN.md §8)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def co_handled(tickets, submit, dispatcher, department, co_department):
    """A ticket of the company led by 市发改委 with 市行政审批局 co-handling, besides `tickets`."""
    return services.ticket_assign(ticket=submit(title="协办"), by=dispatcher, department=department, co_departments=[co_department])


def test_a_co_handling_department_sees_the_tickets_it_co_handles_and_nothing_else(tickets, co_handled, co_department_user, enterprise):
    assert visible(co_department_user) == {co_handled}
    assert visible(co_department_user, Enterprise) == {enterprise}


def test_a_co_handling_department_keeps_seeing_a_ticket_it_co_handled(co_handled, co_department_user, dispatcher, co_department):
    from tickets.models import Assignment

    services.assignment_end(assignment=Assignment.objects.get(ticket=co_handled, department=co_department), by=dispatcher, reason="不涉及")
    assert visible(co_department_user) == {co_handled}


def test_a_co_handler_kept_through_a_return_and_reassignment_still_sees_the_ticket(
    co_handled, co_department_user, department_user, dispatcher, other_department
):
    returned_to_dispatch(ticket=co_handled, by=department_user, reason="不归我局")
    assert visible(co_department_user) == {co_handled}
    services.ticket_assign(ticket=co_handled, by=dispatcher, department=other_department)
    assert visible(co_department_user) == {co_handled}


def test_a_colleague_of_the_co_handler_sees_the_same(co_handled, co_department):
    colleague = UserFactory(role=User.Role.DEPARTMENT, department=co_department)
    assert visible(colleague) == {co_handled}


def test_a_department_co_handling_elsewhere_does_not_see_this_ticket(co_handled, submit, dispatcher, department, second_co_department_user):
    elsewhere = services.ticket_assign(
        ticket=submit(title="别处协办"), by=dispatcher, department=department, co_departments=[second_co_department_user.department]
    )
    assert visible(second_co_department_user) == {elsewhere}


def test_the_lead_sees_its_co_handled_ticket_and_other_departments_do_not(co_handled, department_user, other_department_user):
    assert co_handled in visible(department_user)
    assert co_handled not in visible(other_department_user)


# --------------------------------------------------------------------------------------------
# return requests (DESIGN.md §9) follow their ticket
# --------------------------------------------------------------------------------------------


@pytest.fixture
def return_asked(tickets, department_user):
    return services.return_request_file(ticket=tickets["own"], by=department_user, reason="不归我局管")


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_a_return_request_is_seen_by_those_who_see_its_ticket(role, return_asked, request):
    from tickets import selectors
    from tickets.models import ReturnRequest

    user = request.getfixturevalue(role)
    sees_ticket = Ticket.objects.visible_to(user).filter(pk=return_asked.ticket_id).exists()
    try:
        selectors.visible_return_request(user, return_asked.pk)
        seen = True
    except ReturnRequest.DoesNotExist:
        seen = False
    assert seen == sees_ticket
    assert (return_asked in selectors.pending_return_requests(user)) == sees_ticket


def test_a_department_still_sees_the_ticket_whose_return_was_upheld(return_asked, department_user, dispatcher):
    services.return_request_decide(request=return_asked, by=dispatcher, uphold=True)
    assert Ticket.objects.visible_to(department_user).filter(pk=return_asked.ticket_id).exists()
