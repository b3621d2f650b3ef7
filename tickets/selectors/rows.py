"""A ticket as the lists show it: a row read with values() instead of a model instance.

The long lists (the ticket list, a department's inbox) show a dozen of a ticket's fields and the
names of its company, category and department. Building a Ticket with its three related models
for each row cost more than the query (bench/README.md, issue 18); a TicketRow holds only what the
table shows and answers the same names the table templates ask a Ticket (t.reference,
t.get_status_display, t.enterprise.name, t.is_overdue …), so one template serves both, and the
due-date rules are the model's own (Ticket.is_overdue / is_due_today, called on the row).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.urls import reverse

from tickets.models import Assignment, AssignmentState, Priority, Status, SupervisionLevel, Ticket

# The columns a list row shows (templates/tickets/_ticket_table.html, _badges.html, _due.html).
ROW_FIELDS = (
    "id", "reference", "title", "priority", "status", "supervision_level", "was_returned", "due_date", "submitted_at",
    "enterprise_id", "enterprise__name", "category__name", "department_id", "department__name",
)  # fmt: skip

_PRIORITY = dict(Priority.choices)
_STATUS = dict(Status.choices)
_SUPERVISION = dict(SupervisionLevel.choices)
_PART_STATE = dict(AssignmentState.choices)


def detail_prefix() -> str:
    """The ticket page's address without its reference: rows add theirs (references are URL-safe:
    QY-2026-000123) instead of a reverse() per row."""
    return reverse("ticket_detail", args=["X"])[:-2]


class _Named(NamedTuple):
    """A related object as the table shows it: its id and name (t.enterprise.name)."""

    id: int | None
    name: str


class TicketRow:
    __slots__ = (
        "id", "reference", "title", "priority", "status", "supervision_level", "was_returned", "due_date", "submitted_at",
        "enterprise", "category", "department", "detail_url", "days_left", "days_over",
    )  # fmt: skip

    def __init__(self, values: Mapping[str, Any], *, detail_prefix: str) -> None:
        self.id = values["id"]
        self.reference = values["reference"]
        self.title = values["title"]
        self.priority = values["priority"]
        self.status = values["status"]
        self.supervision_level = values["supervision_level"]
        self.was_returned = values["was_returned"]
        self.due_date = values["due_date"]
        self.submitted_at = values["submitted_at"]
        self.enterprise = _Named(values["enterprise_id"], values["enterprise__name"])
        self.category = _Named(None, values["category__name"])
        self.department = _Named(values["department_id"], values["department__name"]) if values["department_id"] else None
        self.detail_url = detail_prefix + self.reference + "/"
        # Set by tickets.selectors.worklists.mark_days_left on the pages that show them.
        self.days_left: int | None = None
        self.days_over = 0

    def get_priority_display(self) -> str:
        return _PRIORITY.get(self.priority, self.priority)

    def get_status_display(self) -> str:
        return _STATUS.get(self.status, self.status)

    def get_supervision_level_display(self) -> str:
        return _SUPERVISION.get(self.supervision_level, self.supervision_level)

    def is_overdue(self, on_date: datetime.date | None = None) -> bool:
        return Ticket.is_overdue(self, on_date)

    def is_due_today(self, on_date: datetime.date | None = None) -> bool:
        return Ticket.is_due_today(self, on_date)


def row_values(tickets: QuerySet[Ticket]) -> QuerySet[Ticket, dict[str, Any]]:
    """The list's query reading only the row's columns (its filters and order kept)."""
    return tickets.values(*ROW_FIELDS)


def as_rows(values: Iterable[Mapping[str, Any]]) -> list[TicketRow]:
    """Rows from row_values() results."""
    prefix = detail_prefix()
    return [TicketRow(v, detail_prefix=prefix) for v in values]


def ticket_rows(tickets: QuerySet[Ticket], *, limit: int) -> list[TicketRow]:
    """The first `limit` rows of a list."""
    return as_rows(row_values(tickets)[:limit])


# The columns of a co-handling part's row on a department's inbox (templates/jinja2/tickets/co_table.html).
CO_ROW_FIELDS = (
    "id", "role", "state", "due_date", "response_due_date",
    "ticket__reference", "ticket__title", "ticket__priority",
    "ticket__enterprise_id", "ticket__enterprise__name", "ticket__department_id", "ticket__department__name",
)  # fmt: skip


class _CoTicket(NamedTuple):
    """The part's ticket as the co-handling table shows it (t.reference, t.enterprise.name …)."""

    reference: str
    title: str
    priority: str
    enterprise: _Named
    department: _Named | None
    detail_url: str

    def get_priority_display(self) -> str:
        return str(_PRIORITY.get(self.priority, self.priority))


class CoRow:
    """A co-handling part (协办, an Assignment) as the inbox shows it, read with values(): the names
    the co-handling table asks of an Assignment, with the model's own feedback-late rule."""

    __slots__ = ("id", "role", "state", "due_date", "response_due_date", "ticket", "days_left", "days_over")

    def __init__(self, values: Mapping[str, Any], *, detail_prefix: str) -> None:
        self.id = values["id"]
        self.role = values["role"]
        self.state = values["state"]
        self.due_date = values["due_date"]
        self.response_due_date = values["response_due_date"]
        department = values["ticket__department_id"]
        self.ticket = _CoTicket(
            values["ticket__reference"],
            values["ticket__title"],
            values["ticket__priority"],
            _Named(values["ticket__enterprise_id"], values["ticket__enterprise__name"]),
            _Named(department, values["ticket__department__name"]) if department else None,
            detail_prefix + values["ticket__reference"] + "/",
        )
        # Set by tickets.selectors.worklists.mark_days_left.
        self.days_left: int | None = None
        self.days_over = 0

    def get_state_display(self) -> str:
        return _PART_STATE.get(self.state, self.state)

    @property
    def is_co(self) -> bool:
        return Assignment.is_co.fget(self)

    def is_feedback_late(self, on_date: datetime.date | None = None) -> bool:
        return Assignment.is_feedback_late(self, on_date)


def co_rows(parts: QuerySet[Assignment], *, limit: int) -> list[CoRow]:
    """The first `limit` co-handling parts of `parts` as rows."""
    prefix = detail_prefix()
    return [CoRow(v, detail_prefix=prefix) for v in parts.values(*CO_ROW_FIELDS)[:limit]]
