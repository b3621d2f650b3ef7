"""The leadership report's form, read by the dashboard page, its workbook and printable page, and
the API (/api/reports/): a period (this month / quarter / year, or custom dates) with optional
filters, replayed from the stored facts now; or a frozen month (DESIGN.md §10), read from its
frozen rows only, for the whole city."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department, District, Industry
from tickets.models import Category
from tickets.reports import periods
from tickets.selectors.assessment import frozen_months

FILTERS = ("department", "category", "district", "industry")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=list(periods.PERIODS.items()), required=False, initial=periods.DEFAULT_PERIOD)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False, empty_label=_("All departments")
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("All categories"))
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.all(), required=False, empty_label=_("All districts"))
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.all(), required=False, empty_label=_("All industries"))
    month = forms.CharField(
        label=_("Frozen month (YYYY-MM)"),
        required=False,
        max_length=7,
        help_text=_("A frozen month's figures, as frozen: the whole city, no filter."),
        widget=forms.Select(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The frozen months, newest first: the picker's choices (one query).
        self.frozen = list(frozen_months().values_list("month", flat=True))
        self.fields["month"].widget.choices = [("", gettext("Live figures (choose a period)"))] + [
            (f"{m:%Y-%m}", f"{m:%Y-%m}") for m in self.frozen
        ]

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        month = None
        if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
            month = datetime.date(int(match[1]), int(match[2]), 1)
        if month is None or month not in self.frozen:
            raise forms.ValidationError(
                gettext("%(month)s is not a frozen month: choose one of the frozen months, or a period.") % {"month": value[:7]}
            )
        return month

    def clean(self):
        """A frozen month (the whole city, no filter, the period ignored); or the period's first
        and last day by the rules of tickets.reports.periods, whose refusals are the form's errors."""
        cleaned = super().clean()
        if cleaned.get("month"):
            if any(cleaned.get(key) is not None for key in FILTERS):
                raise forms.ValidationError(
                    gettext("A frozen month is shown for the whole city: to filter it, choose a custom period instead.")
                )
            return cleaned
        if self.errors.get("month"):
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        period = periods.chosen_period(period=cleaned.get("period"), start=start, end=end)
        try:
            start, end = periods.period_bounds(period=period, start=start, end=end, today=timezone.localdate())
        except periods.PeriodError as refusal:
            raise forms.ValidationError(refusal.message) from refusal
        cleaned["period"], cleaned["start"], cleaned["end"] = period, start, end
        return cleaned

    def frozen_month(self) -> datetime.date | None:
        """The frozen month asked for (a valid form), or None for a period."""
        return self.cleaned_data.get("month")

    def report_args(self):
        data = self.cleaned_data
        return {key: data.get(key) for key in ("start", "end", *FILTERS)}
