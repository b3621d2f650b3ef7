"""A person's notifications: the list page, the unread count in every page's header, and the one
they open. All three read visible_notifications(), so that they always agree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
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


# The badge is kept in the cache (Redis, else the cache table) for this long: every page shows
# it, and counting (with the visibility rule compiled for each notification) cost 2–3 ms of each
# page view. It is forgotten at once when the person's notifications change (a new one, one
# read: forget_unread_badges); the time bound covers what changes the count without touching
# them (a liaison taken off a company). The key holds what the visibility rule reads of the
# person, so a changed role or department counts afresh. settings.UNREAD_BADGE_SECONDS (0: no
# cache, every page counts).


def _badge_key(user_id: int) -> str:
    return f"unread-badge:{user_id}"


def unread_badge(user: User) -> str:
    """The header's badge text: "" for none, the count, or "99+" past UNREAD_SHOWN."""
    seconds = settings.UNREAD_BADGE_SECONDS
    key, who = _badge_key(user.pk), (user.role, user.department_id, user.enterprise_id, user.is_active)
    cached = cache.get(key) if seconds else None
    if cached is not None and tuple(cached[0]) == who:
        return cached[1]
    count = unread_count(user)
    badge = f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else (str(count) if count else "")
    if seconds:
        cache.set(key, (who, badge), seconds)
    return badge


def forget_unread_badges(user_ids: Iterable[int]) -> None:
    """These people's notifications changed: their badges are counted afresh. At once, not after
    the commit (no callback per batch of rows on the sweep's and the mailings' transactions): a
    page that counts in the moment before the change commits keeps the count before it, for
    UNREAD_BADGE_SECONDS at most."""
    keys = [_badge_key(pk) for pk in set(user_ids)]
    if keys:
        cache.delete_many(keys)


def notification_to_open(user: User, pk: int) -> Notification:
    """The notification the person opens, or 404: someone else's, or about a ticket they may no
    longer see (it is not on their list either)."""
    return get_object_or_404(visible_notifications(user), pk=pk)
