"""The monthly bulletin (月度通报, DESIGN.md §10): the list of frozen months, a month's bulletin
(printable on A4) and its xlsx, read from the frozen rows only (tickets.selectors.bulletin), as
much of it as the reader may see (tickets.visibility.bulletin_departments); an administrator's
freezing by hand and corrected edition (tickets.services.assessment)."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tickets import access, rules, visibility
from tickets.assessment.workbook import bulletin_workbook
from tickets.models import AccessKind
from tickets.reports import NAMES, RATES
from tickets.selectors.assessment import frozen_months, month_start
from tickets.selectors.bulletin import Bulletin, bulletin
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month
from tickets.services.base import ActionRefused

# The city's figures at the top of the bulletin, in order.
CITY_FIGURES = [
    "accepted", "closed", "closure_rate", "on_time_rate", "solved_rate", "satisfaction_rate", "response_rate", "contact_rate",
    "co_feedback_rate", "handling_time", "overdue_open", "overruled_returns", "reopened", "yellow", "red",
]  # fmt: skip
# The figures of each department's line, after its rank and score: the scored rates, then the
# counts deducted (tickets.models.assessment.WEIGHTED_RATES / DEDUCTED_COUNTS) and the volume.
LINE_FIGURES = [
    "accepted", "response_rate", "contact_rate", "on_time_rate", "solved_rate", "satisfaction_rate", "co_feedback_rate",
    "overruled_returns", "reopened", "yellow", "red",
]  # fmt: skip


def columns(keys):
    return [(key, NAMES[key], key in RATES) for key in keys]


def _require_reader(request):
    if not rules.may_view_bulletin(request.user):
        raise PermissionDenied


def _bulletin_or_404(request, month) -> Bulletin:
    edition = request.GET.get("edition")
    if edition is not None and not edition.isdigit():
        raise Http404(_("There is no such edition of this month's bulletin."))
    found = bulletin(month, edition=int(edition) if edition else None)
    if found is None:
        raise Http404(_("%(month)s is not frozen, or has no such edition: there is no bulletin for it.") % {"month": f"{month:%Y-%m}"})
    return found.for_departments(visibility.bulletin_departments(request.user))


def heading() -> str:
    """The bulletin's heading: the city's name (settings.CITY_NAME) and the document's title."""
    return (_("%(city)sEnterprise issue handling: monthly bulletin") % {"city": settings.CITY_NAME}).strip()


class FreezeForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("Month to freeze"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    )


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the corrected edition"), max_length=500, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500})
    )


def _last_month() -> datetime.date:
    return month_start(month_start(timezone.localdate()) - datetime.timedelta(days=1))


@login_required
def bulletin_list(request):
    _require_reader(request)
    context = {"months": list(frozen_months().select_related("scheme"))}
    if rules.is_administrator(request.user):
        context["freeze_form"] = FreezeForm(initial={"month": _last_month()})
    return render(request, "assessment/bulletin_list.html", context)


def _require_administrator(request):
    if not rules.is_administrator(request.user):
        raise PermissionDenied


def _refusals(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def bulletin_freeze(request):
    """An administrator freezes a month by hand (as beat does on the first working day)."""
    _require_administrator(request)
    form = FreezeForm(request.POST)
    if not form.is_valid():
        _refusals(request, form)
        return redirect("bulletin_list")
    try:
        result = assessment_freeze_month(month=form.cleaned_data["month"], by=request.user)
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("bulletin_list")
    (messages.success if result.frozen else messages.info)(request, result.message)
    return redirect("bulletin", month=result.month)


@login_required
@require_POST
def bulletin_correct(request, month):
    """An administrator issues a corrected edition of a frozen month, with its reason."""
    _require_administrator(request)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        _refusals(request, form)
        return redirect("bulletin", month=month)
    try:
        result = assessment_correct_month(month=month, by=request.user, reason=form.cleaned_data["reason"])
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("bulletin", month=month)
    messages.success(request, result.message)
    return redirect("bulletin", month=result.month)


@login_required
def bulletin_page(request, month):
    _require_reader(request)
    found = _bulletin_or_404(request, month)
    context = {
        "bulletin": found,
        "heading": heading(),
        "city_figures": [(key, label, is_rate, found.city.get(key)) for key, label, is_rate in columns(CITY_FIGURES)],
        "line_columns": columns(LINE_FIGURES),
        "correction_form": CorrectionForm() if rules.is_administrator(request.user) else None,
    }
    return render(request, "assessment/bulletin.html", context)


@login_required
def bulletin_xlsx(request, month):
    _require_reader(request)
    found = _bulletin_or_404(request, month)
    content = bulletin_workbook(found, heading=heading(), city_columns=columns(CITY_FIGURES), line_columns=columns(LINE_FIGURES))
    access.record(request, AccessKind.REPORT, detail=f"bulletin {found.month:%Y-%m} #{found.edition}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = _("Monthly bulletin") + f" {found.month:%Y-%m}" + (f" ({found.edition})" if found.edition > 1 else "") + ".xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
