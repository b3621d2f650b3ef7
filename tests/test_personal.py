"""Personal data (DESIGN.md §11): the masked forms, and the one rule of who sees a contact in full
(tickets.rules.sees_company_contact / sees_ticket_contact), per role."""

import pytest

from tests.factories import returned_to_dispatch
from tickets import personal, rules, services
from tickets.models import Ticket, VerificationCall


def fresh(ticket):
    return Ticket.objects.prefetch_related("assignments").get(pk=ticket.pk)


# --- the masked forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, masked",
    [
        ("13812341234", "138****1234"),  # a mobile: the first three and last four digits
        ("0356-1234567", "035*****4567"),  # a landline: masked in its middle
        ("12345", "***45"),  # a short number: only its last two characters
        ("", ""),
    ],
)
def test_a_phone_number_is_masked_in_its_middle(number, masked):
    assert personal.mask_phone(number) == masked


@pytest.mark.parametrize(
    "name, masked",
    [("王伟", "王*"), ("欧阳娜娜", "欧***"), ("王", "王*")],  # the family name, then one star per hidden character
)
def test_a_name_keeps_its_first_character(name, masked):
    assert personal.mask_name(name) == masked


def test_an_email_address_keeps_the_first_character_and_the_domain():
    assert personal.mask_email("wangwei@fenghuang.example.cn") == "w***@fenghuang.example.cn"


def test_a_masked_contact_reads_as_its_masked_parts():
    shown = personal.contact("王伟", "13812341234", "wangwei@example.cn", full=False)
    assert str(shown) == "王* 138****1234 w***@example.cn" and shown.full is False


# --- the company's contact, per role ------------------------------------------------------------


@pytest.mark.parametrize(
    "role, full",
    [
        ("company_user", True),
        ("liaison", True),
        ("dispatcher", True),
        ("admin_user", True),  # an administrator works as dispatch (User.is_dispatcher)
        ("other_company_user", False),
        ("other_liaison", False),
        ("department_user", False),
        ("supervisor", False),
        ("leader", False),
        ("callback_user", False),
    ],
)
def test_the_companys_contact_is_shown_in_full_only_to_its_own_side_and_dispatch(request, enterprise, role, full):
    user = request.getfixturevalue(role)
    assert rules.sees_company_contact(user, enterprise.pk) is full


def test_a_deactivated_company_user_does_not_see_the_contact(company_user, enterprise):
    company_user.is_active = False
    assert rules.sees_company_contact(company_user, enterprise.pk) is False


# --- a ticket's contact, per role ---------------------------------------------------------------


@pytest.mark.parametrize(
    "role, full",
    [
        ("company_user", True),
        ("liaison", True),
        ("dispatcher", True),
        ("admin_user", True),
        ("department_user", True),
        ("co_department_user", True),
        ("other_department_user", False),
        ("supervisor", False),
        ("leader", False),
        ("callback_user", False),
    ],
)
def test_a_tickets_contact_is_shown_in_full_to_the_company_side_dispatch_and_the_departments_holding_it(
    request, co_handled_ticket, role, full
):
    user = request.getfixturevalue(role)
    assert rules.sees_ticket_contact(user, fresh(co_handled_ticket)) is full


def test_a_co_handler_released_from_the_ticket_no_longer_sees_the_contact(co_handled_ticket, co_department_user, dispatcher):
    assignment = co_handled_ticket.assignments.get(department=co_department_user.department)
    services.assignment_end(assignment=assignment, by=dispatcher, reason="不属于本部门职责")
    assert rules.sees_ticket_contact(co_department_user, fresh(co_handled_ticket)) is False


def test_a_department_that_returned_the_ticket_no_longer_sees_the_contact(assigned_ticket, department_user, dispatcher):
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="应由市人社局办理", dispatcher=dispatcher)
    assert rules.sees_ticket_contact(department_user, fresh(assigned_ticket)) is False


@pytest.mark.parametrize("role", ["callback_user", "supervisor"])
def test_a_caller_sees_the_contact_of_a_resolved_ticket_awaiting_the_companys_answer(request, resolved_ticket, role):
    assert rules.sees_ticket_contact(request.getfixturevalue(role), fresh(resolved_ticket)) is True


def test_leadership_does_not_see_the_contact_of_a_resolved_ticket(resolved_ticket, leader):
    assert rules.sees_ticket_contact(leader, fresh(resolved_ticket)) is False


def test_a_caller_sees_the_contact_of_a_closed_ticket_only_while_its_verification_call_is_pending(closed_ticket, callback_user):
    call = VerificationCall.objects.create(ticket=closed_ticket, month=closed_ticket.closed_at.date().replace(day=1))
    assert personal.sees_ticket_contact(callback_user, fresh(closed_ticket)) is True
    call.state = VerificationCall.State.CONFIRMED
    call.save()
    assert personal.sees_ticket_contact(callback_user, fresh(closed_ticket)) is False


# --- names in a timeline ------------------------------------------------------------------------


def test_a_company_users_name_in_a_timeline_is_masked_for_a_reader_without_the_contact(ticket, company_user):
    event = ticket.events.get(kind="submitted")
    assert personal.actor_label(event, full=False) == personal.mask_name(str(company_user))
    assert personal.actor_label(event, full=True) == str(company_user)


def test_a_staff_members_name_in_a_timeline_is_never_masked(assigned_ticket, dispatcher):
    event = assigned_ticket.events.get(kind="assign")
    assert personal.actor_label(event, full=False) == str(dispatcher)
