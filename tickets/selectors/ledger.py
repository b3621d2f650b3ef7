"""包联台账: a liaison official's ledger (their companies, each one's last visit, visits this
quarter against the city's quota, the problems raised on visits and their tickets' state) and the
overview of every liaison and the companies behind quota (DESIGN.md §12).

Each read starts from tickets.visibility (visible_liaisons, visible_enterprises, visible_tickets)
and takes a fixed number of queries, whatever the number of companies, visits or tickets.
A company's visits count whoever of its liaisons made them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from enterprises.models import Enterprise, User
from tickets import visibility
from tickets.models import OPEN_STATUSES, Ticket, VisitQuota, quarter_of

# Open problems listed per company on the ledger (the ticket list has the rest).
OPEN_PROBLEMS_PER_COMPANY = 10
# Companies behind quota listed on the overview (the filters of the visit list have the rest).
OVERVIEW_BEHIND_LIMIT = 200


@dataclass(frozen=True)
class Quarter:
    start: datetime.date
    end: datetime.date
    quota: int

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        start, end = quarter_of(day)
        return cls(start, end, VisitQuota.in_force(day))

    @property
    def label(self) -> str:
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"


@dataclass
class LedgerRow:
    enterprise: Enterprise
    last_visit: datetime.date | None
    visits_this_quarter: int
    quota: int
    problems_raised: int
    problems_open: int
    open_problems: list[Ticket] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return self.visits_this_quarter < self.quota


@dataclass
class Ledger:
    liaison: User
    quarter: Quarter
    today: datetime.date
    rows: list[LedgerRow]

    @property
    def behind(self) -> int:
        return sum(1 for row in self.rows if row.behind)


def _count(queryset: QuerySet, column: str) -> Coalesce:
    counted = queryset.order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_visit_figures(enterprises: QuerySet[Enterprise], user: User, quarter: Quarter) -> QuerySet[Any]:
    """`enterprises` with last_visit, visits_this_quarter, problems_raised and problems_open (as
    `user` sees the visits and tickets), one subquery each."""
    visits = visibility.visible_visits(user).filter(enterprise=OuterRef("pk"))
    raised = visibility.visible_tickets(user).filter(enterprise=OuterRef("pk"), visit__isnull=False)
    return enterprises.annotate(
        last_visit=Subquery(visits.order_by("-visited_on").values("visited_on")[:1]),
        visits_this_quarter=_count(visits.filter(visited_on__range=(quarter.start, quarter.end)), "enterprise"),
        problems_raised=_count(raised, "enterprise"),
        problems_open=_count(raised.filter(status__in=OPEN_STATUSES), "enterprise"),
    )


def liaison_ledger(user: User, liaison_id: int | None = None, *, today: datetime.date | None = None) -> Ledger:
    """The ledger of liaison `liaison_id` (default `user` themselves) as `user` may read it; raises
    User.DoesNotExist for a liaison whose ledger `user` may not read. Three queries and the quota's."""
    liaison = visibility.visible_liaisons(user).get(pk=liaison_id or user.pk)
    today = today or timezone.localdate()
    quarter = Quarter.of(today)
    companies = list(
        with_visit_figures(visibility.visible_enterprises(user).filter(liaisons=liaison), user, quarter)
        .select_related("district")
        .order_by("name")
    )
    open_tickets: dict[int, list[Ticket]] = defaultdict(list)
    raised = (
        visibility.visible_tickets(user)
        .filter(enterprise__in=[c.pk for c in companies], visit__isnull=False, status__in=OPEN_STATUSES)
        .only("reference", "title", "status", "supervision_level", "enterprise_id", "due_date", "submitted_at")
        .order_by("-submitted_at")
    )
    for ticket in raised:
        if len(open_tickets[ticket.enterprise_id]) < OPEN_PROBLEMS_PER_COMPANY:
            open_tickets[ticket.enterprise_id].append(ticket)
    rows = [
        LedgerRow(
            enterprise=company,
            last_visit=company.last_visit,
            visits_this_quarter=company.visits_this_quarter,
            quota=quarter.quota,
            problems_raised=company.problems_raised,
            problems_open=company.problems_open,
            open_problems=open_tickets[company.pk],
        )
        for company in companies
    ]
    return Ledger(liaison=liaison, quarter=quarter, today=today, rows=rows)


@dataclass
class LiaisonLine:
    liaison: User
    companies: int
    behind: int
    visits_this_quarter: int


@dataclass
class Overview:
    quarter: Quarter
    today: datetime.date
    liaisons: list[LiaisonLine]
    behind_companies: list[Enterprise]
    behind_total: int


def liaison_overview(user: User, *, today: datetime.date | None = None) -> Overview:
    """Every liaison official `user` may read the ledger of, with their companies, how many are
    behind quota this quarter and their visits; and the companies behind quota (with their
    liaisons), fewest visits first, bounded to OVERVIEW_BEHIND_LIMIT. Four queries and the quota's."""
    today = today or timezone.localdate()
    quarter = Quarter.of(today)
    companies = with_visit_figures(visibility.visible_enterprises(user).filter(liaisons__isnull=False).distinct(), user, quarter)
    behind = companies.filter(visits_this_quarter__lt=quarter.quota)
    through = Enterprise.liaisons.through
    visits = visibility.visible_visits(user).filter(enterprise=OuterRef("enterprise_id"), visited_on__range=(quarter.start, quarter.end))
    per_liaison = {
        line["user_id"]: line
        for line in through.objects.filter(user__in=visibility.visible_liaisons(user), enterprise__in=visibility.visible_enterprises(user))
        .annotate(visited=_count(visits, "enterprise"))
        .values("user_id")
        .annotate(companies=Count("pk"), behind=Count("pk", filter=Q(visited__lt=quarter.quota)))
        .order_by()
    }
    own_visits = dict(
        visibility.visible_visits(user)
        .filter(visited_on__range=(quarter.start, quarter.end))
        .values("liaison_id")
        .annotate(n=Count("pk"))
        .values_list("liaison_id", "n")
        .order_by()
    )
    liaisons = [
        LiaisonLine(
            liaison=person,
            companies=per_liaison.get(person.pk, {}).get("companies", 0),
            behind=per_liaison.get(person.pk, {}).get("behind", 0),
            visits_this_quarter=own_visits.get(person.pk, 0),
        )
        for person in visibility.visible_liaisons(user).filter(is_active=True).order_by("display_name", "username")
    ]
    liaisons.sort(key=lambda line: (-line.behind, str(line.liaison)))
    return Overview(
        quarter=quarter,
        today=today,
        liaisons=liaisons,
        behind_companies=list(
            behind.select_related("district").prefetch_related("liaisons").order_by("visits_this_quarter", "name")[:OVERVIEW_BEHIND_LIMIT]
        ),
        behind_total=behind.count(),
    )
