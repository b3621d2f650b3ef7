"""Ticket pages. Thin: read through tickets.selectors, act through tickets.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets import access, personal, rules, selectors, services
from tickets.models import AccessKind
from tickets.selectors import documents as document_selectors
from tickets.selectors import rows
from tickets.selectors import visits as visit_selectors
from tickets.selectors.lookup import visible_or_404
from tickets.web import actions as ticket_actions
from tickets.web import forms, list_forms, request_forms
from tickets.web.downloads import attachment_response
from tickets.web.pagination import COUNT_BOUND, _bounded_page, _paginate

ROLE_HOME = {
    "company": "ticket_list",
    "liaison": "liaison_ledger",  # 包联台账: their companies, visits due and problems raised
    "department": "department_inbox",
    "dispatcher": "dispatch_queue",
    "supervisor": "supervision_board",
    "leader": "report_dashboard",
    "admin": "dispatch_queue",
    "callback": "verification_list",
}


def _require(condition):
    if not condition:
        raise PermissionDenied


@login_required
def home(request):
    return redirect(ROLE_HOME.get(request.user.role, "ticket_list"))


@login_required
def ticket_list(request):
    filters = list_forms.TicketListForm(request.GET or None, user=request.user)
    values = filters.selector_values()
    tickets = selectors.ticket_list(request.user, **values)
    # The total counts the filtered tickets, without the joins of the row's columns.
    page = _bounded_page(request, rows.row_values(tickets), rows.as_rows, count_to=COUNT_BOUND, counted=tickets)
    today = timezone.localdate()
    selectors.mark_days_left(tickets=page.object_list, today=today)
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "page": page,
            "filters": filters,
            "today": today,
            "sorts": list_forms.sort_headers(values["sort"]),
            "sort_labels": list_forms.SORT_LABELS,
        },
    )


@login_required
def ticket_new(request):
    _require(rules.may_submit(request.user))
    posted = request.method == "POST"
    # A company's QR code (tickets.qr) opens this page with the company chosen: ?enterprise=<id>,
    # offered only among the companies the form offers this user (a company's user submits for its own).
    chosen = request.GET.get("enterprise", "")
    initial = {"enterprise": chosen} if chosen.isdigit() else None
    form = forms.TicketSubmitForm(request.POST if posted else None, request.FILES if posted else None, user=request.user, initial=initial)
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


def _action_panels(ticket, user, allowed, bound=None):
    """The panels of the actions this user may take now, in the page's order; `bound` is the
    (name, form, refusal) that was just refused, shown with its errors: the form's, or for an
    action without a form (a bare button) the service's refusal, in its panel."""
    panels = []
    for action in ticket_actions.ACTIONS:
        if action.name not in allowed:
            continue
        panel = {"action": action, "info": None, "refused": False, "error": None}
        if action.name == "assign":
            panel["info"] = selectors.assign_proposal(ticket)
        if bound and bound[0] == action.name:
            panel["form"], panel["error"], panel["refused"] = bound[1], bound[2], True
        else:
            initial = panel["info"]["initial"] if panel["info"] else None
            panel["form"] = ticket_actions.unbound_form(action, ticket, user, initial=initial)
        panels.append(panel)
    return panels


def _detail_context(request, ticket, bound=None):
    user = request.user
    actions = rules.available_actions(ticket, user)
    assignments = selectors.assignment_rows(ticket)
    full_contact = personal.sees_ticket_contact(user, ticket)
    today = timezone.localdate()
    selectors.mark_days_left(tickets=[ticket], today=today)
    return {
        "ticket": ticket,
        # Personal data (DESIGN.md §11): the contact and the company's people in the timeline.
        "full_contact": full_contact,
        "contact": personal.ticket_contact(ticket, full=full_contact),
        "panels": _action_panels(ticket, user, actions, bound),
        "assignments": assignments,
        "my_co": rules.open_co_assignment(user, ticket),
        # The timeline names the department of a co-handler's event by its assignment.
        "assignment_departments": {a.pk: a.department.name for a in assignments},
        "open_action": bound[0] if bound else None,
        "events": ticket.events.all(),
        "visible_references": selectors.visible_references(user, selectors.duplicate_references(ticket)),
        "extension_requests": ticket.extension_requests.all(),
        "return_requests": ticket.return_requests.all(),
        "pending_return": any(r.state == "pending" for r in ticket.return_requests.all()),
        "can_rule_returns": rules.may_rule_returns(user),
        "can_decide_extensions": rules.may_decide_extensions(user),
        "rating_review": selectors.rating_review_of(ticket),
        "can_decide_rating_reviews": rules.may_decide_rating_reviews(user),
        "today": today,
        # The yellow or red card at the top of the page, as the timeline stored it.
        "supervision_notice": selectors.supervision_notice(ticket),
        "overdue": ticket.is_overdue(),
        "unsigned_late": ticket.is_unsigned_late(),
        "visit_visible": visit_selectors.sees_visit(user, ticket.visit_id),
        # The printed documents (交办单, 督办单), for those who file them, once the ticket has them.
        "print_slip": rules.may_print_ticket_documents(user) and document_selectors.has_assignment_slip(ticket),
        "print_notice": rules.may_print_ticket_documents(user) and document_selectors.has_supervision_notice(ticket),
    }


def _visible_ticket(user, reference):
    return visible_or_404(lambda: selectors.ticket_detail(user, reference), _("No such ticket."))


