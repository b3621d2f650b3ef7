"""The ticket list's export to xlsx: asked for from the list with its filters, built in the
background (tickets.list_export) while its page shows the progress, then downloaded (streamed
from the private storage). An export is shown only to the person who asked for it; anyone else
gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tickets import access, list_export, services
from tickets.casefile.export import REQUEUE_AFTER, is_stale, shown_error
from tickets.models import AccessKind, TicketListExport
from tickets.selectors import exports as export_selectors
from tickets.selectors.lookup import visible_or_404
from tickets.web import list_forms

State = TicketListExport.State


@login_required
@require_POST
def ticket_list_export(request):
    """Export the list as its query string filters it (the form's action keeps the list's)."""
    filters = list_forms.TicketListForm(request.GET or None, user=request.user)
    values = filters.selector_values()
    if filters.errors:
        messages.error(request, _("Correct the list's filters first: nothing was exported."))
        return redirect(reverse("ticket_list") + ("?" + request.GET.urlencode() if request.GET else ""))
    export, _created = services.ticket_list_export_request(by=request.user, filters=list_export.stored_filters(values))
    return redirect("ticket_list_export_status", pk=export.pk)


def _visible(user, pk):
    return visible_or_404(lambda: export_selectors.visible_list_export(user, pk), _("No such export."))


def _requeue_if_stale(export):
    """Queued again once its task was lost or its build's lease ran out, at most once per
    REQUEUE_AFTER per web process (as a case file export)."""
    if not is_stale(export):
        return
    if cache.add(f"list-exports:requeue:{export.pk}:{export.created_at.timestamp()}", True, timeout=int(REQUEUE_AFTER.total_seconds())):
        list_export.queue_build(export.pk)
        export.refresh_from_db()


@never_cache
@login_required
@require_GET
def ticket_list_export_status(request, pk):
    export = _visible(request.user, pk)
    _requeue_if_stale(export)
    return render(
        request,
        "exports/list_export_status.html",
        {
            "export": export,
            "working": export.state in (State.PENDING, State.RUNNING),
            "refusal": shown_error(export),
            "recent": export_selectors.recent_list_exports(request.user, excluding=export),
        },
    )


@never_cache
@login_required
@require_GET
def ticket_list_export_xlsx(request, pk):
    export = _visible(request.user, pk)
    if export.state != State.DONE or not export.xlsx:
        raise Http404(_("This export is not ready."))
    try:
        handle = export.xlsx.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is no longer available.")) from None
    access.record(request, AccessKind.EXPORT, detail="ticket list xlsx")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"诉求清单-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
