"""The reads of rating reviews (评价复核): supervision's list of pending ones and its count, and one
review of a ticket the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from tickets.models import RatingReview, Ticket

if TYPE_CHECKING:
    from enterprises.models import User


def pending_rating_reviews(user: User) -> QuerySet[RatingReview]:
    """Reviews waiting for supervision's decision, oldest first (index rating_review_pending), with
    what the list shows: the ticket, its company, the department, the rating event and the files."""
    return (
        RatingReview.objects.filter(state=RatingReview.State.PENDING, ticket__in=Ticket.objects.visible_to(user))
        .select_related("ticket", "ticket__enterprise", "department", "requested_by", "rating_event", "request_event")
        .prefetch_related("request_event__attachments")
        .order_by("created_at", "id")
    )


def pending_rating_review_count(user: User) -> int:
    """How many reviews wait for a decision (the menu's count): one indexed COUNT."""
    return RatingReview.objects.filter(state=RatingReview.State.PENDING, ticket__in=Ticket.objects.visible_to(user)).count()


def rating_review_of(ticket: Ticket) -> RatingReview | None:
    """The ticket's rating review (one at most), for its page and the API: only a reopened
    ticket (a 不满意) can have one, so the others cost no query."""
    if not ticket.was_reopened:
        return None
    return (
        RatingReview.objects.filter(ticket=ticket)
        .select_related("department", "requested_by", "decided_by", "request_event")
        .prefetch_related("request_event__attachments")
        .first()
    )


def visible_rating_review(user: User, pk: int) -> RatingReview:
    """A rating review of a ticket the user may see; raises RatingReview.DoesNotExist otherwise."""
    return RatingReview.objects.select_related("ticket", "department", "rating_event").get(
        pk=pk, ticket__in=Ticket.objects.visible_to(user)
    )
