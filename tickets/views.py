"""Pages. Thin: read through tickets.selectors, act through tickets.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise

from . import forms, selectors, services, workdays
from .models import Attachment, ExtensionRequest, Ticket

PAGE_SIZE = 25

ROLE_HOME = {
    "company": "ticket_list",
    "liaison": "ticket_list",
    "department": "department_inbox",
    "dispatcher": "dispatch_queue",
    "supervisor": "supervision_board",
    "leader": "ticket_list",
    "admin": "dispatch_queue",
}


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _require(condition):
    if not condition:
        raise PermissionDenied


@login_required
def home(request):
    return redirect(ROLE_HOME.get(request.user.role, "ticket_list"))


@login_required
def ticket_list(request):
    filters = forms.TicketFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    tickets = selectors.ticket_list(
        request.user,
        status=values.get("status"),
        supervision=values.get("supervision"),
        category=values.get("category"),
        department=values.get("department"),
        query=values.get("q"),
    )
    return render(
        request,
        "tickets/ticket_list.html",
        {"page": _paginate(request, tickets), "filters": filters, "today": timezone.localdate()},
    )


def _can_submit(user):
    return user.is_company or user.is_liaison or user.is_dispatcher


@login_required
def ticket_new(request):
    _require(_can_submit(request.user))
    posted = request.method == "POST"
    form = forms.TicketSubmitForm(request.POST if posted else None, request.FILES if posted else None, user=request.user)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_submit(
                by=request.user,
                enterprise=form.enterprise_for_submission(),
                category=data["category"],
                title=data["title"],
                description=data["description"],
                priority=data["priority"],
                channel=data.get("channel"),
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
                files=data["files"],
            )
        except services.ActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Your problem was submitted as %(ref)s. You can follow it here.") % {"ref": ticket.reference})
            return redirect("ticket_detail", reference=ticket.reference)
    if posted:
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(request, "tickets/ticket_new.html", {"form": form})


def _action_forms(ticket, user, actions, bound=None):
    """The forms of the actions this user may take now; `bound` replaces one with its errors."""
    today = timezone.localdate()
    built = {}
    if "assign" in actions:
        response_days, resolution_days = ticket.category.service_levels(ticket.priority)
        suggested_due = workdays.add_working_days(today, resolution_days)
        built["assign"] = forms.AssignForm(initial={"department": ticket.category.default_department, "due_date": suggested_due})
        built["assign_info"] = {
            "suggested_due": suggested_due,
            "resolution_days": resolution_days,
            "response_days": response_days,
            "unknown_years": workdays.unknown_years(today, suggested_due),
        }
    if "reject" in actions:
        built["reject"] = forms.RejectForm()
    if "return_to_dispatch" in actions:
        built["return_to_dispatch"] = forms.ReasonForm()
    if "resolve" in actions:
        built["resolve"] = forms.ResolveForm()
    if "confirm" in actions:
        built["confirm"] = forms.ConfirmForm()
    if "reopen" in actions:
        built["reopen"] = forms.ReopenForm()
    if "comment" in actions:
        built["comment"] = forms.CommentForm()
    if "request_extension" in actions:
        built["request_extension"] = forms.ExtensionRequestForm(ticket=ticket)
    if "supervise" in actions:
        built["supervise"] = forms.SuperviseForm(ticket=ticket)
    if bound:
        built.update(bound)
    return built


def _detail_context(request, ticket, bound=None):
    user = request.user
    actions = services.available_actions(ticket, user)
    can_decide = user.is_dispatcher or user.is_supervisor
    return {
        "ticket": ticket,
        "actions": actions,
        "forms": _action_forms(ticket, user, actions, bound),
        "events": ticket.events.all(),
        "extension_requests": ticket.extension_requests.all(),
        "can_decide_extensions": can_decide,
        "decision_form": forms.ExtensionDecisionForm(),
        "today": timezone.localdate(),
        "overdue": ticket.is_overdue(),
        "unsigned_late": ticket.is_unsigned_late(),
    }


def _visible_ticket(user, reference):
    try:
        return selectors.ticket_detail(user, reference)
    except Ticket.DoesNotExist:
        raise Http404(_("No such ticket."))


@login_required
def ticket_detail(request, reference):
    ticket = _visible_ticket(request.user, reference)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket))


def _run_action(request, ticket, action):
    """Validate the action's form and call its service. Returns (form, message) — form is
    bound with errors when the input was refused."""
    user, post, files = request.user, request.POST, request.FILES
    if action == "assign":
        form = forms.AssignForm(post)
        if form.is_valid():
            services.ticket_assign(ticket=ticket, by=user, department=form.cleaned_data["department"], due_date=form.cleaned_data["due_date"], note=form.cleaned_data["note"])
            return form, _("Assigned to %(dept)s.") % {"dept": form.cleaned_data["department"]}
    elif action == "reject":
        form = forms.RejectForm(post, user=user, ticket=ticket)
        if form.is_valid():
            services.ticket_reject(ticket=ticket, by=user, reason=form.cleaned_data["reason"], duplicate_of=form.cleaned_data["duplicate_of"])
            return form, _("The ticket was not accepted; the company will see your reason.")
    elif action == "sign":
        form = None
        services.ticket_sign(ticket=ticket, by=user)
        return form, _("Signed for. The ticket is now in progress.")
    elif action == "return_to_dispatch":
        form = forms.ReasonForm(post)
        if form.is_valid():
            services.ticket_return(ticket=ticket, by=user, reason=form.cleaned_data["reason"])
            return form, _("Returned to the dispatch office.")
    elif action == "resolve":
        form = forms.ResolveForm(post, files)
        if form.is_valid():
            services.ticket_resolve(ticket=ticket, by=user, result=form.cleaned_data["result"], files=form.cleaned_data["files"])
            return form, _("Reported as resolved. The company will now confirm the result.")
    elif action == "confirm":
        form = forms.ConfirmForm(post)
        if form.is_valid():
            services.ticket_confirm(ticket=ticket, by=user, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
            return form, _("Thank you. The ticket is closed.")
    elif action == "reopen":
        form = forms.ReopenForm(post)
        if form.is_valid():
            services.ticket_reopen(ticket=ticket, by=user, comment=form.cleaned_data["comment"])
            return form, _("The ticket was sent back to the department under supervision.")
    elif action == "comment":
        form = forms.CommentForm(post, files)
        if form.is_valid():
            services.ticket_comment(ticket=ticket, by=user, text=form.cleaned_data["text"], files=form.cleaned_data["files"])
            return form, _("Note added.")
    elif action == "request_extension":
        form = forms.ExtensionRequestForm(post, ticket=ticket)
        if form.is_valid():
            services.extension_request(ticket=ticket, by=user, requested_due_date=form.cleaned_data["requested_due_date"], reason=form.cleaned_data["reason"])
            return form, _("Extension requested. The dispatch office will decide.")
    elif action == "supervise":
        form = forms.SuperviseForm(post, ticket=ticket)
        if form.is_valid():
            services.ticket_raise_supervision(ticket=ticket, by=user, level=form.cleaned_data["level"], notice=form.cleaned_data["notice"])
            return form, _("Supervision raised; the department has been given the notice.")
    else:
        raise Http404(_("No such action."))
    return form, None


@login_required
@require_POST
def ticket_action(request, reference, action):
    ticket = _visible_ticket(request.user, reference)
    try:
        form, done = _run_action(request, ticket, action)
    except services.ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("ticket_detail", reference=reference)
    if done:
        messages.success(request, done)
        return redirect("ticket_detail", reference=reference)
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    context = _detail_context(request, ticket, bound={action: form})
    context["open_action"] = action
    return render(request, "tickets/ticket_detail.html", context, status=400)


@login_required
@require_POST
def extension_decide(request, pk):
    request_obj = get_object_or_404(
        ExtensionRequest.objects.select_related("ticket"), pk=pk, ticket__in=Ticket.objects.visible_to(request.user)
    )
    reference = request_obj.ticket.reference
    form = forms.ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(request.POST.get("next") or reverse("ticket_detail", args=[reference]))
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.extension_decide(request=request_obj, by=request.user, approve=approve, note=form.cleaned_data["note"])
    except services.ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Extension approved: the due date moved.") if approve else _("Extension refused."))
    return redirect(_safe_next(request) or reverse("ticket_detail", args=[reference]))


def _safe_next(request):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk, ticket__in=Ticket.objects.visible_to(request.user))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is no longer available."))
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def dispatch_queue(request):
    _require(request.user.is_dispatcher)
    return render(request, "tickets/dispatch_queue.html", {"page": _paginate(request, selectors.dispatch_queue(request.user))})


@login_required
def department_inbox(request):
    _require(request.user.is_department)
    return render(
        request,
        "tickets/department_inbox.html",
        {
            "page": _paginate(request, selectors.department_inbox(request.user)),
            "awaiting": selectors.department_awaiting_company(request.user)[:50],
            "today": timezone.localdate(),
        },
    )


@login_required
def supervision_board(request):
    _require(request.user.is_supervisor or request.user.is_dispatcher)
    board = selectors.supervision_board(request.user)
    limit = 100
    return render(
        request,
        "tickets/supervision_board.html",
        {
            "sections": [
                ("overdue", _("Overdue"), board["overdue"][:limit]),
                ("unsigned", _("Not signed in time"), board["unsigned"][:limit]),
                ("at_risk", _("Due within two working days"), board["at_risk"][:limit]),
                ("supervised", _("Under supervision"), board["supervised"][:limit]),
            ],
            "extensions": selectors.pending_extensions(request.user)[:limit],
            "decision_form": forms.ExtensionDecisionForm(),
            "today": board["today"],
            "limit": limit,
        },
    )


@login_required
def enterprise_list(request):
    query = request.GET.get("q", "").strip()[:100]
    if request.user.is_company:
        return redirect("enterprise_case_file", pk=request.user.enterprise_id)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {"page": _paginate(request, selectors.enterprise_list(request.user, query)), "q": query},
    )


@login_required
def enterprise_case_file(request, pk):
    try:
        context = selectors.enterprise_case_file(request.user, pk)
    except Enterprise.DoesNotExist:
        raise Http404(_("No such company."))
    context["today"] = timezone.localdate()
    return render(request, "enterprises/case_file.html", context)
