"""The ledger pages (包联台账, DESIGN.md §12): a liaison's own ledger (and any liaison's for the
roles that see everything), its xlsx, and the overview of liaisons and companies behind quota.
Thin: read through tickets.selectors.ledger."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tickets import access, rules
from tickets.ledger_xlsx import ledger_workbook
from tickets.models import AccessKind
from tickets.selectors import ledger as selectors
from tickets.selectors.lookup import visible_or_404


def _require(condition):
    if not condition:
        raise PermissionDenied


def _ledger(request, liaison_id):
    _require(rules.may_read_ledgers(request.user))
    if liaison_id is None:
        _require(request.user.is_liaison)  # an overseer opens a liaison's ledger from the overview
    return visible_or_404(lambda: selectors.liaison_ledger(request.user, liaison_id), _("No such liaison official."))


@login_required
def liaison_ledger(request, liaison_id=None):
    ledger = _ledger(request, liaison_id)
    return render(request, "visits/ledger.html", {"ledger": ledger, "own": ledger.liaison.pk == request.user.pk})


@login_required
def liaison_ledger_xlsx(request, liaison_id=None):
    ledger = _ledger(request, liaison_id)
    access.record(request, AccessKind.REPORT, detail=f"ledger xlsx {ledger.liaison.pk} {ledger.quarter.label}")
    response = HttpResponse(ledger_workbook(ledger), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = _("Liaison ledger") + f" {ledger.liaison} {ledger.quarter.label}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def liaison_overview(request):
    _require(rules.may_oversee_visits(request.user))
    return render(
        request, "visits/overview.html", {"overview": selectors.liaison_overview(request.user), "limit": selectors.OVERVIEW_BEHIND_LIMIT}
    )
