"""tickets.rules: each "who may" predicate, for every named role (tests/conftest.py)."""

import pytest

from tickets import rules
from tickets.models import Ticket

from .conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_for(request):
    return lambda role: request.getfixturevalue(ROLE_FIXTURES[role])


def _roles(*names):
    return pytest.mark.parametrize("role", names)


@_roles("department")
def test_the_holding_departments_staff_hold_the_ticket(role, user_for, assigned_ticket):
    assert rules.holds_ticket(user_for(role), assigned_ticket)


@_roles("other_department", "company", "liaison", "dispatcher", "supervisor", "leader", "admin")
def test_nobody_else_holds_the_ticket(role, user_for, assigned_ticket):
    assert not rules.holds_ticket(user_for(role), assigned_ticket)


def test_a_department_holds_no_ticket_waiting_for_dispatch(department_user, ticket):
    assert not rules.holds_ticket(department_user, ticket)


@_roles("company", "liaison", "dispatcher", "admin")
def test_companies_liaisons_and_dispatch_may_submit(role, user_for):
    assert rules.may_submit(user_for(role))


@_roles("department", "supervisor", "leader")
def test_departments_supervision_and_leadership_do_not_submit(role, user_for):
    assert not rules.may_submit(user_for(role))


@_roles("company", "liaison", "dispatcher", "admin")
def test_the_companys_people_and_dispatch_may_submit_for_it(role, user_for, enterprise):
    assert rules.may_submit_for(user_for(role), enterprise.pk)


@_roles("other_company", "other_liaison", "department", "supervisor", "leader")
def test_nobody_else_may_submit_for_the_company(role, user_for, enterprise):
    assert not rules.may_submit_for(user_for(role), enterprise.pk)


@_roles("company", "liaison", "department", "dispatcher", "supervisor", "admin")
def test_those_who_work_on_an_open_ticket_may_add_notes(role, user_for, in_progress_ticket):
    assert rules.may_comment(user_for(role), in_progress_ticket)


@_roles("leader", "other_company", "other_liaison", "other_department")
def test_leadership_and_outsiders_add_no_notes(role, user_for, in_progress_ticket):
    assert not rules.may_comment(user_for(role), in_progress_ticket)


@_roles("company", "department", "dispatcher", "admin")
def test_nobody_adds_notes_to_a_closed_ticket(role, user_for, closed_ticket):
    assert not rules.may_comment(user_for(role), closed_ticket)


def test_the_holding_department_may_ask_for_more_time_while_handling(department_user, in_progress_ticket):
    assert rules.may_request_extension(department_user, in_progress_ticket)


def test_no_more_time_is_asked_for_a_resolved_ticket(department_user, resolved_ticket):
    assert not rules.may_request_extension(department_user, resolved_ticket)


@_roles("dispatcher", "supervisor", "admin")
def test_dispatch_and_supervision_decide_extensions(role, user_for):
    assert rules.may_decide_extensions(user_for(role))


@_roles("company", "liaison", "department", "leader")
def test_nobody_else_decides_extensions(role, user_for):
    assert not rules.may_decide_extensions(user_for(role))


@_roles("dispatcher", "supervisor", "leader", "admin")
def test_the_city_roles_view_the_report(role, user_for):
    assert rules.may_view_reports(user_for(role))


@_roles("company", "liaison", "department")
def test_companies_liaisons_and_departments_do_not_view_the_report(role, user_for):
    assert not rules.may_view_reports(user_for(role))


def test_an_anonymous_visitor_views_no_report():
    from django.contrib.auth.models import AnonymousUser

    assert not rules.may_view_reports(AnonymousUser())


def test_available_actions_include_a_request_for_more_time_only_without_one_pending(department_user, dispatcher, in_progress_ticket):
    from tickets import services

    assert "request_extension" in rules.available_actions(Ticket.objects.get(pk=in_progress_ticket.pk), department_user)
    services.extension_request(
        ticket=in_progress_ticket,
        by=department_user,
        requested_due_date=in_progress_ticket.due_date.replace(year=in_progress_ticket.due_date.year + 1),
        reason="需要协调",
    )
    assert "request_extension" not in rules.available_actions(Ticket.objects.get(pk=in_progress_ticket.pk), department_user)
