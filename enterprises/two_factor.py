"""The second factor (django-otp): enrolling an authenticator app (a TOTP device), its recovery
codes (a static device of single-use codes), checking a code, and an administrator's reset.

Who must pass it is one rule, tickets.rules.must_verify; the pages are tickets/web/two_factor.py.
A wrong code changes nothing but django-otp's own throttle of the device it was tried on: after n
wrong codes in a row the next try waits 2**(n-1) seconds (OTP_TOTP_THROTTLE_FACTOR,
OTP_STATIC_THROTTLE_FACTOR), so a guesser gets about a dozen tries an hour."""

from __future__ import annotations

import math
from base64 import b32encode
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from enterprises.models import User

RECOVERY_CODES = 10
APP_NAME = "Authenticator app"  # the devices' names (data, not shown on the pages)
RECOVERY_NAME = "Recovery codes"


class CodeRefused(Exception):
    """A code that was not accepted (wrong, used, or tried too soon after a wrong one)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Status:
    """What a person's password page says of their second factor."""

    enrolled: bool
    since: Any = None  # when the app was enrolled
    recovery_codes_left: int = 0


def status(*, user: User) -> Status:
    app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if app is None:
        return Status(enrolled=False)
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return Status(enrolled=True, since=app.created_at, recovery_codes_left=left)


def pending_app(*, user: User) -> Any:
    """The app being enrolled: the person's unconfirmed TOTP device, made on the first call. Its
    secret stays the same while the set-up page is opened again, until a code from it confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    return device


def secret(device: Any) -> str:
    """The device's secret as an authenticator app takes it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def confirm_app(*, user: User, code: str) -> tuple[Any, list[str]]:
    """Confirms the app being enrolled with a code from it: it becomes the person's second factor
    (any older app is removed) and they get new recovery codes. Returns (the app, the codes).
    Raises CodeRefused, and then nothing changes (but the throttle)."""
    codes: list[str] = []
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            refusal: str | None = _("This set-up has expired: open the set-up page again and scan the new QR code.")
        else:
            refusal = _try(device, code)
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _new_recovery_codes(user)
    if refusal is not None:  # raised outside the transaction: the throttle's count is kept
        raise CodeRefused(refusal)
    return device, codes


def verify(*, user: User, code: str) -> Any:
    """The device that accepts `code`: the person's app for a six-digit code, else their recovery
    codes (a recovery code is used up). Raises CodeRefused."""
    code = "".join(code.split()).lower()
    app_code = len(code) == 6 and code.isdigit()
    model: Any = TOTPDevice if app_code else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        refusal = _try(device, code)
    if refusal is not None:
        raise CodeRefused(refusal)
    return device


def new_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes for a person with an enrolled app; the old ones stop working."""
    with transaction.atomic():
        return _new_recovery_codes(user)


def reset(*, user: User) -> int:
    """An administrator's reset: the person's app and recovery codes are deleted, and they enrol
    again at their next login (if they must: tickets.rules.must_verify). Returns how many devices."""
    with transaction.atomic():
        apps = TOTPDevice.objects.filter(user=user)
        code_sets = StaticDevice.objects.filter(user=user)
        count = apps.count() + code_sets.count()
        apps.delete()
        code_sets.delete()
    return count


def _try(device: Any, code: str) -> str | None:
    """None when `device` accepts `code`, else why not. A try too soon after a wrong code is not
    even checked (django-otp's throttle)."""
    if device is None:
        return _wrong_code()
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until")
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
        return ngettext(
            "Too many wrong codes: wait %(seconds)s second, then try again.",
            "Too many wrong codes: wait %(seconds)s seconds, then try again.",
            seconds,
        ) % {"seconds": seconds}
    if device.verify_token(code):
        return None
    return _wrong_code()


def _wrong_code() -> str:
    return _("That code is not right, or has already been used. Enter the code your app shows now, or a recovery code.")


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
