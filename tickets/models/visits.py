"""Work in the field (包联, DESIGN.md §12): a liaison official's visits to the companies they look
after, the files taken there, the city's visit quota per quarter, and the claim of the reminder
sent before a quarter ends.

A problem found on a visit becomes a ticket on the company's behalf in the same step
(tickets.services.visits): the ticket names its visit (`Ticket.visit`).
"""

import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise

from .events import attachment_path

# The quota when the city has set none: one visit per company and quarter.
DEFAULT_VISIT_QUOTA = 1


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the calendar quarter holding `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first_month, 1)
    end = datetime.date(day.year + 1, 1, 1) if first_month == 10 else datetime.date(day.year, first_month + 3, 1)
    return start, end - datetime.timedelta(days=1)


class Visit(models.Model):
    """走访记录: one visit of a liaison official to a company."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="visits", verbose_name=_("company"))
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("liaison official")
    )
    visited_on = models.DateField(_("visit date"))
    # Personal data (DESIGN.md §11): shown in full only to those who see the company's contact.
    people_met = models.CharField(_("people met"), max_length=300, blank=True)
    discussion = models.TextField(_("what was discussed"), max_length=5000, validators=[MaxLengthValidator(5000)])
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            # A company's visits (case file, ledger: last visit, visits this quarter).
            models.Index(fields=["enterprise", "-visited_on"], name="visit_enterprise_date"),
            # The list of all visits, newest first.
            models.Index(fields=["-visited_on", "-id"], name="visit_date"),
        ]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} {self.enterprise}"


class VisitAttachment(models.Model):
    """A photo or file taken on a visit, checked like a ticket's attachment (tickets.services.uploads)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("visit file")
        verbose_name_plural = _("visit files")

    def __str__(self):
        return self.original_name


class VisitQuota(models.Model):
    """The city's visit quota (走访频次): visits per company per quarter, in force from a date
    until the next one's. Edited in the admin; an older row stays as the record of its time."""

    valid_from = models.DateField(_("valid from"), unique=True)
    visits_per_quarter = models.PositiveSmallIntegerField(
        _("visits per company per quarter"), default=DEFAULT_VISIT_QUOTA, validators=[MinValueValidator(1)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("visit quota")
        verbose_name_plural = _("visit quotas")

    def __str__(self):
        return f"{self.visits_per_quarter} / {self.valid_from:%Y-%m-%d}"

    @classmethod
    def in_force(cls, day: datetime.date) -> int:
        """Visits per company in the quarter of `day`: the quota in force on `day` (a quota set
        during a quarter counts for all of it), DEFAULT_VISIT_QUOTA when the city set none."""
        quota = cls.objects.filter(valid_from__lte=day).order_by("-valid_from").values_list("visits_per_quarter", flat=True).first()
        return quota or DEFAULT_VISIT_QUOTA


class VisitReminder(models.Model):
    """The claim of the reminder to one liaison about one quarter's companies not yet visited:
    inserted once (INSERT … ON CONFLICT DO NOTHING), and only the run whose insert succeeded tells
    the liaison (tickets.jobs.visits)."""

    liaison = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quarter = models.DateField(help_text=_("The first day of the quarter the reminder is about."))
    companies = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit reminder")
        verbose_name_plural = _("visit reminders")
        constraints = [models.UniqueConstraint(fields=["liaison", "quarter"], name="one_visit_reminder_per_quarter")]
