"""一企一档: a company's case file, read once here for the page, the API, the export and the
monthly mailing, so that all four hold the same tickets and give the same figures.

What a case file holds for a reader: the company and its liaison officials; the company's
tickets that the reader may see (tickets.visibility, DESIGN.md §6); their counts per status,
how many are open and overdue; how many are rated and satisfied, by the leadership report's
definition (DESIGN.md §5: each ticket's LATEST rating, ``Ticket.latest_rating``; a reopen is a
不满意; "no answer" — an auto-close — is not a rating, and only says how the ticket closed); and
the tickets' merged timeline, bounded where the page bounds it.

    enterprise_case_file(user, pk)        the page and the API: newest first, timeline bounded; the
                                          page's also the company's liaison visits (bounded)
    case_file_for_export(user, pk)        the export: oldest first, the whole timeline, every visit
    company_side_case_files(ids, today)   the monthly mailing: many companies at once, as their
                                          own side (users and liaisons) reads them, no timeline

Each reads a fixed number of queries, whatever the number of tickets or events (and for the
mailing, whatever the number of companies). How a ticket's rating and closing are shown
(`rating_label`, `closed_without_answer`, `how_closed`) is here too.

Who may see a case file export (its requester, while they still see the company) is
`exports_of` / `visible_export`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from enterprises.models import Enterprise, User
from tickets import personal, reports, rules, visibility
from tickets.models import OPEN_STATUSES, CaseFileExport, EventKind, Rating, Status, Ticket, TicketEvent, Visit
from tickets.reports import RATINGS
from tickets.selectors.visits import enterprise_visits

CASE_FILE_TIMELINE_LIMIT = 300
CASE_FILE_VISIT_LIMIT = 50

# The ticket list shows category and department; the company is the case file's own.
_TICKET_RELATED = ("category", "department")


# --------------------------------------------------------------------------------------------
# what a case file is
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CaseFile:
    """A company's case file as one reader may see it. `tickets` and `timeline` are in the order
    the reader asked for; the figures count exactly the tickets in `tickets`."""

    enterprise: Enterprise
    liaisons: list[User]
    tickets: list[Ticket]
    today: datetime.date
    # The timeline: every event of `tickets` (timeline_limit None), the newest `timeline_limit`
    # ones, or none (timeline_limit 0).
    timeline: list[TicketEvent] = field(default_factory=list)
    timeline_limit: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    open: int = 0
    overdue: int = 0
    rated: int = 0
    satisfied: int = 0
    # Whether the reader sees the company's contact and its people's names in full (DESIGN.md §11,
    # tickets.rules.sees_company_contact); masked otherwise, wherever the case file is shown.
    full_contact: bool = False
    # The company's liaison visits (走访记录) the reader sees, each with `people_shown` (masked as
    # the contact is): the page's newest first, bounded to CASE_FILE_VISIT_LIMIT; the export's all,
    # oldest first; the mailing's none.
    visits: list[Visit] = field(default_factory=list)

    @property
    def contact(self) -> personal.Contact:
        return personal.company_contact(self.enterprise, full=self.full_contact)

    def actor_label(self, event: TicketEvent) -> str:
        return personal.actor_label(event, full=self.full_contact)

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """(label, count) for every status, in the lifecycle's order, zeros included."""
        return [(label, self.counts.get(value, 0)) for value, label in Status.choices]

    def __repr__(self) -> str:  # logged when a mailing fails: not every ticket
        return f"<CaseFile of enterprise {self.enterprise.pk}: {self.total} tickets>"


def rating_label(ticket: Ticket) -> str:
    """The rating a case file shows: the latest one ("" if none). "No answer" is never shown as
    a rating: see closed_without_answer."""
    return str(ticket.get_latest_rating_display()) if ticket.latest_rating in RATINGS else ""


def closed_without_answer(ticket: Ticket) -> bool:
    """Closed automatically because the company did not answer (an earlier rating, if any, is
    still its latest one)."""
    return ticket.status == Status.CLOSED and ticket.rating == Rating.NO_ANSWER


def how_closed(ticket: Ticket) -> str:
    """How a closed ticket was closed: confirmed by the company, or automatically with no answer
    ("" while not closed)."""
    if ticket.status != Status.CLOSED:
        return ""
    return str(Rating.NO_ANSWER.label if closed_without_answer(ticket) else EventKind.CONFIRM.label)


def case_file_figures(tickets: Iterable[Ticket], today: datetime.date) -> dict[str, object]:
    """The case file's figures over these tickets (the ones a reader may see), on `today`."""
    counts: dict[str, int] = {}
    opened = overdue = rated = satisfied = 0
    for ticket in tickets:
        counts[ticket.status] = counts.get(ticket.status, 0) + 1
        opened += ticket.status in OPEN_STATUSES
        overdue += ticket.is_overdue(today)
        # Counted as the report counts them (accepted, with a latest rating).
        rated += reports.is_rated(ticket)
        satisfied += reports.is_satisfied(ticket)
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "open": opened,
        "overdue": overdue,
        "rated": rated,
        "satisfied": satisfied,
    }


# --------------------------------------------------------------------------------------------
# reading it
# --------------------------------------------------------------------------------------------


def case_file_tickets(reader: User, enterprise_id: int) -> QuerySet[Ticket]:
    """The company's tickets that `reader` may see (the one rule, tickets.visibility)."""
    return visibility.visible_tickets(reader).filter(enterprise_id=enterprise_id)


