"""Rating reviews (评价复核, DESIGN.md §9): asked for by the lead department, decided by supervision."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import notifications, rules
from tickets.models import EventKind, Notification, Rating, RatingReview, Ticket, TicketEvent
from tickets.services.base import ActionRefused, _locked, _record, _require_text
from tickets.services.uploads import _store_attachments, validate_uploads

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import User


def _latest_rating_event(ticket: Ticket) -> TicketEvent | None:
    return TicketEvent.objects.filter(ticket=ticket, kind__in=(EventKind.CONFIRM, EventKind.REOPEN)).order_by("-created_at", "-id").first()


def _check_request(ticket: Ticket, by: User, today: datetime.date) -> TicketEvent:
    """Refuse a review request the rules do not allow, saying why; returns the rating event it is about."""
    if not rules.is_rated_department(by, ticket):
        raise ActionRefused(_("Only the lead department of this ticket can ask for a review of its rating."), code="forbidden")
    rating_event = _latest_rating_event(ticket)
    if ticket.latest_rating != Rating.DISSATISFIED or rating_event is None or rating_event.kind != EventKind.REOPEN:
        raise ActionRefused(_("Only a “dissatisfied” rating can be reviewed."), code="invalid_state")
    if RatingReview.objects.filter(ticket=ticket).exists():
        raise ActionRefused(_("This ticket's rating has already been put up for review; a ticket has one review at most."), code="conflict")
    deadline = rules.rating_review_deadline(rating_event)
    if today > deadline:
        raise ActionRefused(
            _("A review could be asked for until %(date)s (%(days)s working days after the rating); that time has passed.")
            % {"date": deadline.isoformat(), "days": settings.RATING_APPEAL_WORKING_DAYS},
            code="too_late",
        )
    return rating_event


def rating_review_refusal(*, ticket: Ticket, by: User) -> ActionRefused | None:
    """Why `by` may not ask for a review of this ticket's rating now (the refusal the request
    would meet), or None: what a page or the API says when the action is not offered."""
    try:
        _check_request(ticket, by, timezone.localdate())
    except ActionRefused as refused:
        return refused
    return None


@transaction.atomic
def rating_review_request(
    *, ticket: Ticket, by: User, reason: str, files: Sequence[UploadedFile] = (), at: datetime.datetime | None = None
) -> RatingReview:
    """The lead department asks supervision to review the company's 不满意, with its reason and
    evidence, within RATING_APPEAL_WORKING_DAYS working days of it; one review per ticket."""
    reason = _require_text(reason, _("Say why the rating is not your department's fault."))
    validate_uploads(files)
    at = at or timezone.now()
    ticket = _locked(ticket)
    rating_event = _check_request(ticket, by, timezone.localdate(at))
    assert by.department is not None  # is_rated_department
    event = _record(
        ticket,
        actor=by,
        kind=EventKind.RATING_REVIEW_REQUESTED,
        note=reason,
        data={"rating_event_id": rating_event.pk, "department": by.department.name},
        at=at,
    )
    try:
        with transaction.atomic():  # the unique insert is the claim: two requests at once, one is kept
            review = RatingReview.objects.create(
                ticket=ticket,
                rating_event=rating_event,
                request_event=event,
                department=by.department,
                requested_by=by,
                reason=reason,
                created_at=at,
            )
    except IntegrityError:
        raise ActionRefused(
            _("This ticket's rating has already been put up for review; a ticket has one review at most."), code="conflict"
        ) from None
    _store_attachments(ticket, files, by=by, event=event)
    notifications.notify(Notification.Kind.RATING_REVIEW_REQUESTED, ticket, by=by, at=at, note=reason, department=by.department.name)
    return review


@transaction.atomic
def rating_review_decide(
    *, review: RatingReview, by: User, uphold: bool, note: str = "", at: datetime.datetime | None = None
) -> RatingReview:
    """Supervision upholds the review (the rating stays on record but leaves the satisfaction
    rate: "reviewed, not the department's fault") or refuses it (the rating stands, reason required)."""
    at = at or timezone.now()
    if not rules.may_decide_rating_reviews(by):
        raise ActionRefused(_("Only the supervision office decides rating reviews."), code="forbidden")
    note = (note or "").strip()
    if not uphold:
        note = _require_text(note, _("Say why the review is refused."))
    ticket = _locked(review.ticket)
    new_state = RatingReview.State.UPHELD if uphold else RatingReview.State.REFUSED
    # The claim: exactly one decision wins, whoever else is deciding at the same moment.
    claimed = RatingReview.objects.filter(pk=review.pk, state=RatingReview.State.PENDING).update(
        state=new_state, decided_by=by, decided_at=at, decision_note=note
    )
    if not claimed:
        raise ActionRefused(_("This rating review has already been decided."), code="conflict")
    review = RatingReview.objects.select_related("department", "rating_event").get(pk=review.pk)
    # The rating leaves the satisfaction rate only while it is still the ticket's latest one.
    latest = _latest_rating_event(ticket)
    if uphold and latest is not None and latest.pk == review.rating_event_id:
        Ticket.objects.filter(pk=ticket.pk).update(rating_review_upheld=True, updated_at=at)
        ticket.rating_review_upheld = True
    _record(
        ticket,
        actor=by,
        kind=EventKind.RATING_REVIEW_UPHELD if uphold else EventKind.RATING_REVIEW_REFUSED,
        note=note,
        data={"review_id": review.pk, "rating_event_id": review.rating_event_id, "department": review.department.name},
        at=at,
    )
    decision = gettext_lazy("upheld: not the department's fault") if uphold else gettext_lazy("refused: the rating stands")
    notifications.notify(
        Notification.Kind.RATING_REVIEW_DECIDED, ticket, by=by, at=at, note=note,
        decision=notifications.in_site_language(decision), co_department=review.department,
    )  # fmt: skip
    return review
