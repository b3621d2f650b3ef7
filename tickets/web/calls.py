"""The callers' verification list (回访核实, DESIGN.md §9): a month's calls, those still to make
first, each answered on the list. Thin: read through tickets.selectors, act through
tickets.services. (A follow-up call on a resolved ticket is an action of the ticket's page.)"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets import personal, rules, selectors, services
from tickets.selectors.lookup import visible_or_404
from tickets.web.call_forms import VerificationAnswerForm, VerificationMonthForm


def _require_caller(user):
    if not rules.may_call(user):
        raise PermissionDenied


def _month_url(month):
    return f"{reverse('verification_list')}?month={month:%Y-%m}"


def _list_context(user, month_form, bound=None):
    months = selectors.verification_months(user)
    chosen = month_form.cleaned_data.get("month") if month_form.is_valid() else None
    month = chosen or (months[0] if months else None)
    calls = list(selectors.verification_list(user, month)) if month else []
    for call in calls:
        call.form = bound[1] if bound and bound[0] == call.pk else (VerificationAnswerForm() if call.is_pending else None)
        # The company's contact in full while the call is to be made (DESIGN.md §11), masked after.
        full = rules.sees_ticket_contact(user, call.ticket, call_pending=call.is_pending)
        call.contact = personal.company_contact(call.ticket.enterprise, full=full)
    return {
        "month_form": month_form,
        "months": months,
        "month": month,
        "calls": calls,
        "pending": sum(1 for call in calls if call.is_pending),
        "today": timezone.localdate(),
    }


@login_required
def verification_list(request):
    _require_caller(request.user)
    month_form = VerificationMonthForm(request.GET or None)
    status = 400 if request.GET and not month_form.is_valid() else 200
    return render(request, "tickets/verification_list.html", _list_context(request.user, month_form), status=status)


@login_required
@require_POST
def verification_record(request, pk):
    _require_caller(request.user)
    call = visible_or_404(lambda: selectors.visible_verification_call(request.user, pk), _("No such verification call."))
    form = VerificationAnswerForm(request.POST)
    if form.is_valid():
        confirmed = form.cleaned_data["answer"] == "confirmed"
        try:
            services.verification_record(call=call, by=request.user, confirmed=confirmed, said=form.cleaned_data["said"])
        except services.ActionRefused as refused:
            if refused.code != "invalid":
                messages.error(request, refused.message)
                return redirect(_month_url(call.month))
            form.add_error("said", refused.message)
        else:
            if confirmed:
                messages.success(request, _("Recorded: the company confirms %(ref)s.") % {"ref": call.ticket.reference})
            else:
                text = _("Recorded: the company disagrees; %(ref)s is reopened and sent back to the department.")
                messages.success(request, text % {"ref": call.ticket.reference})
            return redirect(_month_url(call.month))
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    month_form = VerificationMonthForm({"month": f"{call.month:%Y-%m}"})
    return render(request, "tickets/verification_list.html", _list_context(request.user, month_form, bound=(call.pk, form)), status=400)
