"""The access log (DESIGN §11, 等保 audit): who opened which ticket, case file, attachment, export
or report, when and from which address. Append-only like the ticket events: the database refuses
an UPDATE, and a DELETE of a row younger than ACCESS_LOG_MIN_RETENTION_DAYS (migration 0022), so
that only the pruning task (tickets.jobs.access.prune_access_log) removes rows, and only old ones.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The 等保 rule: audit records are kept at least six months. The database trigger holds this floor
# whatever ACCESS_LOG_RETENTION_DAYS says (settings refuses a lower one).
ACCESS_LOG_MIN_RETENTION_DAYS = 180


class AccessKind(models.TextChoices):
    TICKET = "ticket", _("ticket opened")
    CASE_FILE = "case_file", _("case file opened")
    ATTACHMENT = "attachment", _("attachment downloaded")
    EXPORT = "export", _("case file export downloaded")
    REPORT = "report", _("report downloaded")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The access log is append-only")


class AccessLog(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"), db_index=False
    )  # accesslog_user_at serves "by user"
    kind = models.CharField(_("what"), max_length=20, choices=AccessKind.choices)
    via_api = models.BooleanField(_("through the API"), default=False)
    # No database foreign keys: a row must outlive nothing and block nothing, and an insert must
    # not wait on a lock of the ticket's row.
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
        verbose_name=_("ticket"),
    )  # fmt: skip
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
        verbose_name=_("company"),
    )  # fmt: skip
    detail = models.CharField(_("what exactly"), max_length=200, blank=True)  # a file's name, a report's period
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("page and file access log")
        ordering = ["-at", "-id"]
        indexes = [
            # the admin's search by date, and the pruning's "at < cutoff"
            models.Index(fields=["at"], name="accesslog_at"),
            # the admin's "by user" / "by ticket" / "by company", newest first
            models.Index(fields=["user", "at"], name="accesslog_user_at"),
            models.Index(fields=["ticket", "at"], name="accesslog_ticket_at", condition=models.Q(ticket__isnull=False)),
            models.Index(fields=["enterprise", "at"], name="accesslog_enterprise_at", condition=models.Q(enterprise__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.kind}"
