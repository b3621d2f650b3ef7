"""Follow-up calls (回访) and verification calls (回访核实), DESIGN.md §9.

- ticket_record_call: a caller (dispatch, supervision, a follow-up caller) records the company's
  answer given on the phone on a resolved ticket: the same `confirm` / `reopen` transitions the
  company takes, with channel "phone", the caller as the actor and what the company said as the
  note. The transitions' permission lets a caller take them only here (Ticket.phone_caller).
- verification_draw: the monthly sample of the tickets closed by the company online or without
  an answer, drawn reproducibly (a seed from the month) and stored once (unique month + ticket).
- verification_record: the caller's answer to one of those calls: "confirmed" (no state change)
  or "company disagrees" (the closed ticket is reopened, as a reopen is). One answer per call.
"""

from __future__ import annotations

import datetime
import math
import random
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import notifications, rules
from tickets.models import EventKind, Notification, Rating, Status, Ticket, TicketEvent, VerificationCall
from tickets.notifications.recipients import verification_callers
from tickets.services.base import ActionRefused, _check, _locked, _record, _require_text, _save
from tickets.services.lifecycle import after_reopen

if TYPE_CHECKING:
    from enterprises.models import User

PHONE = "phone"
CALL_DECISIONS = ("confirm", "reopen")
GOOD_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


def _require_said(said: str) -> str:
    return _require_text(said, _("Write down what the company said on the phone."))


def _require_caller(by: User) -> None:
    if not rules.may_call(by):
        raise ActionRefused(
            _("Only the dispatch office, the supervision office and follow-up callers record calls with companies."), code="forbidden"
        )


# --------------------------------------------------------------------------------------------
# a follow-up call on a resolved ticket
# --------------------------------------------------------------------------------------------


@transaction.atomic
def ticket_record_call(
    *, ticket: Ticket, by: User, said: str, decision: str, rating: str = "", at: datetime.datetime | None = None
) -> Ticket:
    """回访: the company answered on the phone; `decision` "confirm" (with `rating` 满意 or
    基本满意: the ticket closes) or "reopen" (不满意: back to the department under supervision)."""
    _require_caller(by)
    said = _require_said(said)
    if decision not in CALL_DECISIONS:
        raise ActionRefused(_("Choose whether the company confirms the result or sends it back."), code="invalid")
    if decision == "confirm" and rating not in GOOD_RATINGS:
        raise ActionRefused(
            _("Choose “satisfied” or “basically satisfied”; if the company is not satisfied, record that it sends the ticket back."),
            code="invalid",
        )
    at = at or timezone.now()
    locked = _locked(ticket)
    if locked.status != Status.RESOLVED:
        if locked.status == Status.CLOSED:
            message = _("This ticket is closed: a closed ticket is called only from the verification list.")
        else:
            message = _("A follow-up call is recorded on a resolved ticket; this one is “%(status)s”.") % {
                "status": locked.get_status_display()
            }
        raise ActionRefused(message, code="invalid_state")
    locked.phone_caller = by  # type: ignore[attr-defined]  # the transitions' permission: a caller answers for the company only here
    _check(locked, decision, by)
    from_state = locked.status
    data: dict[str, object] = {"channel": PHONE, "caller": str(by)}
    if decision == "confirm":
        locked.confirm(rating=rating, comment=said, at=at)
        data["rating"] = rating
        kind = EventKind.CONFIRM
    else:
        locked.reopen(comment=said, at=at)
        data.update(rating=Rating.DISSATISFIED, due_date=locked.due_date.isoformat())  # type: ignore[union-attr]  # reopen() sets it
        kind = EventKind.REOPEN
    _save(locked)
    _record(locked, actor=by, kind=kind, from_state=from_state, to_state=locked.status, note=said, data=data, at=at)
    if decision == "confirm":
        notifications.notify(Notification.Kind.CLOSED, locked, by=by, at=at)
    else:
        after_reopen(locked, by=by, comment=said, at=at)
    return locked


# --------------------------------------------------------------------------------------------
# the monthly verification sample
# --------------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def previous_month(today: datetime.date) -> datetime.date:
    """The first day of the month before `today`'s."""
    return month_start(month_start(today) - datetime.timedelta(days=1))


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def verification_candidates(month: datetime.date) -> QuerySet[Ticket]:
    """The tickets closed in `month` (local dates) and still closed, by the company online or
    without an answer (auto-close): not those a caller closed on the phone (a call already)."""
    month = month_start(month)
    by_phone = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=EventKind.CONFIRM, created_at=OuterRef("closed_at"), data__channel=PHONE
    )
    return Ticket.objects.filter(
        status=Status.CLOSED, closed_at__gte=_local_midnight(month), closed_at__lt=_local_midnight(next_month(month))
    ).exclude(Exists(by_phone))


def sample_size(candidates: int, percent: int) -> int:
    """`percent` % of the candidates, rounded up (a month with any candidate calls at least one)."""
    return min(candidates, math.ceil(candidates * percent / 100))


