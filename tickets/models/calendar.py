"""The stored working-day calendar (see tickets.workdays)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose official working-day calendar is known. Years not listed fall back to
    Monday–Friday with a warning (see tickets.workdays)."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        MANUAL = "manual", _("entered by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a weekday holiday, or a weekend make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Checked for a make-up working day on a weekend; unchecked for a holiday.")
    )
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {self.name}"

    def clean(self):
        if self.date and self.is_working_day is not None:
            weekend = self.date.weekday() >= 5
            if self.is_working_day and not weekend:
                raise ValidationError(_("Weekdays are working days already; only a weekend day can be a make-up working day."))
            if not self.is_working_day and weekend:
                raise ValidationError(_("Weekends are rest days already; only a weekday can be a holiday."))
