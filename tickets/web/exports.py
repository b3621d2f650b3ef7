"""Case file exports: request one, watch it being built, download it.

An export is shown only to the person who asked for it, and only while that person may still
see the company (DESIGN.md §6); anyone else gets a 404. Files are read from the private storage
through these views only.
"""

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tickets import access, services
from tickets.casefile import export as exports
from tickets.casefile import selectors as casefile_selectors
from tickets.models import AccessKind, CaseFileExport
from tickets.selectors.lookup import visible_or_404
from tickets.services import ActionRefused

State = CaseFileExport.State

RECENT_LIMIT = 10

# The printable page is our own escaped HTML, stored as a standalone document with its inline
# <style>: its own policy, stricter than the site's (config/settings.py), allows that style and
# nothing else: no scripts, no requests, no frames, no forms.
PRINT_CSP = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": ["data:"],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [NONE],
}


def _visible_export(user, pk):
    return visible_or_404(lambda: casefile_selectors.visible_export(user, pk), _("No such export."))


@login_required
@require_POST
def export_request(request, pk):
    try:
        export, _created = services.case_file_export_request(by=request.user, enterprise_id=pk)
    except ActionRefused as refused:
        raise Http404(refused.message) from None
    return redirect("export_status", pk=export.pk)


def _requeue_if_stale(export):
    """A pending export nobody picked up (the broker was down), or a build whose lease ran out
    (its worker died), is queued again, at most once per REQUEUE_AFTER per web process; building
    it twice is harmless anyway (the build that lost its lease writes nothing more)."""
    if not exports.is_stale(export):
        return False
    key = f"exports:requeue:{export.pk}:{export.created_at.timestamp()}"
    if not cache.add(key, True, timeout=int(exports.REQUEUE_AFTER.total_seconds())):
        return False
    exports.queue_build(export.pk)
    export.refresh_from_db()
    return True


@never_cache
@login_required
@require_GET
def export_status(request, pk):
    export = _visible_export(request.user, pk)
    _requeue_if_stale(export)
    recent = casefile_selectors.recent_exports(request.user, excluding=export, limit=RECENT_LIMIT)
    return render(
        request,
        "exports/export_status.html",
        {
            "export": export,
            "working": export.state in (State.PENDING, State.RUNNING),
            "stale": exports.is_stale(export),
            # A build that died with its worker: queued again above once its lease ran out.
            "stuck": export.state == State.RUNNING and exports.is_stale(export),
            # Only our own refusals are shown as written; other errors stay in the log and the admin.
            "refusal": exports.shown_error(export),
            "recent": recent,
        },
    )


def _ready_file(export, field_name):
    if export.state != State.DONE:
        raise Http404(_("This export is not ready."))
    file = getattr(export, field_name)
    if not file:
        raise Http404(_("This file is no longer available."))
    try:
        return file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is no longer available.")) from None


@never_cache
@login_required
@require_GET
def export_xlsx(request, pk):
    export = _visible_export(request.user, pk)
    handle = _ready_file(export, "xlsx")
    access.record(request, AccessKind.EXPORT, enterprise_id=export.enterprise_id, detail="xlsx")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{export.enterprise.name}-企业档案.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csp(PRINT_CSP)
@never_cache
@login_required
@require_GET
def export_print(request, pk):
    export = _visible_export(request.user, pk)
    handle = _ready_file(export, "printable")
    access.record(request, AccessKind.EXPORT, enterprise_id=export.enterprise_id, detail="print")
    response = FileResponse(handle, content_type="text/html; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response
