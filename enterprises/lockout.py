"""The login lockout (django-axes): per address and per account.

Two counts of failed log-ins within AXES_COOLOFF_TIME lock an account, each with its limit:
- one username from one address (AXES_FAILURE_LIMIT, 5): a guesser at one machine is stopped, and
  the person at another address still logs in (the address is read behind TRUSTED_PROXY_COUNT
  proxies: config/client_address.py);
- one username from any addresses (ACCOUNT_FAILURE_LIMIT, 20): a guesser spreading the tries
  over many addresses is capped too, and then the account is locked wherever one logs in from.

Axes counts every lockout parameter of AXES_LOCKOUT_PARAMETERS against its one failure limit; this
handler gives it the address's count, or the limit itself once the account's count has reached
ACCOUNT_FAILURE_LIMIT. A successful log-in clears both counts (AXES_RESET_ON_SUCCESS).
"""

import math
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials, get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

# The order of settings.AXES_LOCKOUT_PARAMETERS: [["username", "ip_address"], "username"].
BY_ADDRESS, BY_ACCOUNT = 0, 1


class AddressAndAccountHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        by_address, by_account = _counts(self, request, credentials)
        if by_account >= settings.ACCOUNT_FAILURE_LIMIT:
            return max(by_address, get_failure_limit(request, credentials))
        return by_address


def _attempts(handler, request, credentials):
    return handler.get_user_attempts(request, credentials)


def _counts(handler, request, credentials) -> tuple[int, int]:
    attempts = _attempts(handler, request, credentials)
    return tuple(queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0 for queryset in attempts)  # type: ignore[return-value]


def _handler() -> AddressAndAccountHandler:
    return AxesProxyHandler.get_implementation()  # type: ignore[return-value]


def tries_left(request, username: str) -> int:
    """How many more wrong passwords for `username` from this request's address lock it."""
    AxesProxyHandler.update_request(request)
    credentials = get_credentials(username)
    by_address, by_account = _counts(_handler(), request, credentials)
    return max(0, min(get_failure_limit(request, credentials) - by_address, settings.ACCOUNT_FAILURE_LIMIT - by_account))


def lockout_minutes() -> int:
    """How long a lockout lasts, in whole minutes."""
    cool_off = get_cool_off() or timedelta(0)
    return math.ceil(cool_off.total_seconds() / 60)


def minutes_left(request, credentials) -> int:
    """How long until the lock on this request's username and address lifts, in whole minutes (at least 1).

    Each stored attempt (a username, address and browser) counts all its failures until its last
    one is older than the cool-off time. A lock lifts when the oldest attempts have aged out far
    enough to bring every count under its limit.
    """
    AxesProxyHandler.update_request(request)
    cool_off = get_cool_off(request) or timedelta(0)
    limits = (get_failure_limit(request, credentials), settings.ACCOUNT_FAILURE_LIMIT)
    lifts = timezone.now()
    for queryset, limit in zip(_attempts(_handler(), request, credentials), limits, strict=True):
        rows = list(queryset.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
        total = sum(failures for _, failures in rows)
        for attempt_time, failures in rows:
            if total < limit:
                break
            total -= failures
            lifts = max(lifts, attempt_time + cool_off)
    return max(1, math.ceil((lifts - timezone.now()).total_seconds() / 60))
