"""The read of each ticket page (and its API twin). Each starts from the visibility rule and fetches
what its page shows in a bounded number of queries, whatever the number of tickets.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from tickets import workdays
from tickets.models import (
    Assignment,
    AssignmentRole,
    Attachment,
    EventKind,
    ExtensionRequest,
    Priority,
    ReturnRequest,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from enterprises.models import User

_LIST_RELATED = ("enterprise", "category", "department")

PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


SUPERVISION_RANK = Case(
    When(supervision_level=SupervisionLevel.RED, then=Value(0)),
    When(supervision_level=SupervisionLevel.YELLOW, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# ticket_list()'s filters: argument → lookup (due dates inclusive).
_LIST_FILTERS = {
    "status": "status",
    "supervision": "supervision_level",
    "category": "category_id",
    "department": "department_id",
    "enterprise": "enterprise_id",
    "due_before": "due_date__lte",
    "due_after": "due_date__gte",
}


# The orders the ticket list may be sorted in (its `sort` parameter; "-" is descending), each with
# a tie-breaker so that paging is stable. The status sorts by the lifecycle's order, not by name.
STATUS_RANK = Case(*(When(status=value, then=Value(rank)) for rank, value in enumerate(Status.values)), output_field=IntegerField())
TICKET_LIST_SORTS: dict[str, tuple[Any, ...]] = {
    "-submitted": ("-submitted_at", "-id"),
    "submitted": ("submitted_at", "id"),
    "due": (F("due_date").asc(nulls_last=True), "id"),
    "-due": (F("due_date").desc(nulls_last=True), "-id"),
    "status": (STATUS_RANK.asc(), "-submitted_at", "-id"),
    "-status": (STATUS_RANK.desc(), "-submitted_at", "-id"),
}
DEFAULT_LIST_SORT = "-submitted"


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def ticket_list(
    user: User,
    *,
    query: str | None = None,
    sort: str = DEFAULT_LIST_SORT,
    submitted_from: datetime.date | None = None,
    submitted_to: datetime.date | None = None,
    **filters: Any,
) -> QuerySet[Ticket]:
    """All tickets the user may see, in the order `sort` names (TICKET_LIST_SORTS; newest first by
    default), with the list's filters (_LIST_FILTERS; empty ones ignored), a search of reference,
    title and company name, and the local dates of submission from and to (both included).
    Raises KeyError for a sort not in TICKET_LIST_SORTS (the form offers only those)."""
    order = TICKET_LIST_SORTS[sort]
    tickets = Ticket.objects.visible_to(user).select_related(*_LIST_RELATED)
    tickets = tickets.filter(**{_LIST_FILTERS[name]: value for name, value in filters.items() if value})
    if query:
        tickets = tickets.filter(Q(reference__icontains=query) | Q(title__icontains=query) | Q(enterprise__name__icontains=query))
    # Local days as moments (Asia/Shanghai), so that the submitted_at indexes serve the range.
    if submitted_from:
        tickets = tickets.filter(submitted_at__gte=_local_midnight(submitted_from))
    if submitted_to:
        tickets = tickets.filter(submitted_at__lt=_local_midnight(submitted_to + datetime.timedelta(days=1)))
    return tickets.order_by(*order)


def bounded_count(queryset: QuerySet[Any], *, bound: int) -> int:
    """How many rows `queryset` has, counted up to `bound` + 1: one COUNT over a LIMITed subquery
    of ids, without the list's order, never over every row. More than `bound` means "bound+"."""
    return queryset.order_by().values("pk")[: bound + 1].count()


def pending_extensions(user: User) -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING, ticket__in=Ticket.objects.visible_to(user))
        .select_related("ticket", "ticket__enterprise", "department", "requested_by")
        .order_by("created_at")
    )


