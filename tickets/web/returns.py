"""Dispatch's ruling on a return request (退单审核, DESIGN.md §9). Thin: read through
tickets.selectors, act through tickets.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets import selectors, services
from tickets.selectors.lookup import visible_or_404
from tickets.web.request_forms import ReturnDecisionForm
from tickets.web.tickets import _safe_next


@login_required
@require_POST
def return_decide(request, pk):
    return_request = visible_or_404(lambda: selectors.visible_return_request(request.user, pk))
    reference = return_request.ticket.reference
    back = _safe_next(request) or reverse("ticket_detail", args=[reference])
    form = ReturnDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    uphold = form.cleaned_data["decision"] == "upheld"
    try:
        ruled = services.return_request_decide(request=return_request, by=request.user, uphold=uphold, reason=form.cleaned_data["reason"])
    except services.ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect(back)
    if not uphold:
        messages.success(
            request, _("Return overruled: the ticket stays with the department, its due date unchanged; the department has been told.")
        )
        return redirect(back)
    if ruled.assignment.is_co:
        messages.success(request, _("Release upheld: the department no longer co-handles the ticket."))
        return redirect(back)
    # Upheld: the ticket is back with dispatch; its page opens the assign form with the suggested department.
    messages.success(request, _("Return upheld: the ticket is back with dispatch. Assign it below; the suggested department is proposed."))
    return redirect(reverse("ticket_detail", args=[reference]) + "#actions")