@login_required
def ticket_detail(request, reference):
    ticket = _visible_ticket(request.user, reference)
    access.record(request, AccessKind.TICKET, ticket_id=ticket.pk, enterprise_id=ticket.enterprise_id)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_action(request, reference, action):
    ticket = _visible_ticket(request.user, reference)
    spec = ticket_actions.BY_NAME.get(action)
    if spec is None:
        raise Http404(_("No such action."))
    if action not in rules.available_actions(ticket, request.user):
        # A page left open while the ticket moved on, or an action that is not this user's:
        # say so, rather than validate a form the page does not offer.
        why_not = spec.why_not(ticket, request.user) if spec.why_not else None
        messages.error(request, why_not.message if why_not else _("This action is not available on this ticket now."))
        return redirect("ticket_detail", reference=reference)
    form = ticket_actions.bound_form(spec, request, ticket)
    if form is not None and not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket, bound=(action, form, None)), status=400)
    try:
        spec.run(ticket, request.user, form.cleaned_data if form is not None else {})
    except services.ActionRefused as refused:
        return _refused(request, reference, spec, form, refused)
    messages.success(request, spec.done)
    return redirect("ticket_detail", reference=reference)


def _refused(request, reference, spec, form, refused):
    """The service refused the action: the page again, as it is now (the ticket read afresh),
    with the refusal in that action's panel (next to its field when it is about one), opened and
    keeping what was typed; only when the action is no longer offered (the ticket moved on) is the
    refusal said at the top of the page instead."""
    ticket = _visible_ticket(request.user, reference)
    if spec.name not in rules.available_actions(ticket, request.user):
        messages.error(request, refused.message)
        return redirect("ticket_detail", reference=reference)
    error = refused.message
    if form is not None:
        field = spec.refusal_field(refused.code)
        form.add_error(field if field in form.fields else None, refused.message)
        error = None  # shown by the form, with its other errors
    messages.error(request, _("Nothing was saved: the reason is shown with the action below."))
    context = _detail_context(request, ticket, bound=(spec.name, form, error))
    return render(request, "tickets/ticket_detail.html", context, status=400)


@login_required
@require_POST
def extension_decide(request, pk):
    request_obj = visible_or_404(lambda: selectors.visible_extension_request(request.user, pk))
    reference = request_obj.ticket.reference
    form = request_forms.ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_safe_next(request) or reverse("ticket_detail", args=[reference]))
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.extension_decide(request=request_obj, by=request.user, approve=approve, note=form.cleaned_data["note"])
    except services.ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Extension approved: the due date moved.") if approve else _("Extension refused."))
    return redirect(_safe_next(request) or reverse("ticket_detail", args=[reference]))


def _safe_next(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


@login_required
def attachment_download(request, pk):
    attachment = visible_or_404(lambda: selectors.visible_attachment(request.user, pk))
    response = attachment_response(attachment)
    access.record(request, AccessKind.ATTACHMENT, ticket_id=attachment.ticket_id, detail=attachment.original_name)
    return response


@login_required
def dispatch_queue(request):
    _require(request.user.is_dispatcher)
    return render(
        request,
        "tickets/dispatch_queue.html",
        {
            "page": _paginate(request, selectors.dispatch_queue(request.user)),
            # The top section: return requests waiting for a ruling (退单审核), oldest first.
            "return_requests": selectors.pending_return_requests(request.user)[:RETURN_REQUESTS_LIMIT],
            "return_limit": RETURN_REQUESTS_LIMIT,
            "can_rule_returns": rules.may_rule_returns(request.user),
            # Extension requests waiting for a decision (dispatch decides them too), oldest first.
            "extensions": selectors.pending_extensions(request.user)[:RETURN_REQUESTS_LIMIT]
            if rules.may_decide_extensions(request.user)
            else [],
            "extension_limit": RETURN_REQUESTS_LIMIT,
        },
    )


RETURN_REQUESTS_LIMIT = 100


CO_INBOX_LIMIT = 100


@login_required
def department_inbox(request):
    _require(request.user.is_department)
    page = _bounded_page(request, rows.row_values(selectors.department_inbox(request.user)), rows.as_rows)
    co_parts = rows.co_rows(selectors.department_co_inbox(request.user), limit=CO_INBOX_LIMIT)
    today = timezone.localdate()
    selectors.mark_days_left(tickets=page.object_list, co_parts=co_parts, today=today)
    return render(
        request,
        "tickets/department_inbox.html",
        {
            "page": page,
            "co_parts": co_parts,
            "co_limit": CO_INBOX_LIMIT,
            "awaiting": rows.ticket_rows(selectors.department_awaiting_company(request.user), limit=50),
            "today": today,
        },
    )


@login_required
def supervision_board(request):
    _require(rules.may_decide_extensions(request.user))
    board = selectors.supervision_board(request.user)
    limit = 100
    sections = [
        ("overdue", _("Overdue"), list(board["overdue"][:limit])),
        ("unsigned", _("Not signed in time"), list(board["unsigned"][:limit])),
        ("at_risk", _("Due within two working days"), list(board["at_risk"][:limit])),
        ("supervised", _("Under supervision"), list(board["supervised"][:limit])),
    ]
    selectors.mark_days_left(tickets=[t for _key, _label, rows in sections for t in rows], today=board["today"])
    return render(
        request,
        "tickets/supervision_board.html",
        {
            "sections": sections,
            "extensions": selectors.pending_extensions(request.user)[:limit],
            "today": board["today"],
            "limit": limit,
        },
    )
