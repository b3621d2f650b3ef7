"""The printed documents of a ticket that officials sign and file: the assignment slip (交办单)
and the supervision notice (督办单). Each read starts from the visibility rule (a ticket the user
may not see is Ticket.DoesNotExist, as for its page) and raises NoDocument when the ticket has no
such document: not assigned yet (no slip), never supervised (no notice).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from tickets import personal
from tickets.models import Assignment, EventKind, SupervisionLevel, Ticket, TicketEvent
from tickets.selectors.tickets import supervision_notice as current_supervision_event

if TYPE_CHECKING:
    import datetime

    from enterprises.models import User


class NoDocument(Exception):
    """The ticket has no document of this kind (yet)."""


@dataclass(frozen=True)
class AssignmentSlip:
    ticket: Ticket
    lead: Assignment
    co: list[Assignment]
    instruction: str
    contact: personal.Contact
    company_contact: personal.Contact


@dataclass(frozen=True)
class SupervisionNotice:
    ticket: Ticket
    event: TicketEvent
    level: str
    level_label: str
    department: Any
    due_date: datetime.date | None


def has_assignment_slip(ticket: Ticket) -> bool:
    """A ticket has an assignment slip once dispatch has assigned it to a lead department. Reads
    the ticket's prefetched `assignments` where the page has them."""
    return any(assignment.is_lead for assignment in ticket.assignments.all())


def has_supervision_notice(ticket: Ticket) -> bool:
    """A ticket has a supervision notice once supervision was raised on it (it never goes down)."""
    return ticket.supervision_level != SupervisionLevel.NONE


def _document_ticket(user: User, reference: str, *, event_kind: str) -> Ticket:
    events = Prefetch("events", queryset=TicketEvent.objects.filter(kind=event_kind).select_related("actor").order_by("created_at", "id"))
    assignments = Prefetch(
        "assignments", queryset=Assignment.objects.select_related("department", "assigned_by").order_by("assigned_at", "id")
    )
    return (
        Ticket.objects.visible_to(user)
        .select_related("enterprise", "category", "department", "last_department")
        .prefetch_related(events, assignments)
        .get(reference=reference)
    )


def _overlaps(co: Assignment, lead: Assignment) -> bool:
    """Did the co assignment run alongside the lead assignment (named with it, added while it
    ran, or kept from before)? One that ended when this lead began (its department became the
    lead, or was not kept) did not."""
    began_in_time = lead.ended_at is None or co.assigned_at <= lead.ended_at
    return began_in_time and (co.ended_at is None or co.ended_at > lead.assigned_at)


def assignment_slip(*, user: User, reference: str) -> AssignmentSlip:
    """The slip of the ticket's latest assignment to a lead department: the ticket, the company
    (its contact as this user may see it), the lead and co-handling departments with their due
    dates, the dispatcher's instruction, who assigned it and when. Four queries."""
    ticket = _document_ticket(user, reference, event_kind=EventKind.ASSIGN)
    leads = [a for a in ticket.assignments.all() if a.is_lead]
    if not leads:
        raise NoDocument
    lead = leads[-1]
    co = [a for a in ticket.assignments.all() if a.is_co and _overlaps(a, lead)]
    assign_events = [e for e in ticket.events.all() if e.created_at <= lead.assigned_at]
    full = personal.sees_ticket_contact(user, ticket)
    return AssignmentSlip(
        ticket=ticket,
        lead=lead,
        co=co,
        instruction=assign_events[-1].note if assign_events else "",
        contact=personal.ticket_contact(ticket, full=full),
        company_contact=personal.company_contact(ticket.enterprise, full=full),
    )


def supervision_notice(*, user: User, reference: str) -> SupervisionNotice:
    """The notice of the ticket's present supervision level (yellow or red): the raise that set
    it, with its text, who issued it (a supervisor, or the system's sweep) and when, the
    department held to it and the due date. Three queries."""
    ticket = _document_ticket(user, reference, event_kind=EventKind.SUPERVISION)
    # The same raise as the banner at the top of the ticket page.
    event = current_supervision_event(ticket)
    if event is None:
        raise NoDocument
    return SupervisionNotice(
        ticket=ticket,
        event=event,
        level=ticket.supervision_level,
        level_label=ticket.get_supervision_level_display(),
        department=ticket.department or ticket.last_department,
        due_date=ticket.due_date,
    )
