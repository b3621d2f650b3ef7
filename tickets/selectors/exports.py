"""Who sees a ticket list export: the person who asked for it, nobody else (what it holds was read
as they may see, tickets.list_export)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from tickets.models import TicketListExport

if TYPE_CHECKING:
    from enterprises.models import User


def list_exports_of(user: User) -> QuerySet[TicketListExport]:
    """The user's own ticket list exports."""
    return TicketListExport.objects.filter(requested_by=user)


def visible_list_export(user: User, pk: int) -> TicketListExport:
    """One of list_exports_of(user); raises TicketListExport.DoesNotExist otherwise."""
    return list_exports_of(user).get(pk=pk)


def recent_list_exports(user: User, *, excluding: TicketListExport, limit: int = 10) -> list[TicketListExport]:
    """The user's latest ticket list exports but `excluding`, newest first (the status page)."""
    return list(list_exports_of(user).exclude(pk=excluding.pk).order_by("-created_at", "-id")[:limit])
