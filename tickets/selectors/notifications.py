"""A person's notifications: the list page, the unread count in every page's header, and the one
they open. All three read visible_notifications(), so that they always agree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from tickets import visibility
from tickets.models import Delivery, Notification, NotificationQuerySet

if TYPE_CHECKING:
    from enterprises.models import User


def visible_notifications(user: User) -> NotificationQuerySet:
    """The person's notifications, a notification about a ticket only while the visibility rule
    lets them see that ticket (a liaison taken off the company, staff of a department whose
    ticket was returned before they could see it …); those about no ticket always."""
    notes = Notification.objects.filter(recipient=user)
    if visibility.sees_everything(user) and user.is_active:
        return notes  # every ticket is theirs to see: no check per row
    return notes.filter(Q(ticket__isnull=True) | Exists(visibility.visible_tickets(user).filter(pk=OuterRef("ticket_id"))))


def notification_list(user: User, *, unread_only: bool = False, kind: str | None = None) -> NotificationQuerySet:
    """The notifications page: newest first, each with its deliveries (one query for the page);
    only the unread ones, or those of one kind (a Notification.Kind value), when asked."""
    notes = visible_notifications(user)
    if unread_only:
        notes = notes.unread()
    if kind:
        notes = notes.filter(kind=kind)
    return notes.prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.order_by("channel"))).order_by("-created_at", "-id")


# The header counts at most this many unread notifications and shows more as "99+": a
# department's reminders can pile up by the thousand, and counting them all (each checked against
# the visibility rule) cost every page view more than the rest of its queries.
UNREAD_SHOWN = 99


def unread_count(user: User) -> int:
    """The count in the header: the unread ones of the list, counted up to UNREAD_SHOWN + 1 (one
    COUNT over a LIMITed subquery)."""
    return visible_notifications(user).unread()[: UNREAD_SHOWN + 1].count()


def unread_badge(user: User) -> str:
    """The header's badge text: "" for none, the count, or "99+" past UNREAD_SHOWN."""
    count = unread_count(user)
    if count > UNREAD_SHOWN:
        return f"{UNREAD_SHOWN}+"
    return str(count) if count else ""


def notification_to_open(user: User, pk: int) -> Notification:
    """The notification the person opens, or 404: someone else's, or about a ticket they may no
    longer see (it is not on their list either)."""
    return get_object_or_404(visible_notifications(user), pk=pk)