def _enterprises(enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    liaisons = Prefetch("liaisons", queryset=User.objects.order_by("display_name", "username"))
    return enterprises.select_related("industry", "district").prefetch_related(liaisons)


def _ticket_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Oldest first (ties by id): the order every case file is read in."""
    return tickets.select_related(*_TICKET_RELATED).order_by("submitted_at", "id")


def _timeline(tickets: list[Ticket], *, newest_first: bool, limit: int | None, attachments: bool) -> list[TicketEvent]:
    """The events of exactly these tickets (a ticket submitted since they were read brings no
    events without itself), each with its ticket already attached."""
    if limit == 0 or not tickets:
        return []
    by_id = {ticket.pk: ticket for ticket in tickets}
    events = TicketEvent.objects.filter(ticket_id__in=list(by_id)).select_related("actor")
    if attachments:
        events = events.prefetch_related("attachments")
    events = events.order_by("-created_at", "-id") if newest_first else events.order_by("created_at", "id")
    if limit is not None:
        events = events[:limit]
    events = list(events)
    for event in events:
        event.ticket = by_id[event.ticket_id]
    return events


def _case_file(enterprise, tickets, today, *, newest_first, timeline_limit, full_contact, attachments=False):
    for ticket in tickets:
        ticket.enterprise = enterprise  # the case file's company, read once
    timeline = _timeline(tickets, newest_first=newest_first, limit=timeline_limit, attachments=attachments)
    return CaseFile(
        enterprise=enterprise,
        liaisons=list(enterprise.liaisons.all()),
        tickets=tickets[::-1] if newest_first else tickets,
        today=today,
        timeline=timeline,
        timeline_limit=timeline_limit,
        full_contact=full_contact,
        **case_file_figures(tickets, today),
    )


def _for_reader(reader, enterprise_pk, today, **options) -> CaseFile:
    """Raises Enterprise.DoesNotExist if `reader` may not open this company's file."""
    enterprise = _enterprises(visibility.visible_enterprises(reader)).get(pk=enterprise_pk)
    tickets = list(_ticket_rows(case_file_tickets(reader, enterprise.pk)))
    full_contact = rules.sees_company_contact(reader, enterprise.pk)
    return _case_file(enterprise, tickets, today or timezone.localdate(), full_contact=full_contact, **options)


def enterprise_case_file(user: User, enterprise_pk: int, *, today: datetime.date | None = None) -> CaseFile:
    """The page's and the API's read: tickets and timeline newest first, the timeline bounded to
    CASE_FILE_TIMELINE_LIMIT (each ticket's page has its whole timeline), with its attachments.
    Raises Enterprise.DoesNotExist if not visible."""
    case_file = _for_reader(user, enterprise_pk, today, newest_first=True, timeline_limit=CASE_FILE_TIMELINE_LIMIT, attachments=True)
    return _with_visits(case_file, user, limit=CASE_FILE_VISIT_LIMIT, newest_first=True)


def _with_visits(case_file: CaseFile, user: User, *, limit: int | None, newest_first: bool) -> CaseFile:
    visits = enterprise_visits(user, case_file.enterprise.pk, limit=limit, newest_first=newest_first)
    for visit in visits:
        visit.people_shown = personal.visit_people(visit, full=case_file.full_contact)  # type: ignore[attr-defined]
    return replace(case_file, visits=visits)


def case_file_for_export(user: User, enterprise_pk: int, *, today: datetime.date | None = None) -> CaseFile:
    """The export's read: tickets and the whole timeline oldest first. Raises
    Enterprise.DoesNotExist if not visible."""
    case_file = _for_reader(user, enterprise_pk, today, newest_first=False, timeline_limit=None)
    return _with_visits(case_file, user, limit=None, newest_first=False)


def company_side_case_files(enterprise_ids: Iterable[int], *, today: datetime.date) -> dict[int, CaseFile]:
    """The case files of many companies, as each company's own side reads its own: its users and
    its liaison officials see every ticket of the company (tickets.visibility), so one read
    serves them all. Tickets oldest first, no timeline. {enterprise id: case file}, by id; three
    queries, whatever the number of companies and tickets."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return {}
    by_company = defaultdict(list)
    for ticket in _ticket_rows(Ticket.objects.filter(enterprise_id__in=ids)):
        by_company[ticket.enterprise_id].append(ticket)
    return {
        enterprise.pk: _case_file(enterprise, by_company[enterprise.pk], today, newest_first=False, timeline_limit=0, full_contact=True)
        for enterprise in _enterprises(Enterprise.objects.filter(pk__in=ids)).order_by("pk")
    }


# --------------------------------------------------------------------------------------------
# who sees an export of it
# --------------------------------------------------------------------------------------------


def exports_of(user: User) -> QuerySet[CaseFileExport]:
    """The user's own case file exports, of companies they may still see (DESIGN.md §6): an
    export is nobody else's, and is lost with access to the company."""
    return CaseFileExport.objects.filter(requested_by=user, enterprise__in=visibility.visible_enterprises(user))


def visible_export(user: User, pk: int) -> CaseFileExport:
    """One of exports_of(user), with its company; raises CaseFileExport.DoesNotExist otherwise."""
    return exports_of(user).select_related("enterprise").get(pk=pk)


def recent_exports(user: User, *, excluding: CaseFileExport | None = None, limit: int = 10) -> list[CaseFileExport]:
    """The user's latest exports (newest first), for the status page."""
    exports = exports_of(user).select_related("enterprise").order_by("-created_at", "-id")
    if excluding is not None:
        exports = exports.exclude(pk=excluding.pk)
    return list(exports[:limit])