def pending_return_requests(user: User) -> QuerySet[ReturnRequest]:
    """Return requests waiting for dispatch's ruling, oldest first (partial index return_pending),
    on tickets the user may see: the top section of the dispatch queue."""
    return (
        ReturnRequest.objects.filter(state=ReturnRequest.State.PENDING, ticket__in=Ticket.objects.visible_to(user))
        .select_related(
            "ticket", "ticket__enterprise", "ticket__department", "assignment", "department", "requested_by", "suggested_department"
        )
        .order_by("created_at", "id")
    )


def pending_return_count(user: User) -> int:
    """How many return requests wait for a ruling (the menu's count): one COUNT."""
    return ReturnRequest.objects.filter(state=ReturnRequest.State.PENDING, ticket__in=Ticket.objects.visible_to(user)).count()


def visible_return_request(user: User, pk: int) -> ReturnRequest:
    """A return request of a ticket the user may see; raises ReturnRequest.DoesNotExist otherwise."""
    return ReturnRequest.objects.select_related("ticket", "assignment", "department", "requested_by", "suggested_department").get(
        pk=pk, ticket__in=Ticket.objects.visible_to(user)
    )


def upheld_suggestion(ticket: Ticket) -> Any:
    """The department suggested by the lead's return request that dispatch upheld last, while the
    ticket waits for dispatch again (the assign form proposes it), or None. Reads the prefetched
    return_requests."""
    if ticket.status != Status.SUBMITTED:
        return None
    upheld = [r for r in ticket.return_requests.all() if r.state == ReturnRequest.State.UPHELD and r.assignment.role == AssignmentRole.LEAD]
    if not upheld:
        return None
    suggested = max(upheld, key=lambda r: (r.decided_at, r.pk)).suggested_department
    return suggested if suggested is not None and suggested.is_active else None


def ticket_for_action(user: User, reference: str) -> Ticket:
    """The ticket an API call acts on: what available_actions() and the actions' forms read, not
    the whole page (the service locks and re-reads the row anyway). Raises Ticket.DoesNotExist if
    not visible."""
    return Ticket.objects.visible_to(user).prefetch_related("extension_requests", "assignments", "return_requests").get(reference=reference)


def ticket_detail(user: User, reference: str) -> Ticket:
    """The ticket with everything its page shows; raises Ticket.DoesNotExist if not visible."""
    return ticket_detail_queryset(user).get(reference=reference)


def ticket_detail_queryset(user: User) -> QuerySet[Ticket]:
    """The tickets `user` may see, each with everything its detail page (or API) shows."""
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id"))
    events = Prefetch(
        "events",
        queryset=TicketEvent.objects.select_related("actor").prefetch_related(attachments).order_by("created_at", "id"),
    )
    return (
        Ticket.objects.visible_to(user)
        .select_related(*_LIST_RELATED, "submitted_by", "category__default_department")
        .prefetch_related(
            # Most tickets are neither duplicates nor raised on a visit: read apart, these cost no
            # query then, where two more joins (ten tables) made PostgreSQL plan for 2–3 ms.
            "duplicate_of",
            "visit__liaison",
            events,
            Prefetch(
                "extension_requests",
                queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by", "department").order_by("created_at"),
            ),
            Prefetch(
                "return_requests",
                queryset=ReturnRequest.objects.select_related(
                    "assignment", "department", "requested_by", "decided_by", "suggested_department"
                ).order_by("created_at", "id"),
            ),
            "category__deadline_profiles",
            Prefetch("assignments", queryset=Assignment.objects.select_related("department").order_by("assigned_at", "id")),
        )
    )


