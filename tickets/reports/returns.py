"""The overruled-returns figure (无效退单, DESIGN.md §9): return requests that dispatch overruled,
counted per request and credited to the department that asked (not the ticket's holder), so in
a grouped query of its own, as the co figures are (tickets.reports.co).

The return rate itself needs nothing here: a ticket is "returned" once a return_to_dispatch
happened, which since §9 only an upheld request makes happen (returns before §9 count as upheld).

A request is counted when its ticket is in the report's scope and accepted at as_of:

* now: the ``ReturnRequest`` rows whose state is ``overruled``, by their ``department``;
* a given moment: the ``return_overruled`` events by as_of (the timeline), by the event's
  ``data["department_id"]``. Tests hold the two to each other.
"""

from django.db.models import BigIntegerField, CharField, Count, F, Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from tickets.models import EventKind, ReturnRequest, Status, TicketEvent
from tickets.reports.co import group_of_ticket_row
from tickets.reports.sql import LIFECYCLE_EVENTS, _events, _last

RETURN_COUNTS = ("overruled_returns",)


def overruled_returns(scope):
    """The rows the overruled-returns figure counts in `scope` (a figures._Scope), each with
    `r_department` (the department that asked): a queryset of ReturnRequest (now) or of
    TicketEvent (a given moment)."""
    if scope.current:
        rows = ReturnRequest.objects.filter(scope.ticket_filter("ticket__"), state=ReturnRequest.State.OVERRULED).alias(
            r_department=F("department_id")
        )
        rows = rows.filter(ticket__first_assigned_at__isnull=False).exclude(ticket__status=Status.REJECTED)
    else:
        status = Coalesce(
            _last(_events(scope.as_of, *LIFECYCLE_EVENTS, ticket="ticket_id"), F("to_state"), CharField()),
            Value(Status.SUBMITTED.value),
            output_field=CharField(),
        )
        rows = (
            TicketEvent.objects.filter(scope.ticket_filter("ticket__"), kind=EventKind.RETURN_OVERRULED, created_at__lte=scope.as_of)
            .alias(r_department=Cast(KeyTextTransform("department_id", "data"), BigIntegerField()), r_status=status)
            # A request is asked about an assignment: the ticket was accepted, unless rejected at as_of (after a return).
            .exclude(r_status=Status.REJECTED)
        )
    if scope.department is not None:
        rows = rows.filter(r_department=scope.department)
    return rows.order_by()


def return_aggregates():
    return {"overruled_returns": Count("pk", filter=Q(pk__isnull=False))}


def return_group_expression(by):
    """What an overruled request is grouped by in breakdown(by): the department that asked, or its ticket's group."""
    return group_of_ticket_row(by, F("r_department"))
