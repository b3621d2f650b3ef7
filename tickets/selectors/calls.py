"""Reads of the verification calls (回访核实): the callers' list of a month, the months drawn, the
count in the menu, one call to answer. Each starts from the visibility rule."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, QuerySet, Value, When

from tickets import visibility
from tickets.models import VerificationCall

if TYPE_CHECKING:
    from enterprises.models import User


def _visible_calls(user: User) -> QuerySet[VerificationCall]:
    return VerificationCall.objects.filter(ticket__in=visibility.visible_tickets(user))


def verification_months(user: User) -> list[datetime.date]:
    """The months drawn, newest first."""
    return list(_visible_calls(user).order_by("-month").values_list("month", flat=True).distinct())


def verification_list(user: User, month: datetime.date) -> QuerySet[VerificationCall]:
    """A month's calls, those still to make first, then in the order drawn (one query)."""
    pending_first = Case(When(state=VerificationCall.State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        _visible_calls(user)
        .filter(month=month)
        .select_related("ticket__enterprise", "ticket__last_department", "caller")
        .order_by(pending_first, "id")
    )


def pending_verification_count(user: User) -> int:
    """The count in the menu: calls of every month still to make (one indexed COUNT)."""
    return _visible_calls(user).filter(state=VerificationCall.State.PENDING).count()


def visible_verification_call(user: User, pk: int) -> VerificationCall:
    """One call whose ticket `user` may see (VerificationCall.DoesNotExist otherwise)."""
    return _visible_calls(user).select_related("ticket").get(pk=pk)
