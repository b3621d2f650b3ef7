"""The company list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from enterprises.models import Enterprise
from tickets.models import (
    OPEN_STATUSES,
    Ticket,
)

if TYPE_CHECKING:
    from enterprises.models import User


def enterprise_list(user: User, query: str | None = None) -> QuerySet[Enterprise]:
    visible = Ticket.objects.visible_to(user)
    enterprises = Enterprise.objects.visible_to(user).select_related("industry", "district")
    if query:
        enterprises = enterprises.filter(Q(name__icontains=query) | Q(credit_code__icontains=query))
    # Correlated subqueries over the visible tickets: evaluated for the page's rows only, and
    # left out of the paginator's COUNT (a JOIN + GROUP BY would aggregate every ticket twice).
    of_company = visible.filter(enterprise=OuterRef("pk")).order_by()
    ticket_count = of_company.values("enterprise").annotate(n=Count("pk")).values("n")
    return enterprises.annotate(
        ticket_count=Coalesce(Subquery(ticket_count, output_field=IntegerField()), Value(0)),
        has_open=Exists(of_company.filter(status__in=OPEN_STATUSES)),
    ).order_by("name")


def visible_enterprise(user: User, pk: int) -> Enterprise:
    """One company whose case file `user` may open (its QR code page); raises Enterprise.DoesNotExist otherwise."""
    return Enterprise.objects.visible_to(user).get(pk=pk)
