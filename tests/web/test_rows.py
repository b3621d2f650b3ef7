"""The lists' rows read with values() (tickets.selectors.rows, issue 18): they answer what the tables
ask a model with the model's own rules."""

import datetime

import pytest

from tickets.models import Assignment, AssignmentRole
from tickets.selectors import rows

pytestmark = pytest.mark.django_db


def test_a_co_handling_row_holds_the_parts_and_its_tickets_columns(co_handled_ticket, co_department):
    part = Assignment.objects.get(ticket=co_handled_ticket, department=co_department, role=AssignmentRole.CO)
    [row] = rows.co_rows(Assignment.objects.filter(pk=part.pk), limit=10)
    assert (row.id, row.state, row.due_date, row.response_due_date) == (part.pk, part.state, part.due_date, part.response_due_date)
    assert (row.ticket.reference, row.ticket.title, row.ticket.priority) == (
        co_handled_ticket.reference,
        co_handled_ticket.title,
        co_handled_ticket.priority,
    )
    ticket = co_handled_ticket
    assert (row.ticket.enterprise.name, row.ticket.department.name) == (ticket.enterprise.name, ticket.department.name)


@pytest.mark.parametrize("days_after_due", [-1, 0, 1])
def test_a_co_handling_row_is_late_exactly_when_its_assignment_is(co_handled_ticket, co_department, days_after_due):
    part = Assignment.objects.get(ticket=co_handled_ticket, department=co_department, role=AssignmentRole.CO)
    [row] = rows.co_rows(Assignment.objects.filter(pk=part.pk), limit=10)
    on = part.due_date + datetime.timedelta(days=days_after_due)
    assert row.is_feedback_late(on) == part.is_feedback_late(on) == (days_after_due > 0)


def test_co_rows_read_at_most_the_limit(co_handled_ticket):
    assert len(rows.co_rows(Assignment.objects.filter(ticket=co_handled_ticket, role=AssignmentRole.CO), limit=1)) == 1
