"""The co-handling figures (DESIGN.md §8): facts about each co assignment (协办) rather than each
ticket, so they are counted over ``Assignment`` rows, in a grouped query of their own. See
tickets.reports for the definitions of ``co_due`` and ``co_on_time``.

A co assignment is counted when its ticket is in the report's scope (submitted in the period,
the category / district / industry filters) and accepted at as_of. The department it is credited
to is the co-handling department (``Assignment.department``), not the ticket's lead: the
``department`` filter and the department breakdown select co assignments by it. The other
breakdowns group co assignments by their ticket's category, district, industry or month.
"""

from django.db.models import BigIntegerField, CharField, Count, DateField, F, OuterRef, Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from tickets.models import Assignment, AssignmentRole, EventKind, Status, TicketEvent
from tickets.reports.sql import LIFECYCLE_EVENTS, _events, _json_date, _last

CO_COUNTS = ("co_due", "co_on_time")


def _due_in_force(as_of):
    """The co assignment's feedback due date in force at as_of: the last co-extension approved
    for it by as_of, else the due date it was made with."""
    extensions = (
        TicketEvent.objects.filter(ticket=OuterRef("ticket_id"), kind=EventKind.CO_EXTENSION_APPROVED, created_at__lte=as_of)
        .alias(r_for=Cast(KeyTextTransform("assignment_id", "data"), BigIntegerField()))
        .filter(r_for=OuterRef("pk"))
    )
    return Coalesce(_last(extensions, _json_date("to"), DateField()), F("first_due_date"), output_field=DateField())


def co_assignments(scope):
    """The co assignments the co figures count, in `scope` (a figures._Scope), with the
    conditions of each co figure: (queryset, {figure: Q})."""
    assignments = Assignment.objects.filter(scope.ticket_filter("ticket__"), role=AssignmentRole.CO)
    if scope.department is not None:
        assignments = assignments.filter(department_id=scope.department)
    if scope.current:
        accepted = Q(ticket__first_assigned_at__isnull=False) & ~Q(ticket__status=Status.REJECTED)
        due = Q(feedback_at__isnull=False) | Q(ended_at__isnull=False) | Q(due_date__lt=scope.as_of_date)
        on_time = Q(feedback_at__isnull=False) & Q(feedback_on_time=True)
    else:
        status = Coalesce(
            _last(_events(scope.as_of, *LIFECYCLE_EVENTS, ticket="ticket_id"), F("to_state"), CharField()),
            Value(Status.SUBMITTED.value),
            output_field=CharField(),
        )
        assignments = assignments.filter(assigned_at__lte=scope.as_of).alias(r_status=status, r_due=_due_in_force(scope.as_of))
        # A co assignment made by as_of implies an assignment of its ticket by then: accepted
        # unless rejected at as_of (after a return).
        accepted = ~Q(r_status=Status.REJECTED)
        given = Q(feedback_at__isnull=False) & Q(feedback_at__lte=scope.as_of)
        due = given | (Q(ended_at__isnull=False) & Q(ended_at__lte=scope.as_of)) | Q(r_due__lt=scope.as_of_date)
        on_time = given & Q(feedback_on_time=True)
    return assignments.filter(accepted).order_by(), {"co_due": due, "co_on_time": on_time}


def co_aggregates(conditions):
    # COUNT(ticket_id) (never null), not COUNT(id): the partial covering index assignment_co_report
    # holds the ticket id but not the id, so the co query is then an index-only scan.
    return {name: Count("ticket_id", filter=conditions[name]) for name in CO_COUNTS}


def co_group_expression(by):
    """What a co assignment is grouped by in breakdown(by)."""
    return group_of_ticket_row(by, F("department_id"))


def group_of_ticket_row(by, department):
    """What a row about a ticket (a co assignment, a return request) is grouped by in
    breakdown(by): `department`, the department the row credits, or its ticket's group."""
    if by == "department":
        return department
    if by == "month":
        return TruncMonth("ticket__submitted_at", tzinfo=timezone.get_default_timezone())
    return {
        "category": F("ticket__category_id"),
        "district": F("ticket__enterprise__district_id"),
        "industry": F("ticket__enterprise__industry_id"),
    }[by]
