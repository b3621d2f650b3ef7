"""The monthly bulletin (月度通报, DESIGN.md §10): the list of frozen months, a month's bulletin
(printable on A4) and its xlsx, read from the frozen rows only (tickets.selectors.bulletin), as
much of it as the reader may see (tickets.visibility.bulletin_departments)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tickets import access, rules, visibility
from tickets.assessment.workbook import bulletin_workbook
from tickets.models import AccessKind
from tickets.reports import NAMES, RATES
from tickets.selectors.assessment import frozen_months
from tickets.selectors.bulletin import Bulletin, bulletin

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
    return _("%(city)sEnterprise issue handling: monthly bulletin") % {"city": settings.CITY_NAME}


@login_required
def bulletin_list(request):
    _require_reader(request)
    return render(request, "assessment/bulletin_list.html", {"months": list(frozen_months().select_related("scheme"))})


@login_required
def bulletin_page(request, month):
    _require_reader(request)
    found = _bulletin_or_404(request, month)
    context = {
        "bulletin": found,
        "heading": heading(),
        "city_figures": [(key, label, is_rate, found.city.get(key)) for key, label, is_rate in columns(CITY_FIGURES)],
        "line_columns": columns(LINE_FIGURES),
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
