"""一企一档: a company's case file, as the page, the API, the export and the monthly mailing read it."""

from django.db.models import Count
from django.utils import timezone
from enterprises.models import Enterprise
from tickets.models import (
    OPEN_STATUSES,
    Ticket,
    TicketEvent,
)
from tickets.selectors.tickets import _LIST_RELATED

CASE_FILE_TIMELINE_LIMIT = 300


def enterprise_case_file(user, enterprise_pk):
    """一企一档: the company, its liaisons, every ticket the user may see, their merged timeline
    (newest first, bounded) and counts. Raises Enterprise.DoesNotExist if not visible."""
    enterprise = (
        Enterprise.objects.visible_to(user)
        .select_related("industry", "district")
        .prefetch_related("liaisons")
        .get(pk=enterprise_pk)
    )
    tickets = Ticket.objects.visible_to(user).filter(enterprise=enterprise)
    counts = {row["status"]: row["n"] for row in tickets.values("status").annotate(n=Count("id")).order_by()}
    timeline = (
        TicketEvent.objects.filter(ticket__in=tickets)
        .select_related("ticket", "actor")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")[:CASE_FILE_TIMELINE_LIMIT]
    )
    rated = tickets.exclude(rating="").exclude(rating="no_answer")
    return {
        "enterprise": enterprise,
        "tickets": tickets.select_related(*_LIST_RELATED).order_by("-submitted_at"),
        "timeline": timeline,
        "counts": counts,
        "total": sum(counts.values()),
        "open": sum(n for s, n in counts.items() if s in OPEN_STATUSES),
        "overdue": tickets.overdue(timezone.localdate()).count(),
        "satisfied": rated.filter(rating__in=("satisfied", "basically_satisfied")).count(),
        "rated": rated.count(),
        "timeline_limit": CASE_FILE_TIMELINE_LIMIT,
    }
