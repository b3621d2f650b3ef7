"""Reads of the liaison visits (走访记录, DESIGN.md §12), each from tickets.visibility.visible_visits,
in a bounded number of queries: the list (with its filters), one visit's page, a visit's file,
and a company's visits for its case file."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, QuerySet

from enterprises.models import User
from tickets import visibility
from tickets.models import Ticket, Visit, VisitAttachment

_RELATED = ("enterprise", "liaison")


def visit_list(
    user: User,
    *,
    enterprise_id: int | None = None,
    liaison_id: int | None = None,
    district_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    with_problems: bool = False,
) -> QuerySet[Visit]:
    """The visits `user` may see, newest first, each with `problem_count` (its tickets)."""
    visits = visibility.visible_visits(user)
    if enterprise_id:
        visits = visits.filter(enterprise_id=enterprise_id)
    if liaison_id:
        visits = visits.filter(liaison_id=liaison_id)
    if district_id:
        visits = visits.filter(enterprise__district_id=district_id)
    if date_from:
        visits = visits.filter(visited_on__gte=date_from)
    if date_to:
        visits = visits.filter(visited_on__lte=date_to)
    visits = visits.annotate(problem_count=Count("tickets", distinct=True))
    if with_problems:
        visits = visits.filter(problem_count__gt=0)
    return visits.select_related(*_RELATED, "enterprise__district").order_by("-visited_on", "-id")


def visit_detail(user: User, pk: int) -> Visit:
    """One visit `user` may see, with its files and the tickets raised on it that `user` sees;
    raises Visit.DoesNotExist otherwise."""
    tickets = visibility.visible_tickets(user, Ticket.objects.select_related("category", "department").order_by("submitted_at", "id"))
    return (
        visibility.visible_visits(user)
        .select_related(*_RELATED)
        .prefetch_related("attachments", Prefetch("tickets", queryset=tickets, to_attr="visible_tickets"))
        .get(pk=pk)
    )


def visible_visit_attachment(user: User, pk: int) -> VisitAttachment:
    """A file of a visit `user` may see (a visit's files follow the visit); raises
    VisitAttachment.DoesNotExist otherwise."""
    return VisitAttachment.objects.select_related("visit").get(pk=pk, visit__in=visibility.visible_visits(user))


def enterprise_visits(user: User, enterprise_id: int, *, limit: int | None, newest_first: bool = True) -> list[Visit]:
    """The company's visits that `user` may see (its case file: the newest `limit`; its export:
    all, oldest first), with their liaison and their number of problems and files: one query."""
    visits = (
        visibility.visible_visits(user)
        .filter(enterprise_id=enterprise_id)
        .select_related("liaison")
        .annotate(problem_count=Count("tickets", distinct=True), file_count=Count("attachments", distinct=True))
        .order_by(*(("-visited_on", "-id") if newest_first else ("visited_on", "id")))
    )
    return list(visits if limit is None else visits[:limit])


def visit_filter_choices(user: User) -> dict[str, QuerySet]:
    """What the list's filters offer: the companies and the liaison officials `user` may see."""
    return {
        "enterprises": visibility.visible_enterprises(user).order_by("name"),
        "liaisons": visibility.visible_liaisons(user).order_by("display_name", "username"),
    }


def sees_visit(user: User, visit_id: int | None) -> bool:
    """Whether `user` may open this visit's page (a ticket's page links its visit only then)."""
    return visit_id is not None and visibility.visible_visits(user).filter(pk=visit_id).exists()