def assignment_rows(ticket: Ticket) -> list[Assignment]:
    """The ticket's assignments as its page and the API show them, from what ticket_detail
    prefetched: the lead department first (the one in force, then earlier ones), then the
    co-handlers (open ones first), each in the order assigned. Each carries `feedback_event` (its
    co_feedback event, whose attachments are the feedback's files) and `end_note` (the reason
    written when it ended), or None."""
    feedback: dict[int, TicketEvent] = {}
    end_notes: dict[int, str] = {}
    for event in ticket.events.all():
        if not isinstance(event.data, dict) or "assignment_id" not in event.data:
            continue
        if event.kind == EventKind.CO_FEEDBACK:
            feedback[event.data["assignment_id"]] = event
        elif event.kind == EventKind.CO_END:
            end_notes[event.data["assignment_id"]] = event.note
    rows = sorted(ticket.assignments.all(), key=lambda a: (a.role != AssignmentRole.LEAD, a.ended_at is not None, a.assigned_at, a.pk))
    for assignment in rows:
        assignment.feedback_event = feedback.get(assignment.pk)  # type: ignore[attr-defined]  # read by the page and the API
        assignment.end_note = end_notes.get(assignment.pk) or None  # type: ignore[attr-defined]
    return rows


def supervision_notice(ticket: Ticket) -> TicketEvent | None:
    """The card a ticket under yellow or red supervision carries, as its timeline stored it: the
    latest supervision event (level in `to_state`, the notice in `note`, who and when), or None
    when it is not under supervision. Reads the events ticket_detail prefetched."""
    if ticket.supervision_level == SupervisionLevel.NONE:
        return None
    raised = [e for e in ticket.events.all() if e.kind == EventKind.SUPERVISION]
    return max(raised, key=lambda e: (e.created_at, e.pk)) if raised else None


def visible_attachment(user: User, pk: int) -> Attachment:
    """An attachment of a ticket the user may see (attachments follow their ticket); raises
    Attachment.DoesNotExist otherwise."""
    return Attachment.objects.select_related("ticket").get(pk=pk, ticket__in=Ticket.objects.visible_to(user))


def visible_extension_request(user: User, pk: int) -> ExtensionRequest:
    """An extension request of a ticket the user may see; raises ExtensionRequest.DoesNotExist otherwise."""
    return ExtensionRequest.objects.select_related("ticket", "department", "requested_by").get(
        pk=pk, ticket__in=Ticket.objects.visible_to(user)
    )


def assign_proposal(ticket: Ticket, today: datetime.date | None = None) -> dict[str, Any]:
    """What the assign form proposes for `ticket`: the category's department and usual
    co-handlers, and the due dates of its deadline profile (category and priority) in working
    days from today, with the profile it used and the years among those dates that have no
    official calendar yet (the page warns)."""
    today = today or timezone.localdate()
    profile = ticket.deadlines()
    dates = ticket.deadline_dates(today, profile)
    complex_due = workdays.add_working_days(today, profile.complex_resolution_days)
    suggested = upheld_suggestion(ticket)
    return {
        "initial": {
            # After an upheld return, the department the returning one suggested (DESIGN.md §9).
            "department": suggested or ticket.category.default_department,
            "co_departments": [
                d
                for d in ticket.category.co_departments.all()
                if d.is_active and d.pk != ticket.category.default_department_id and (suggested is None or d.pk != suggested.pk)
            ],
        },
        "suggested_due": dates["resolution"],
        "complex_due": complex_due,
        "dates": dates,
        "profile": profile,
        "resolution_days": profile.resolution_days,
        "response_days": profile.response_days,
        "unknown_years": workdays.unknown_years(today, complex_due),
        "suggested_by_return": suggested,
    }


def visible_references(user: User, references: Iterable[str | None]) -> set[str]:
    """Those of `references` (ticket references) whose tickets `user` may see: a page names another
    ticket (the one a rejected ticket duplicates) only to those who may open it. One query."""
    wanted = {reference for reference in references if reference}
    if not wanted:
        return set()
    return set(Ticket.objects.visible_to(user).filter(reference__in=wanted).values_list("reference", flat=True))


def duplicate_references(ticket: Ticket) -> set[str | None]:
    """The references a ticket's page may name besides its own: the ticket it duplicates (from
    the ticket and from its rejection event)."""
    references: set[str | None] = {ticket.duplicate_of.reference} if ticket.duplicate_of is not None else set()
    references.update(e.data.get("duplicate_of") for e in ticket.events.all() if e.kind == EventKind.REJECT and isinstance(e.data, dict))
    return references
