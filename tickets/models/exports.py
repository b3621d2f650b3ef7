"""Case file exports (一企一档导出)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise


class Export(models.Model):
    """What every export built by a background task for one person keeps: who asked, its state
    and progress, its workbook, why it failed, and when (the claim, lease and failure helpers of
    tickets.casefile.export work on any of them)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    xlsx = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class CaseFileExport(Export):
    """A company's case file exported for one person (xlsx and a printable page), built by a
    background task. It holds only what that person may see."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="exports", verbose_name=_("company"))
    printable = models.FileField(upload_to="exports/%Y/%m/", blank=True)

    class Meta(Export.Meta):
        verbose_name = _("case file export")
        verbose_name_plural = _("case file exports")


class TicketListExport(Export):
    """The ticket list as one person filtered it, exported to xlsx, built by a background task
    (tickets.list_export) like a case file export. `filters` are the list's query parameters,
    cleaned; the build reads them again as that person, so it holds only what they may see then."""

    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta(Export.Meta):
        verbose_name = _("ticket list export")
        verbose_name_plural = _("ticket list exports")
