"""The work queues: dispatch's queue, a department's inbox (its own tickets, its co-handling parts,
those waiting for the company), the supervision board, and the working days left that they show.
Each starts from the visibility rule and reads its rows in a bounded number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from tickets import workdays
from tickets.models import (
    CO_WORK_STATUSES,
    HANDLING_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Status,
    SupervisionLevel,
    Ticket,
)
from tickets.models.ticket import at_risk_until

from .tickets import _LIST_RELATED, PRIORITY_RANK, SUPERVISION_RANK

if TYPE_CHECKING:
    from enterprises.models import User


def mark_days_left(*, tickets: Iterable[Ticket], today: datetime.date, co_parts: Iterable[Assignment] = ()) -> None:
    """Give each ticket a department holds `days_left`: the working days from `today` to its due
    date (negative when overdue, tickets.workdays.working_days_to), and `days_over`, the working
    days it is past due (0 if not); None on the others. The same on each open co-handling part
    (协办) of `co_parts`, for its feedback due date. One calendar read for all the rows of a page,
    whatever their number."""
    rows: list[tuple[Any, bool]] = [(t, t.status in HANDLING_STATUSES and t.due_date is not None) for t in tickets]
    rows += [(a, a.state in (AssignmentState.ASSIGNED, AssignmentState.SIGNED) and a.due_date is not None) for a in co_parts]
    counts = workdays.working_days_to(today, (row.due_date for row, counted in rows if counted))
    for row, counted in rows:
        left = counts[row.due_date] if counted else None
        row.days_left = left  # read by the lists' due-date cells
        row.days_over = -left if left is not None and left < 0 else 0


def dispatch_queue(user: User) -> QuerySet[Ticket]:
    """New and returned tickets waiting for dispatch, oldest first (first come, first served)."""
    return (
        Ticket.objects.visible_to(user)
        .filter(status=Status.SUBMITTED)
        .select_related(*_LIST_RELATED, "category__default_department")
        .order_by("submitted_at", "id")
    )


def department_inbox(user: User) -> QuerySet[Ticket]:
    """The department's open work, most urgent first: earliest due date (overdue ones first),
    then priority, then unsigned before signed."""
    return (
        Ticket.objects.visible_to(user)
        .filter(department_id=user.department_id, status__in=HANDLING_STATUSES)
        .select_related(*_LIST_RELATED)
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by("due_date", "priority_rank", "status", "submitted_at")
    )


# How many of a department's open co-handling parts department_co_inbox() considers (it shows the
# first 100 of them on tickets still being worked on; parts on finished tickets are ended with them).
CO_INBOX_SCAN = 1000


def department_co_inbox(user: User) -> QuerySet[Assignment]:
    """The department's open co-handling parts (协办) still to sign or to feed back, on tickets not
    finished, earliest feedback due first (partial index assignment_co_open_due). The inbox reads
    its columns as rows (tickets.selectors.rows.co_rows): a hundred Assignments with their Ticket
    and its relations built as models cost a third of the inbox's time."""
    # The department's open parts first, in their order, from the partial index (a few hundred
    # at most): with them as a LIMITed subquery PostgreSQL joins each to its ticket, where with
    # the filters side by side it misjudged the parts' number and read every open ticket of the
    # city (47 ms against 9 on 1M tickets, bench/README.md issue 18).
    open_parts = (
        Assignment.objects.filter(
            department_id=user.department_id, role=AssignmentRole.CO, state__in=(AssignmentState.ASSIGNED, AssignmentState.SIGNED)
        )
        .order_by("due_date", "assigned_at", "id")
        .values("id")[:CO_INBOX_SCAN]
    )
    return (
        Assignment.objects.filter(
            id__in=open_parts,
            ticket__status__in=CO_WORK_STATUSES,
            ticket__in=Ticket.objects.visible_to(user),
        )
        .order_by("due_date", "assigned_at", "id")
    )


def department_awaiting_company(user: User) -> QuerySet[Ticket]:
    """Resolved by this department, waiting for the company's answer."""
    return (
        Ticket.objects.visible_to(user)
        .filter(department_id=user.department_id, status=Status.RESOLVED)
        .select_related(*_LIST_RELATED)
        .order_by("resolved_at")
    )


def supervision_board(user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """What the supervision office chases: overdue, due soon, unsigned past the response time,
    and every open ticket already under a yellow or red card."""
    today = today or timezone.localdate()
    handling = Ticket.objects.visible_to(user).filter(status__in=HANDLING_STATUSES).select_related(*_LIST_RELATED)
    return {
        "overdue": handling.overdue(today).order_by("due_date", "id"),
        "at_risk": handling.due_soon(today).order_by("due_date", "id"),
        "unsigned": handling.filter(status=Status.ASSIGNED, response_due_date__lt=today).order_by("response_due_date", "id"),
        "supervised": Ticket.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .exclude(supervision_level=SupervisionLevel.NONE)
        .select_related(*_LIST_RELATED)
        .annotate(supervision_rank=SUPERVISION_RANK)
        .order_by("supervision_rank", "due_date", "id"),
        "today": today,
        "soon": at_risk_until(today),
    }