def verification_sample(month: datetime.date, percent: int | None = None) -> list[int]:
    """The ids of the sample for `month`: the same month, candidates and percentage give the same
    sample (the seed is the month), so drawing again draws the same tickets."""
    month = month_start(month)
    percent = settings.VERIFICATION_SAMPLE_PERCENT if percent is None else percent
    ids = sorted(verification_candidates(month).values_list("pk", flat=True))
    chosen = random.Random(f"verification-calls-{month:%Y-%m}").sample(ids, sample_size(len(ids), percent))
    return sorted(chosen)


@transaction.atomic
def verification_draw(*, month: datetime.date, percent: int | None = None, at: datetime.datetime | None = None) -> list[VerificationCall]:
    """Draw and store the verification calls of `month` (a month that has ended), and tell the
    callers. Safe to run twice or on two workers at once: a month is drawn once (the first call
    of the sample is a unique insert: whoever stores it draws the month; the other stores
    nothing and tells no one). Returns the calls stored by this run."""
    at = at or timezone.now()
    month = month_start(month)
    if month >= month_start(timezone.localdate(at)):
        raise ActionRefused(_("Only a month that has ended can be drawn for verification calls."), code="invalid")
    if VerificationCall.objects.filter(month=month).exists():
        return []
    ids = verification_sample(month, percent)
    if not ids:
        return []
    try:
        with transaction.atomic():
            VerificationCall.objects.create(month=month, ticket_id=ids[0], drawn_at=at)
    except IntegrityError:
        return []  # drawn at this moment by another run
    VerificationCall.objects.bulk_create(
        [VerificationCall(month=month, ticket_id=pk, drawn_at=at) for pk in ids[1:]], ignore_conflicts=True
    )
    _tell_callers(month, len(ids), at)
    # This run claimed the month (its first call): every call of the month is this run's.
    return list(VerificationCall.objects.filter(month=month).order_by("id"))


def _tell_callers(month: datetime.date, count: int, at: datetime.datetime) -> None:
    url = f"{reverse('verification_list')}?month={month:%Y-%m}"
    values = {"month": f"{month:%Y-%m}", "count": count}
    subject = notifications.in_site_language(gettext_lazy("Verification calls due: %(month)s")) % values
    text = (
        notifications.in_site_language(
            gettext_lazy(
                "%(count)s tickets closed in %(month)s were drawn for a verification call. Call each company and record its answer."
            )
        )
        % values
    )
    body = notifications.email_body(text, settings.SITE_URL + url)
    kind = Notification.Kind.VERIFICATION_DUE
    rows = [notifications.message_row(person, kind, subject, body, url, at) for person in verification_callers()]
    notifications.save_and_queue(rows)


# --------------------------------------------------------------------------------------------
# the caller's answer to a verification call
# --------------------------------------------------------------------------------------------


@transaction.atomic
def verification_record(
    *, call: VerificationCall, by: User, confirmed: bool, said: str, at: datetime.datetime | None = None
) -> VerificationCall:
    """回访核实: the company confirms the closing, or disagrees (the ticket is reopened: 不满意, a
    new due date, at least yellow supervision, the department told). Two callers at once: the
    ticket's row lock orders them, and the claim of the pending call lets one win; the other is
    told who recorded it."""
    _require_caller(by)
    said = _require_said(said)
    at = at or timezone.now()
    ticket = _locked(call.ticket)
    current = VerificationCall.objects.select_related("caller").get(pk=call.pk)
    if not current.is_pending:
        raise _already_recorded(current)
    name = "verification_confirm" if confirmed else "verification_reopen"
    _check(ticket, name, by)
    from_state = ticket.status
    data: dict[str, object] = {"channel": PHONE, "caller": str(by), "verification_call": current.pk, "month": f"{current.month:%Y-%m}"}
    if confirmed:
        ticket.verification_confirm(at=at)
        kind = EventKind.VERIFICATION_CONFIRMED
    else:
        ticket.verification_reopen(comment=said, at=at)
        data.update(rating=Rating.DISSATISFIED, due_date=ticket.due_date.isoformat())  # type: ignore[union-attr]  # set by the transition
        kind = EventKind.REOPEN
    state = VerificationCall.State.CONFIRMED if confirmed else VerificationCall.State.DISAGREED
    claimed = VerificationCall.objects.filter(pk=current.pk, state=VerificationCall.State.PENDING).update(
        state=state, caller=by, called_at=at, said=said
    )
    if not claimed:  # recorded by someone else since it was read (a database without row locks)
        raise _already_recorded(VerificationCall.objects.select_related("caller").get(pk=current.pk))
    _save(ticket)
    to_state = ticket.status if not confirmed else ""
    _record(ticket, actor=by, kind=kind, from_state=from_state if not confirmed else "", to_state=to_state, note=said, data=data, at=at)
    if not confirmed:
        after_reopen(ticket, by=by, comment=said, at=at)
    current.refresh_from_db()
    return current


def _already_recorded(call: VerificationCall) -> ActionRefused:
    return ActionRefused(
        _("This verification call was already recorded by %(caller)s at %(time)s.")
        % {"caller": call.caller, "time": timezone.localtime(call.called_at).strftime("%Y-%m-%d %H:%M") if call.called_at else ""},
        code="conflict",
    )
