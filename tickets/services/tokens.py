"""Issuing and revoking API tokens (tickets.models.ApiToken). The key exists in clear only in
what `api_token_issue` returns: the admin and the command show it once and it is never stored."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tickets.models import ApiToken

from .base import ActionRefused

if TYPE_CHECKING:
    from enterprises.models import User


def api_token_issue(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, living `days` (API_TOKEN_DAYS if not given): the row and the key."""
    name = (name or "").strip()
    days = settings.API_TOKEN_DAYS if days is None else days
    if not name:
        raise ActionRefused(_("Give the token a name that says what uses it."), code="invalid")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ActionRefused(
            _("A token lives between 1 and %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS},
            code="invalid",
        )
    if not user.is_active:
        raise ActionRefused(_("This account is disabled; a token for it would not work."), code="invalid")
    try:
        with transaction.atomic():
            token, key = ApiToken.objects.create(user=user, name=name, expiry=timedelta(days=days))
    except IntegrityError:
        raise ActionRefused(
            _("%(user)s already has a token named “%(name)s”.") % {"user": user.get_username(), "name": name},
            code="conflict",
        ) from None
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoked at once: the next request with it gets 401."""
    ApiToken.objects.filter(digest=token.digest).delete()
