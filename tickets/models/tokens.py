"""API tokens of integrations (the 12345 platform, a department's own system, a script).

Stored hashed (django-rest-knox: SHA-512 of the key, the first 15 characters kept to find the row),
so that the database, a backup or the admin never shows a usable key: the key is shown once, when
it is issued (tickets.services.tokens). Every token has a name (an integration may hold two, one
per system or while it rolls one over) and an expiry; `last_used_at` tells an administrator which
ones are still in use.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses it, e.g. “12345 platform”."))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_api_token_name_per_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user}, {self.token_key[:8]}…)"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()
